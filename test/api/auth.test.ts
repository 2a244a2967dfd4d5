// Tokens and roles on the TCP server; the unix-socket server asks for none.
import t from 'tap';
import type { ErrorBody } from '../../daemon/api/contract.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { bearerToken, tokenLookup } from '../../daemon/api/auth.js';
import { buildServer } from '../../daemon/api/server.js';
import { fleet, bearer, server, TOKENS } from './helpers.js';

t.test('without auth (the unix socket) no token is needed', async (t) => {
  const { app } = server(t);
  t.equal((await app.inject({ method: 'POST', url: '/v1/units/db/stop', payload: {} })).statusCode, 200);
});

t.test('over TCP a request without a token is 401 with WWW-Authenticate', async (t) => {
  const { app } = server(t, fleet(), { tcp: true });
  const res = await app.inject({ method: 'GET', url: '/v1/units' });
  t.equal(res.statusCode, 401);
  t.equal(res.headers['www-authenticate'], 'Bearer realm="supd"');
  t.match(res.json(), { error: { code: 'SUPD_UNAUTHORIZED', message: /Authorization: Bearer TOKEN/ } });
});

t.test('an unknown token is 401', async (t) => {
  const { app } = server(t, fleet(), { tcp: true });
  const res = await app.inject({ method: 'GET', url: '/v1/units', headers: bearer('guess') });
  t.equal(res.statusCode, 401);
  t.equal(res.json<ErrorBody>().error.message, 'unknown token');
});

t.test('a viewer reads but cannot stop (403); the Control never sees the command', async (t) => {
  const { app, control } = server(t, fleet(), { tcp: true });
  t.equal((await app.inject({ method: 'GET', url: '/v1/units', headers: bearer('viewer-token') })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/v1/rollouts', headers: bearer('viewer-token') })).statusCode, 200);
  const res = await app.inject({ method: 'POST', url: '/v1/units/db/stop', payload: {}, headers: bearer('viewer-token') });
  t.equal(res.statusCode, 403);
  t.match(res.json(), { error: { code: 'SUPD_FORBIDDEN', message: /role viewer .* needs operator/ } });
  t.equal((await app.inject({ method: 'POST', url: '/v1/reload', headers: bearer('viewer-token') })).statusCode, 403);
  t.same(control.commands, []);
  t.equal(control.reloads, 0);
});

t.test('an operator may start, stop, restart, reload and cancel rollouts; so may an admin', async (t) => {
  const { app, control } = server(t, fleet(), { tcp: true });
  for (const token of ['operator-token', 'admin-token']) {
    for (const action of ['start', 'stop', 'restart']) {
      const res = await app.inject({ method: 'POST', url: `/v1/units/web/${action}`, payload: {}, headers: bearer(token) });
      t.equal(res.statusCode, 200, `${token} ${action}`);
    }
    t.equal((await app.inject({ method: 'POST', url: '/v1/reload', headers: bearer(token) })).statusCode, 200);
    t.equal((await app.inject({ method: 'POST', url: '/v1/rollouts/none/cancel', headers: bearer(token) })).statusCode, 404,
      'past auth, on to the Control');
  }
  t.equal(control.commands.length, 6);
});

t.test('the scheme is case-insensitive and a malformed header is a 401', async (t) => {
  const { app } = server(t, fleet(), { tcp: true });
  t.equal((await app.inject({ method: 'GET', url: '/v1/units', headers: { authorization: 'bearer viewer-token' } })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/v1/units', headers: { authorization: 'Basic dmlld2Vy' } })).statusCode, 401);
  t.equal((await app.inject({ method: 'GET', url: '/v1/units', headers: { authorization: 'Bearer a b' } })).statusCode, 401);
});

t.test('healthz, unit health and metrics are open without a token', async (t) => {
  const { app } = server(t, fleet(), { tcp: true });
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/v1/units/web_1/health' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/v1/units/web_2/health' })).statusCode, 503);
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/v1/units/web_1/logs' })).statusCode, 401, 'logs are not open');
});

t.test('tokenLookup finds the role of a known token only', async (t) => {
  const lookup = tokenLookup(TOKENS);
  t.equal(lookup('operator-token'), 'operator');
  t.equal(lookup('operator-toke'), null);
  t.equal(lookup(''), null);
  t.equal(bearerToken('Bearer  abc '), 'abc');
  t.equal(bearerToken(undefined), null);
});

t.test('the token never reaches supd\'s log', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const app = buildServer(fleet(), { auth: { tokens: TOKENS }, logger: pino({ level: 'trace' }, sink), version: '1' });
  t.teardown(() => app.close());
  await app.inject({ method: 'GET', url: '/v1/units', headers: bearer('admin-token') });
  await app.inject({ method: 'POST', url: '/v1/units/db/stop', payload: {}, headers: bearer('viewer-token') });
  t.ok(lines.length > 0, 'requests were logged');
  t.notMatch(lines.join(''), /admin-token|viewer-token/);
});
