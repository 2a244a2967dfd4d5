// supctl's HTTP client: JSON over supd's unix socket, or over TCP with a bearer token. Every
// failure becomes a SupdError whose code carries the exit code (unreachable 3, refused 4, …).
import net from 'node:net';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { ErrorCodes, SupdError } from '../daemon/errors.js';
import type { ErrorCode } from '../daemon/errors.js';
import { exchange } from './http1.js';

export type Endpoint = { kind: 'socket'; path: string } | { kind: 'url'; url: URL };

export interface ClientOptions {
  endpoint: Endpoint;
  /** Sent as `Authorization: Bearer` over TCP; the socket needs none. */
  token: string | null;
}

/** `host:port` or a URL; only http and https. */
export function parseHost(text: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new SupdError('SUPD_USAGE', `--host ${text}: not a URL or host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SupdError('SUPD_USAGE', `--host ${text}: only http:// and https:// are supported`);
  }
  return url;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND',
  'EAI_AGAIN', 'ENOTSOCK', 'ECONNABORTED',
]);

const REASONS: Record<string, string> = {
  ENOENT: 'no such socket (is supd running?)',
  ECONNREFUSED: 'connection refused (is supd running?)',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'unknown host',
};

function errnoCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}

/** What a failed connection means to the user: unreachable (3), or refused by the socket's mode (4). */
export function connectionError(where: string, e: unknown): SupdError {
  const code = errnoCode(e);
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'EACCES' || code === 'EPERM') {
    return new SupdError('SUPD_FORBIDDEN', `permission denied on ${where}`, {
      hint: 'the socket\'s file mode is its guard: run as supd\'s user or a member of its group',
      cause: e,
    });
  }
  const reason = code !== undefined && UNREACHABLE.has(code) ? (REASONS[code] ?? `${code} (${message})`) : message;
  return new SupdError('SUPD_UNREACHABLE', `cannot reach supd at ${where}: ${reason}`, { cause: e, hint: unreachableHint(where) });
}

/** How to point supctl at the right supd: the socket of a supd started with --state-dir DIR is
 * DIR/supd.sock. */
function unreachableHint(where: string): string {
  if (/^https?:\/\//.test(where)) return 'check --host (and that supd\'s api.listen is that address)';
  return 'supd listens on <stateDir>/supd.sock: point supctl at it with --socket PATH or SUPD_SOCKET=PATH '
    + '(or export SUPD_STATE_DIR=DIR for both supd and supctl)';
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ErrorCodes, code);
}

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'SUPD_BAD_REQUEST', 401: 'SUPD_UNAUTHORIZED', 403: 'SUPD_FORBIDDEN', 404: 'SUPD_UNKNOWN_TARGET',
  409: 'SUPD_CONFLICT', 413: 'SUPD_BODY_TOO_LARGE', 415: 'SUPD_UNSUPPORTED_MEDIA_TYPE', 422: 'SUPD_INVALID_UNITS', 503: 'SUPD_SHUTTING_DOWN',
};

/** A non-2xx answer as a SupdError: the body's code when supd sent one, else one from the status. */
export function responseError(status: number, body: string): SupdError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
    const error: unknown = parsed.error;
    if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error && isErrorCode(error.code)) {
      const hint = 'hint' in error && typeof error.hint === 'string' ? error.hint : undefined;
      const details = 'details' in error ? error.details : undefined;
      return new SupdError(error.code, String(error.message), {
        ...(hint === undefined ? {} : { hint }),
        ...(details === undefined ? {} : { details }),
      });
    }
  }
  const text = body.trim().slice(0, 200);
  return new SupdError(BY_STATUS[status] ?? 'SUPD_INTERNAL', `supd answered ${status}${text === '' ? '' : `: ${text}`}`);
}

export interface Response {
  status: number;
  body: string;
}

export class Client {
  readonly where: string;
  private readonly opts: ClientOptions;

  constructor(opts: ClientOptions) {
    this.opts = opts;
    this.where = opts.endpoint.kind === 'socket' ? opts.endpoint.path : opts.endpoint.url.origin;
  }

