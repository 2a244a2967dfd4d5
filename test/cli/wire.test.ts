// supctl's own HTTP/1.1 reader for the unix socket: what it accepts is what node:http would hand
// over, and an answer cut short is an error, never a shorter body.
import t from 'tap';
import http from 'node:http';
import path from 'node:path';
import { exchange, parseResponse } from '../../cli/wire.js';
import { shortTempDir } from './helpers.js';

const raw = (s: string): Buffer => Buffer.from(s, 'latin1');

t.test('a Content-Length body, and the status', async (t) => {
  const r = parseResponse(raw('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\ncontent-length: 7\r\n\r\n{"a":1}'));
  t.equal(r.status, 404);
  t.equal(r.body.toString(), '{"a":1}');
});

t.test('a chunked body is put back together', async (t) => {
  const r = parseResponse(raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n'));
  t.equal(r.body.toString(), 'hello, world');
});

t.test('an answer cut short, or not HTTP, is an error', async (t) => {
  t.throws(() => parseResponse(raw('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort')), /ended before its body/);
  t.throws(() => parseResponse(raw('HTTP/1.1 200 OK\r\ncontent-')), /before its headers/);
  t.throws(() => parseResponse(raw('SSH-2.0-OpenSSH\r\n\r\n')), /not an HTTP answer/);
  t.throws(() => parseResponse(raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel')), /inside a chunk/);
});

t.test('against a node:http server on a socket: method, headers, body, and a multi-byte answer', async (t) => {
  const socket = path.join(shortTempDir(t), 's.sock');
  const seen: { method?: string; url?: string; type?: string; body?: string } = {};
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      Object.assign(seen, { method: req.method, url: req.url, type: req.headers['content-type'], body });
      res.setHeader('content-type', 'application/json');
      // Written in pieces without a length: node:http sends it chunked.
      res.write('{"name":"caf');
      res.end('é ☕"}');
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const payload = JSON.stringify({ wait: false });
  const r = await exchange(socket, 'POST', '/v1/units/all/stop', { 'content-type': 'application/json', 'content-length': String(payload.length) }, payload);
  t.equal(r.status, 200);
  t.same(JSON.parse(r.body.toString('utf8')), { name: 'café ☕' });
  t.same(seen, { method: 'POST', url: '/v1/units/all/stop', type: 'application/json', body: payload });
  await t.rejects(exchange(path.join(path.dirname(socket), 'none.sock'), 'GET', '/', {}), { code: 'ENOENT' });
});

t.test('an answer that takes a while (a stop that waits for its units) still arrives', async (t) => {
  const socket = path.join(shortTempDir(t), 's.sock');
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const timer = setTimeout(() => res.end('{"ok":true}'), 300);
      t.teardown(() => clearTimeout(timer));
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const r = await exchange(socket, 'POST', '/v1/units/all/stop', { 'content-length': '2' }, '{}');
  t.equal(r.status, 200);
  t.equal(r.body.toString(), '{"ok":true}');
});
