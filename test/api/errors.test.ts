// Error shapes: schema rejections name the field, broken JSON is a 400 and the server lives on,
// unknown routes are JSON 404s, and a throwing Control is a 500 that does not crash anything.
import t from 'tap';
import type { ErrorBody } from '../../daemon/api/contract.js';
import { server } from './helpers.js';

const bad: [string, string, unknown, RegExp][] = [
  ['an unknown rolling strategy', '/v1/units/web/restart', { rolling: 'sideways' }, /^body\.rolling must be one of "one-by-one", "half-by-half", null \(got "sideways"\)$/],
  ['a non-boolean safe', '/v1/units/web/stop', { safe: 'yes' }, /^body\.safe must be boolean/],
  ['an unknown field', '/v1/units/web/start', { wiat: false }, /^body has an unknown field "wiat"; known fields: safe, wait, rolling, maxUnavailable, canary, withDependents$/],
  ['a body that is not an object', '/v1/units/web/start', [1, 2], /^body must be object/],
];

for (const [what, url, payload, message] of bad) {
  t.test(`${what} is a 400 SUPD_BAD_REQUEST naming the field`, async (t) => {
    const { app, control } = server(t);
    const res = await app.inject({ method: 'POST', url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
    t.equal(res.statusCode, 400);
    t.equal(res.json<ErrorBody>().error.code, 'SUPD_BAD_REQUEST');
    t.match(res.json<ErrorBody>().error.message, message);
    t.same(control.commands, [], 'nothing reached the Control');
  });
}

t.test('a bad query value is a 400 naming the query field', async (t) => {
  const { app } = server(t);
  const res = await app.inject({ method: 'GET', url: '/v1/units/db/logs?lines=-3' });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { error: { code: 'SUPD_BAD_REQUEST', message: /^query\.lines must be >= 0/ } });
  const follow = await app.inject({ method: 'GET', url: '/v1/units/db/logs?follow=yes' });
  t.match(follow.json(), { error: { message: /^query\.follow must be one of "0", "1", "true", "false"/ } });
});

t.test('malformed JSON is a 400, and the server still answers /healthz after it', async (t) => {
  const { app, control } = server(t);
  const res = await app.inject({
    method: 'POST', url: '/v1/units/web/start', payload: '{"safe": tru', headers: { 'content-type': 'application/json' },
  });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { error: { code: 'SUPD_BAD_REQUEST', message: /^malformed JSON body/ } });
  t.same(control.commands, []);
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});

t.test('a body of another media type is refused with the error shape', async (t) => {
  const { app } = server(t);
  const res = await app.inject({ method: 'POST', url: '/v1/units/web/start', payload: 'safe=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.equal(res.statusCode, 415);
  t.equal(res.json<ErrorBody>().error.code, 'SUPD_UNSUPPORTED_MEDIA_TYPE');
});

t.test('an unknown route, or an unknown action, is a JSON 404', async (t) => {
  const { app } = server(t);
  const res = await app.inject({ method: 'GET', url: '/v2/whatever' });
  t.equal(res.statusCode, 404);
  t.same(res.json(), { error: { code: 'SUPD_NOT_FOUND', message: 'no route GET /v2/whatever' } });
  t.equal((await app.inject({ method: 'POST', url: '/v1/units/web/explode', payload: {} })).statusCode, 404);
});

t.test('an unexpected error in the Control is a 500 SUPD_INTERNAL, and later requests still work', async (t) => {
  const { app, control } = server(t);
  control.onCommand = () => {
    throw new TypeError('cannot read properties of undefined');
  };
  const res = await app.inject({ method: 'POST', url: '/v1/units/db/restart', payload: {} });
  t.equal(res.statusCode, 500);
  t.equal(res.json<ErrorBody>().error.code, 'SUPD_INTERNAL');
  t.notMatch(res.body, /cannot read properties/, 'internals stay in the log');
  t.equal((await app.inject({ method: 'GET', url: '/v1/units' })).statusCode, 200);
});

t.test('a throwing metrics() is a 500 with the error shape, not a crash', async (t) => {
  const { app, control } = server(t);
  control.metrics = async () => {
    throw new Error('registry broke');
  };
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(res.statusCode, 500);
  t.equal(res.json<ErrorBody>().error.code, 'SUPD_INTERNAL');
});
