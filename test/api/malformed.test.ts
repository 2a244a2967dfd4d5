// Every route × every kind of malformed request body: the answer is a 4xx whose body is
// `{ error: { code, message } }` with a registered code of that very status, nothing reaches the
// Control, and the server answers normally afterwards. Routes come from the server itself, so a
// route added later is covered without touching this table.
import t from 'tap';
import { gzipSync } from 'node:zlib';
import { ErrorCodes } from '../../daemon/errors.js';
import { routesOf } from '../../daemon/api/server.js';
import { MAX_BODY_DEPTH } from '../../daemon/api/body.js';
import { server } from './helpers.js';

const JSON_TYPE = { 'content-type': 'application/json' };

interface Kind {
  name: string;
  payload: string | Buffer;
  headers: Record<string, string>;
  /** The status a POST gets; GET routes ignore bodies (fastify reads none) and answer as usual. */
  status: number;
}

const deep = (n: number): string => `{"wait": ${'['.repeat(n)}${']'.repeat(n)}}`;

const kinds: Kind[] = [
  { name: 'truncated JSON', payload: '{"safe": tru', headers: JSON_TYPE, status: 400 },
  { name: 'an empty JSON body', payload: '', headers: JSON_TYPE, status: 400 },
  { name: 'JSON nested 10,000 deep', payload: deep(10_000), headers: JSON_TYPE, status: 400 },
  { name: 'JSON one level past the depth limit', payload: deep(MAX_BODY_DEPTH), headers: JSON_TYPE, status: 400 },
  { name: 'a body past the size limit', payload: `{"x": "${'a'.repeat(70_000)}"}`, headers: JSON_TYPE, status: 413 },
  { name: 'text/plain', payload: 'start please', headers: { 'content-type': 'text/plain' }, status: 415 },
  { name: 'a form', payload: 'safe=1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415 },
  { name: 'an unknown media type', payload: '{}', headers: { 'content-type': 'application/x-supd' }, status: 415 },
  { name: 'gzip-compressed JSON', payload: gzipSync('{}'), headers: { ...JSON_TYPE, 'content-encoding': 'gzip' }, status: 415 },
  { name: 'JSON in latin1', payload: '{}', headers: { 'content-type': 'application/json; charset=latin1' }, status: 415 },
  { name: 'bytes that are not UTF-8', payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), headers: JSON_TYPE, status: 400 },
  { name: 'a JSON array', payload: '[1, 2]', headers: JSON_TYPE, status: 400 },
  { name: 'a JSON string', payload: '"start"', headers: JSON_TYPE, status: 400 },
  { name: 'JSON null', payload: 'null', headers: JSON_TYPE, status: 400 },
  { name: 'a __proto__ key', payload: '{"__proto__": {"admin": true}}', headers: JSON_TYPE, status: 400 },
  { name: 'a constructor.prototype key', payload: '{"constructor": {"prototype": {"admin": true}}}', headers: JSON_TYPE, status: 400 },
  { name: 'an unknown field', payload: '{"bogus": 1}', headers: JSON_TYPE, status: 400 },
  { name: 'fields of the wrong type', payload: '{"safe": "yes", "wait": 3}', headers: JSON_TYPE, status: 400 },
];

function fill(url: string): string {
  return url.replace(':name', 'web_1').replace(':target', 'web_1').replace(':action', 'start').replace(':id', 'r-1');
}

/** Routes that stream (SSE) never end under inject(); their malformed queries are covered in streams.test.ts. */
const STREAMING = new Set(['GET /v1/events']);

t.test('every route has a row', async (t) => {
  const { app } = server(t);
  await app.ready();
  const posts = routesOf(app).filter((r) => r.method === 'POST');
  t.ok(posts.length >= 3, `POST routes found: ${posts.map((r) => r.url).join(', ')}`);
});

t.test('every route × every malformed body: a 4xx of the one error shape, nothing done', async (t) => {
  const { app, control } = server(t);
  await app.ready();
  for (const route of routesOf(app)) {
    if (STREAMING.has(`${route.method} ${route.url}`)) continue;
    const url = fill(route.url);
    for (const kind of kinds) {
      const res = await app.inject({ method: route.method as 'GET' | 'POST', url, payload: kind.payload, headers: kind.headers });
      const what = `${route.method} ${route.url} with ${kind.name}`;
      if (route.method === 'GET') {
        t.ok(res.statusCode < 500 || url.endsWith('/health'), `${what}: ${res.statusCode}`);
        continue;
      }
      t.equal(res.statusCode, kind.status, `${what}: status`);
      const body = res.json<{ error?: { code?: string; message?: string } }>();
      const code = body.error?.code ?? '';
      t.ok(Object.hasOwn(ErrorCodes, code), `${what}: registered code (${code})`);
      t.equal(ErrorCodes[code as keyof typeof ErrorCodes]?.status, res.statusCode, `${what}: the code's status is the one answered`);
      t.type(body.error?.message, 'string', `${what}: a message`);
      t.same(Object.keys(body), ['error'], `${what}: nothing beside error`);
    }
  }
  t.same(control.commands, [], 'no command reached the Control');
  t.equal(control.reloads, 0, 'no reload reached the Control');
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'and supd still answers');
});

t.test('a deep body names the depth limit and where it was passed', async (t) => {
  const { app } = server(t);
  const res = await app.inject({ method: 'POST', url: '/v1/units/web_1/start', payload: deep(10_000), headers: JSON_TYPE });
  t.same(res.json(), { error: { code: 'SUPD_BAD_REQUEST', message: `JSON body nested deeper than ${MAX_BODY_DEPTH} levels (at character 25); supd's bodies are flat objects` } });
});

t.test('brackets inside JSON strings do not count towards the depth', async (t) => {
  const { app, control } = server(t);
  const res = await app.inject({ method: 'POST', url: '/v1/units/web_1/start', payload: `{"rolling": null, "safe": false, "wait": false${''}}`, headers: JSON_TYPE });
  t.equal(res.statusCode, 200);
  const quoted = await app.inject({ method: 'POST', url: '/v1/units/web_1/start', payload: `{"x": "${'['.repeat(100)}\\""}`, headers: JSON_TYPE });
  t.match(quoted.json(), { error: { code: 'SUPD_BAD_REQUEST', message: /unknown field "x"/ } });
  t.equal(control.commands.length, 1);
});

t.test('a POST that takes no body accepts none, or {}, and refuses anything else', async (t) => {
  const { app, control } = server(t);
  t.equal((await app.inject({ method: 'POST', url: '/v1/reload' })).statusCode, 200);
  t.equal((await app.inject({ method: 'POST', url: '/v1/reload', payload: '{}', headers: JSON_TYPE })).statusCode, 200);
  const extra = await app.inject({ method: 'POST', url: '/v1/reload', payload: '{"force": true}', headers: JSON_TYPE });
  t.equal(extra.statusCode, 400);
  t.equal(control.reloads, 2);
});

t.test('a closing server answers 503 SUPD_SHUTTING_DOWN in the error shape', async (t) => {
  const { app } = server(t);
  await app.ready();
  const closed = app.close();
  const res = await app.inject({ method: 'GET', url: '/v1/units' });
  await closed;
  t.equal(res.statusCode, 503);
  t.same(res.json(), { error: { code: 'SUPD_SHUTTING_DOWN', message: 'supd is shutting down' } });
});
