// One HTTP/1.1 exchange over a connected socket, without node:http: supctl's requests to supd's
// unix socket. node:http brings eight more built-in modules and the llhttp parser into every
// `supctl status`, ~15 ms of its start-up, for one request and one answer. This writes the request
// as Node's client would (`Connection: close`, `Content-Length` on a POST) and reads the answer
// framed by Content-Length, chunked transfer encoding, or the end of the connection.
// Streams (`logs -f`, events) and --host keep node:http.
import type { Socket } from 'node:net';

export interface Answer {
  status: number;
  body: string;
}

/** The ways an answer can fail, coded like node:http's errors (cli/client.ts maps the codes). */
export class WireError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** The request's bytes: the headers as given, then `Connection: close`, then Content-Length for
 * anything but GET (0 without a body, as node:http sends it). */
export function requestBytes(method: string, path: string, headers: Readonly<Record<string, string>>, payload: string | undefined): Buffer {
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new WireError('ERR_INVALID_CHAR', `invalid character in header ${JSON.stringify(name)}`);
    head += `${name}: ${value}\r\n`;
  }
  head += 'Connection: close\r\n';
  const body = payload === undefined ? undefined : Buffer.from(payload, 'utf8');
  if (method !== 'GET' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
    head += `Content-Length: ${body?.length ?? 0}\r\n`;
  }
  head += '\r\n';
  return body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** The longest head (status line and headers) or chunk-size line accepted, as llhttp's default. */
const MAX_LINE = 16 * 1024;