  async getJson<T>(path: string): Promise<T> {
    return this.json<T>(await this.request('GET', path));
  }

  async postJson<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>(await this.request('POST', path, body));
  }

  async getText(path: string): Promise<string> {
    return (await this.request('GET', path)).body;
  }

  /** A 2xx answer, or the SupdError it stands for. */
  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const { status, text } = await this.overHttp(method, path, payload);
    if (status >= 200 && status < 300) return { status, body: text };
    throw responseError(status, text);
  }

  private async overHttp(method: string, path: string, payload: string | undefined): Promise<{ status: number; text: string }> {
    const { endpoint } = this.opts;
    if (endpoint.kind === 'socket') {
      // The everyday path (status, start, stop…): one exchange over the socket without node:http
      // (cli/http1.ts), the same headers node:http would send.
      const headers = { ...this.headers(payload), host: 'localhost' };
      try {
        const { status, body } = await exchange(net.connect(endpoint.path), method, path, headers, payload);
        return { status, text: body };
      } catch (e) {
        throw connectionError(this.where, e);
      }
    }
    return new Promise((resolve, reject) => {
      const req = this.send(method, path, payload, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(connectionError(this.where, e)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', (e) => reject(connectionError(this.where, e)));
      req.end(payload);
    });
  }

  /** Streams a GET's body to `onData` until supd ends it; `stop()` ends it from this side. */
  stream(path: string, onData: (text: string) => void): { done: Promise<void>; stop: () => void } {
    let stopped = false;
    let stopRequest = (): void => {};
    const done = new Promise<void>((resolve, reject) => {
      const req = this.send('GET', path, undefined, (res) => {
        const status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        if (status < 200 || status >= 300) {
          let text = '';
          res.on('data', (c: string) => { text += c; });
          res.on('end', () => reject(responseError(status, text)));
          return;
        }
        res.on('data', onData);
        res.on('end', () => resolve());
        res.on('error', (e) => (stopped ? resolve() : reject(connectionError(this.where, e))));
      });
      req.on('error', (e) => (stopped ? resolve() : reject(connectionError(this.where, e))));
      req.on('close', () => { if (stopped) resolve(); });
      stopRequest = () => req.destroy();
      req.end();
    });
    return { done, stop: () => { stopped = true; stopRequest(); } };
  }

  private json<T>(res: Response): T {
    try {
      // supctl trusts the daemon it talks to for the shape; the API's schemas guarantee it.
      return JSON.parse(res.body) as T;
    } catch {
      throw new SupdError('SUPD_INTERNAL', `supd at ${this.where} sent a body that is not JSON: ${res.body.slice(0, 100)}`);
    }
  }

  private headers(payload: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json, text/plain, text/event-stream' };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return headers;
  }

  private send(method: string, path: string, payload: string | undefined, onResponse: (res: IncomingMessage) => void): ClientRequest {
    const headers = this.headers(payload);
    const { endpoint, token } = this.opts;
    // node:http loaded on first use: supctl validate, show --help and usage errors never need it.
    const http = process.getBuiltinModule('node:http');
    // A fresh connection per request: supctl makes one or two, and nothing should keep it alive after.
    const base: RequestOptions = { method, path, headers, agent: false };
    if (endpoint.kind === 'socket') {
      // No agent and our own Host header: both would test the host name with the IPv6 regex,
      // ~5 ms to compile, for a name a unix socket does not use.
      headers['host'] = 'localhost';
      const socket = endpoint.path;
      return http.request({ method, path, headers, createConnection: () => net.connect(socket) }, onResponse);
    }
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const url = endpoint.url;
    const prefix = url.pathname.replace(/\/+$/, '');
    const options: RequestOptions = { ...base, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: prefix + path };
    // https (and TLS) only when asked for: loading them costs every other run ~10 ms.
    return url.protocol === 'https:' ? process.getBuiltinModule('node:https').request(options, onResponse) : http.request(options, onResponse);
  }
}
