// One HTTP/1.1 exchange over supd's unix socket with nothing but node:net: the request with
// `Connection: close`, the answer read to the end of the connection, then parsed (status line,
// headers, a Content-Length or chunked body). Loading node:http costs supctl ~20 ms of start-up,
// a fifth of a whole `supctl status`; the streams (logs -f) still use node:http.
import net from 'node:net';

export interface WireResponse {
  status: number;
  body: Buffer;
}

/** Resolves with the answer; rejects with the socket's error (ENOENT, ECONNREFUSED, …) or with
 * an Error saying the answer was not HTTP. */
export function exchange(socket: string, method: string, path: string, headers: Record<string, string>, payload?: string): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const conn = net.connect(socket);
    const head = [`${method} ${path} HTTP/1.1`, 'host: localhost', 'connection: close'];
    for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
    // Written, not ended: a node:http server takes our half-close for an aborted request and drops
    // an answer still being made (a `stop --wait` of many units); it closes after answering.
    conn.on('connect', () => conn.write(`${head.join('\r\n')}\r\n\r\n${payload ?? ''}`));
    conn.on('data', (c: Buffer) => chunks.push(c));
    conn.on('error', reject);
    conn.on('end', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** A whole HTTP/1.1 response as read off a connection the server closed after it. */
export function parseResponse(raw: Buffer): WireResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('the answer ended before its headers did');
  const lines = raw.toString('latin1', 0, end).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (status === null) throw new Error(`not an HTTP answer: ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.subarray(end + 4);
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) {
    body = unchunk(body);
  } else if (headers.has('content-length')) {
    const length = Number(headers.get('content-length'));
    if (!Number.isInteger(length) || length < 0 || length > body.length) throw new Error('the answer ended before its body did');
    body = body.subarray(0, length);
  }
  return { status: Number(status[1]), body };
}

function unchunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) throw new Error('the answer ended inside a chunk header');
    const size = Number.parseInt(data.toString('latin1', at, eol).split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) throw new Error('a chunk size that is not a number');
    if (size === 0) return Buffer.concat(parts);
    const from = eol + 2;
    if (from + size > data.length) throw new Error('the answer ended inside a chunk');
    parts.push(data.subarray(from, from + size));
    at = from + size + 2;
  }
}