type Phase =
  | { kind: 'head' }
  | { kind: 'length'; left: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailer' }
  | { kind: 'until-close' }
  | { kind: 'done' };

/** Reads one answer from bytes fed as they arrive: `push` each chunk, `end` at the end of the
 * connection. Both return the answer once it is complete, else null; a malformed answer throws a
 * WireError (HPE_…, as llhttp names them), a connection ended early one coded ECONNRESET. */
export class AnswerReader {
  private pending: Buffer = Buffer.alloc(0);
  private phase: Phase = { kind: 'head' };
  private status = 0;
  private readonly parts: Buffer[] = [];
  private readonly method: string;

  constructor(method: string) {
    this.method = method;
  }

  push(chunk: Buffer): Answer | null {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.step());
    return this.answer();
  }

  end(): Answer {
    if (this.phase.kind === 'until-close') this.phase = { kind: 'done' };
    const answer = this.answer();
    if (answer !== null) return answer;
    // node:http's words: nothing of the answer yet, or an answer cut short.
    throw new WireError('ECONNRESET', this.phase.kind === 'head' && this.status === 0 ? 'socket hang up' : 'aborted');
  }

  private answer(): Answer | null {
    if (this.phase.kind !== 'done') return null;
    return { status: this.status, body: Buffer.concat(this.parts).toString('utf8') };
  }

  /** One step of the framing; false when it needs more bytes (or is done). */
  private step(): boolean {
    const p = this.phase;
    switch (p.kind) {
      case 'head': {
        const head = this.upTo('\r\n\r\n');
        if (head === null) return false;
        this.phase = this.afterHead(head);
        return true;
      }
      case 'length':
      case 'chunk-data': {
        if (this.pending.length === 0) return false;
        const take = Math.min(p.left, this.pending.length);
        this.parts.push(this.pending.subarray(0, take));
        this.pending = this.pending.subarray(take);
        const left = p.left - take;
        if (left > 0) this.phase = { kind: p.kind, left };
        else this.phase = p.kind === 'length' ? { kind: 'done' } : { kind: 'chunk-end' };
        return true;
      }
      case 'chunk-size': {
        const line = this.line();
        if (line === null) return false;
        const size = /^([0-9a-fA-F]+)[ \t]*(?:;.*)?$/.exec(line);
        if (size === null || (size[1] as string).length > 12) throw new WireError('HPE_INVALID_CHUNK_SIZE', 'Parse Error: Invalid character in chunk size');
        const n = parseInt(size[1] as string, 16);
        this.phase = n === 0 ? { kind: 'trailer' } : { kind: 'chunk-data', left: n };
        return true;
      }
      case 'chunk-end': {
        if (this.pending.length < 2) return false;
        if (this.pending[0] !== 0x0d || this.pending[1] !== 0x0a) throw new WireError('HPE_STRICT', 'Parse Error: Expected LF after chunk data');
        this.pending = this.pending.subarray(2);
        this.phase = { kind: 'chunk-size' };
        return true;
      }
      case 'trailer': {
        const line = this.line();
        if (line === null) return false;
        if (line === '') this.phase = { kind: 'done' };
        return true;
      }
      case 'until-close':
        if (this.pending.length > 0) this.parts.push(this.pending);
        this.pending = Buffer.alloc(0);
        return false;
      case 'done':
        return false;
      default: {
        const never: never = p;
        return never;
      }
    }
  }

  /** The next CRLF-ended line (without it), or null until it has arrived. */
  private line(): string | null {
    return this.upTo('\r\n');
  }

  /** The bytes before `delimiter` (consumed with it), or null until it has arrived; more than
   * MAX_LINE bytes without it is an overflow. */
  private upTo(delimiter: string): string | null {
    const end = this.pending.indexOf(delimiter);
    if (end < 0) {
      if (this.pending.length > MAX_LINE) throw new WireError('HPE_HEADER_OVERFLOW', 'Parse Error: Header overflow');
      return null;
    }
    const text = this.pending.subarray(0, end).toString('latin1');
    this.pending = this.pending.subarray(end + delimiter.length);
    return text;
  }

  /** The status and the framing of the body the head announces. */
  private afterHead(head: string): Phase {
    const [statusLine = '', ...lines] = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
    if (m === null) throw new WireError('HPE_INVALID_CONSTANT', 'Parse Error: Expected HTTP/');
    const status = Number(m[1]);
    // 1xx (100 Continue, 103 Early Hints): the answer is still to come.
    if (status < 200) return { kind: 'head' };
    this.status = status;
    let chunked = false;
    let length: number | null = null;
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new WireError('HPE_INVALID_HEADER_TOKEN', 'Parse Error: Invalid header token');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'transfer-encoding') chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      else if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length !== null && length !== Number(value))) {
          throw new WireError('HPE_INVALID_CONTENT_LENGTH', 'Parse Error: Invalid Content-Length');
        }
        length = Number(value);
      }
    }
    if (this.method === 'HEAD' || status === 204 || status === 304) return { kind: 'done' };
    if (chunked) return { kind: 'chunk-size' };
    if (length !== null) return length === 0 ? { kind: 'done' } : { kind: 'length', left: length };
    return { kind: 'until-close' };
  }
}

/** Sends the request on `socket` (connecting or connected) and resolves with the answer; the socket
 * is closed once the answer is complete. Socket errors reject as they are (ENOENT, ECONNREFUSED,
 * EACCES…), like node:http's request errors. */
export function exchange(socket: Socket, method: string, path: string, headers: Readonly<Record<string, string>>, payload: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const reader = new AnswerReader(method);
    let settled = false;
    const finish = (result: Answer | Error): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    /** Runs one step of the exchange: an answer or an error ends it, null waits for more. */
    const attempt = (f: () => Answer | null): void => {
      if (settled) return;
      try {
        const answer = f();
        if (answer !== null) finish(answer);
      } catch (e) {
        finish(e instanceof Error ? e : new Error(String(e)));
      }
    };
    socket.on('data', (chunk: Buffer) => attempt(() => reader.push(chunk)));
    socket.on('end', () => attempt(() => reader.end()));
    socket.on('close', () => attempt(() => reader.end()));
    socket.on('error', (e) => finish(e));
    attempt(() => {
      // write, not end: a half-closed request makes Node's HTTP server give up on it.
      socket.write(requestBytes(method, path, headers, payload));
      return null;
    });
  });
}
