// Property-based fuzzing of the HTTP API through inject() over the TCP server (tokens on): any
// method, path, query, headers and body. Never a 5xx (unit health's "not ready" 503 aside), never
// an error body of another shape, never a mutation without a token whose role allows it.
// Seeded (FUZZ_SEED to replay a failure), bounded in runs.
import fc from 'fast-check';
import t from 'tap';
import { ErrorCodes } from '../../daemon/errors.js';
import { routesOf } from '../../daemon/api/server.js';
import { server } from '../api/helpers.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 250);
const INTERNAL = /Maximum call stack|is not a function|Cannot read prop|Cannot convert|out of memory|\[object Object\]/;
const RANK: Record<string, number> = { 'viewer-token': 0, 'operator-token': 1, 'admin-token': 2 };

const segment = fc.oneof(
  fc.constantFrom('web', 'web_1', 'db', 'worker', 'all', 'ghost', 'r-1', '..', '%2e%2e', '%00', '%ff', 'a%2Fb', '', ' ', '🦀', '${x}'),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.integer({ min: 200, max: 2000 }).map((n) => 'x'.repeat(n)),
);
const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?lines=5', '?lines=-1', '?lines=1e9', '?lines=abc', '?follow=0', '?follow=yes', '?lines=5&lines=6', '?__proto__=1', '?%ff=%ff'),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }).map((d) => `?${new URLSearchParams(d).toString()}`),
);

const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 1e308, '', 'one-by-one', 'half-by-half', 'sideways'),
    fc.string({ maxLength: 10 }),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('safe', 'wait', 'rolling', 'withDependents', '__proto__', 'constructor', 'x'), tie('json'), { maxKeys: 4 }),
  ),
}));
const body = fc.oneof(
  fc.constant(undefined),
  json.map((v) => JSON.stringify(v)),
  fc.record({ safe: fc.boolean(), wait: fc.constant(false), rolling: fc.constantFrom(null, 'one-by-one', 'half-by-half') }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `{"wait": ${'['.repeat(n)}${']'.repeat(n)}}`),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.integer({ min: 60_000, max: 80_000 }).map((n) => `{"x": "${'a'.repeat(n)}"}`),
);
const contentType = fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', '');
const authorization = fc.constantFrom(undefined, 'Bearer viewer-token', 'Bearer operator-token', 'Bearer admin-token', 'Bearer nope', 'Basic YTpi', 'Bearer', 'bearer admin-token ', `Bearer ${'a'.repeat(5000)}`);

t.test(`API requests: never a 5xx, one error shape, no mutation without the right role (seed ${SEED})`, async (t) => {
  const { app, control } = server(t, undefined, { tcp: true });
  await app.ready();
  const templates = routesOf(app).map((r) => r.url).filter((u) => u !== '/v1/events');
  const request = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    template: fc.constantFrom(...templates, '/v2/x', '/', '/v1/units/:name/:name/:name'),
    params: fc.array(segment, { minLength: 3, maxLength: 3 }),
    query,
    body,
    contentType,
    encoding: fc.constantFrom(undefined, undefined, 'gzip', 'identity', 'br'),
    authorization,
  });
  await fc.assert(fc.asyncProperty(request, async (r) => {
    let i = 0;
    const url = r.template.replace(/:[a-z]+/g, () => r.params[i++] ?? 'x') + r.query;
    const headers: Record<string, string> = {};
    if (r.contentType !== undefined) headers['content-type'] = r.contentType;
    if (r.encoding !== undefined) headers['content-encoding'] = r.encoding;
    if (r.authorization !== undefined) headers['authorization'] = r.authorization;
    const before = { commands: control.commands.length, reloads: control.reloads };
    const res = await app.inject({ method: r.method as 'GET', url, headers, ...(r.body === undefined ? {} : { payload: r.body }) });
    const what = `${r.method} ${url.slice(0, 120)} → ${res.statusCode} ${res.body.slice(0, 200)}`;
    if (res.statusCode >= 400) {
      let parsed: { error?: { code?: unknown; message?: unknown } };
      try {
        parsed = res.json();
      } catch {
        throw new Error(`not JSON: ${what}`);
      }
      const code = parsed.error?.code;
      if (typeof code !== 'string' || !Object.hasOwn(ErrorCodes, code)) throw new Error(`unregistered or missing code: ${what}`);
      if (ErrorCodes[code as keyof typeof ErrorCodes].status !== res.statusCode) throw new Error(`code of another status: ${what}`);
      if (typeof parsed.error?.message !== 'string') throw new Error(`no message: ${what}`);
      // An engine failure in the error shape is still a crash (e.g. a stack overflow while parsing).
      if (INTERNAL.test(parsed.error.message)) throw new Error(`an internal failure as an answer: ${what}`);
      if (res.statusCode >= 500 && code !== 'SUPD_UNIT_NOT_READY') throw new Error(`a 5xx: ${what}`);
    }
    const mutated = control.commands.length !== before.commands || control.reloads !== before.reloads;
    if (mutated) {
      const token = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(r.authorization ?? '')?.[1] ?? '';
      if ((RANK[token] ?? -1) < 1) throw new Error(`a mutation with ${r.authorization ?? 'no token'}: ${what}`);
    }
  }), { seed: SEED, numRuns: RUNS * 4 });
  t.pass('every request answered within the rules');
});

t.test(`JSON bodies to every POST route, as a client would send them: the same rules (seed ${SEED})`, async (t) => {
  const { app, control } = server(t, undefined, { tcp: true });
  await app.ready();
  const posts = routesOf(app).filter((r) => r.method === 'POST').map((r) => r.url);
  await fc.assert(fc.asyncProperty(fc.constantFrom(...posts), fc.constantFrom('web', 'db', 'ghost', 'r-1'), body, authorization, async (template, name, payload, auth) => {
    const url = template.replace(/:[a-z]+/g, name);
    const before = control.commands.length + control.reloads;
    const res = await app.inject({
      method: 'POST', url, headers: { 'content-type': 'application/json', ...(auth === undefined ? {} : { authorization: auth }) },
      ...(payload === undefined ? {} : { payload }),
    });
    const what = `POST ${url} ${String(payload).slice(0, 60)} → ${res.statusCode} ${res.body.slice(0, 200)}`;
    if (res.statusCode >= 400) {
      const parsed = JSON.parse(res.body) as { error?: { code?: string; message?: string } };
      const code = parsed.error?.code ?? '';
      if (!Object.hasOwn(ErrorCodes, code) || ErrorCodes[code as keyof typeof ErrorCodes].status !== res.statusCode) throw new Error(`another shape or code: ${what}`);
      if (res.statusCode >= 500 || INTERNAL.test(parsed.error?.message ?? '')) throw new Error(`a failure: ${what}`);
    }
    const token = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth ?? '')?.[1] ?? '';
    if (control.commands.length + control.reloads !== before && (RANK[token] ?? -1) < 1) throw new Error(`a mutation with ${auth ?? 'no token'}: ${what}`);
  }), { seed: SEED, numRuns: RUNS });
  t.pass('every POST answered within the rules');
});
