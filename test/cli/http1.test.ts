// supctl's HTTP/1.1 over the unix socket without node:http (cli/http1.ts) must be invisible: the
// bytes supd receives are the ones node:http sent, every framing of an answer reads the same body,
// and a connection that fails or an answer that is cut short or malformed ends in the message and
// exit code node:http's errors gave.
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { AnswerReader, type Answer } from '../../cli/http1.js';
import { Client, connectionError, responseError } from '../../cli/client.js';
import { isSupdError, type SupdError } from '../../daemon/errors.js';
import { shortTempDir, type TapTest } from './helpers.js';

/** Feeds `bytes` to a reader `step` bytes at a time, then ends the connection. */
function read(bytes: string, step: number, method = 'GET'): Answer {
  const r = new AnswerReader(method);
  const buf = Buffer.from(bytes, 'latin1');
  for (let i = 0; i < buf.length; i += step) {
    const answer = r.push(buf.subarray(i, i + step));
    if (answer !== null) return answer;
  }
  return r.end();
}

const FRAMINGS: [string, string, Answer][] = [
  ['Content-Length', 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n{"units":[1]}', { status: 200, body: '{"units":[1]}' }],
  ['chunked, with an extension and a trailer', 'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhell\xc3\r\n3\r\n\xa9 w\r\n0\r\nX-Trailer: 1\r\n\r\n', { status: 404, body: 'hellé w' }],
  ['a 100 Continue first', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok', { status: 201, body: 'ok' }],
  ['no length: until the connection ends', 'HTTP/1.0 500 Internal\r\n\r\nboom\n', { status: 500, body: 'boom\n' }],
  ['204: no body', 'HTTP/1.1 204 No Content\r\n\r\n', { status: 204, body: '' }],
];

t.test('every framing of an answer reads the same, whole or split anywhere', async (t) => {
  for (const [name, bytes, want] of FRAMINGS) {
    for (const step of [bytes.length, 7, 1]) t.same(read(bytes, step), want, `${name}, ${step} bytes at a time`);
  }
});

t.test('an answer cut short or malformed is an error coded like node:http\'s', async (t) => {
  const cases: [string, string, { code: string; message: string | RegExp }][] = [
    ['nothing at all', '', { code: 'ECONNRESET', message: 'socket hang up' }],
    ['half a head', 'HTTP/1.1 200 OK\r\ncontent-le', { code: 'ECONNRESET', message: 'socket hang up' }],
    ['a body shorter than its length', 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc', { code: 'ECONNRESET', message: 'aborted' }],
    ['chunks without their end', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n', { code: 'ECONNRESET', message: 'aborted' }],
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', { code: /^HPE_/ as unknown as string, message: /^Parse Error/ }],
    ['two lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab', { code: 'HPE_INVALID_CONTENT_LENGTH', message: /^Parse Error/ }],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', { code: 'HPE_INVALID_CHUNK_SIZE', message: /^Parse Error/ }],
  ];
  for (const [name, bytes, want] of cases) t.throws(() => read(bytes, 3), want, name);
});

/** A unix-socket server that records each request's bytes and answers with `answer(request)`
 * (null: close the connection without a word). */
async function server(t: TapTest, answer: (request: string) => string | null): Promise<{ socket: string; requests: string[] }> {
  const socket = path.join(shortTempDir(t), 'raw.sock');
  const requests: string[] = [];
  const srv = net.createServer((conn) => {
    let got = '';
    conn.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const headEnd = got.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(got)?.[1] ?? 0);
      if (got.length < headEnd + 4 + length) return;
      requests.push(got);
      const a = answer(got);
      if (a === null) conn.destroy();
      else conn.end(a, 'latin1');
    });
  });
  await new Promise<void>((resolve) => srv.listen(socket, resolve));
  t.teardown(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return { socket, requests };
}

/** The request as supctl made it with node:http before cli/http1.ts: status, body, or the error. */
function viaNodeHttp(socket: string, method: string, urlPath: string, payload: string | undefined): Promise<{ status: number; text: string } | SupdError> {
  const headers: Record<string, string> = { accept: 'application/json, text/plain, text/event-stream' };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  headers['host'] = 'localhost';
  return new Promise((resolve) => {
    const req = http.request({ method, path: urlPath, headers, createConnection: () => net.connect(socket) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => resolve(connectionError(socket, e)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (e) => resolve(connectionError(socket, e)));
    req.end(payload);
  });
}

t.test('supd receives the bytes node:http sent, for a GET, a POST with a body and one without', async (t) => {
  const s = await server(t, () => 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
  const client = new Client({ endpoint: { kind: 'socket', path: s.socket }, token: null });
  const exchanges: [string, string, unknown][] = [['GET', '/v1/units', undefined], ['POST', '/v1/jobs', { action: 'start', targets: ['wéb'] }], ['POST', '/v1/reload', undefined]];
  for (const [method, urlPath, body] of exchanges) {
    t.same(method === 'GET' ? await client.getJson(urlPath) : await client.postJson(urlPath, body), {});
    await viaNodeHttp(s.socket, method, urlPath, body === undefined ? undefined : JSON.stringify(body));
    const [ours, theirs] = s.requests.splice(0);
    t.equal(ours, theirs, `${method} ${urlPath}`);
  }
});

t.test('a failed exchange ends in the message and exit code node:http\'s error gave', async (t) => {
  const answers: [string, string | null][] = [
    ['closed without an answer', null],
    ['a body cut short', 'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"units"'],
    ['not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n\r\n'],
    ['a refusal in chunks', 'HTTP/1.1 403 Forbidden\r\ntransfer-encoding: chunked\r\n\r\n'
      + '2f\r\n{"error":{"code":"SUPD_FORBIDDEN","message":"no"\r\n2\r\n}}\r\n0\r\n\r\n'],
  ];
  for (const [name, answer] of answers) {
    const s = await server(t, () => answer);
    const client = new Client({ endpoint: { kind: 'socket', path: s.socket }, token: null });
    const ours = await client.getJson('/v1/units').then(() => t.fail(`${name}: no error`), (e: unknown) => e);
    const before = await viaNodeHttp(s.socket, 'GET', '/v1/units', undefined);
    // What the old request() made of it: a connection error as is, a non-2xx answer as its error.
    const want = isSupdError(before) ? before : responseError(before.status, before.text);
    if (!isSupdError(ours)) {
      t.fail(`${name}: not a SupdError: ${String(ours)}`);
      continue;
    }
    // llhttp's wording of a parse error varies with Node's version: the kind of error is what counts.
    const shown = (e: SupdError): unknown => ({ code: e.code, message: e.message.replace(/Parse Error: .*/, 'Parse Error: …'), exit: e.exitCode });
    t.same(shown(ours), shown(want), name);
  }
  const missing = path.join(shortTempDir(t), 'none.sock');
  const e = await new Client({ endpoint: { kind: 'socket', path: missing }, token: null }).getJson('/v1/units').catch((x: unknown) => x);
  t.ok(isSupdError(e) && e.exitCode === 3 && e.message === `cannot reach supd at ${missing}: no such socket (is supd running?)`, 'no socket: unreachable, 3');
});
