// POST /v1/units/:target/kill and /reload: bodies, roles, and a failed unit as the one error shape.
import t from 'tap';
import type { ErrorBody } from '../../daemon/api/contract.js';
import { bearer, server } from './helpers.js';

t.test('kill takes a signal with or without SIG and answers each unit of the target', async (t) => {
  const { app, control } = server(t);
  const r = await app.inject({ method: 'POST', url: '/v1/units/web/kill', payload: { signal: 'USR1' } });
  t.equal(r.statusCode, 200);
  t.same(r.json(), {
    ok: true, message: 'kill web: ok',
    units: [{ unit: 'web_1', ok: true, pid: 1001, message: 'SIGUSR1 sent to pid 1001' }, { unit: 'web_2', ok: true, pid: 1002, message: 'SIGUSR1 sent to pid 1002' }],
  });
  await app.inject({ method: 'POST', url: '/v1/units/db/kill' });
  t.same(control.actions, [{ kind: 'kill', target: 'web', signal: 'SIGUSR1' }, { kind: 'kill', target: 'db', signal: 'SIGTERM' }]);
  const bad = await app.inject({ method: 'POST', url: '/v1/units/db/kill', payload: { signal: 'SIGNOPE' } });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json<ErrorBody>().error.code, 'SUPD_BAD_REQUEST');
});

t.test('a unit that cannot be reloaded is a 500 with every outcome in details', async (t) => {
  const { app } = server(t);
  const r = await app.inject({ method: 'POST', url: '/v1/units/all/reload' });
  t.equal(r.statusCode, 500);
  const body = r.json<ErrorBody & { error: { details: { units: { unit: string; ok: boolean }[] } } }>();
  t.equal(body.error.code, 'SUPD_OPERATION_FAILED');
  t.equal(body.error.details.units.length, 4);
  t.same(body.error.details.units.filter((u) => !u.ok).map((u) => u.unit), ['worker']);
  t.equal((await app.inject({ method: 'POST', url: '/v1/units/nope/reload' })).statusCode, 404);
});

t.test('kill and reload need the operator role over TCP', async (t) => {
  const { app } = server(t, undefined, { tcp: true });
  for (const url of ['/v1/units/db/kill', '/v1/units/db/reload']) {
    t.equal((await app.inject({ method: 'POST', url, headers: bearer('viewer-token') })).statusCode, 403, url);
    t.equal((await app.inject({ method: 'POST', url, headers: bearer('operator-token') })).statusCode, 200, url);
  }
});
