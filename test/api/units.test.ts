// Unit routes through inject(): bodies, defaults, failures, conflicts, reload, rollouts, health.
import t from 'tap';
import type { CommandResult, ErrorBody, RolloutBody, RolloutsBody, UnitsBody } from '../../daemon/api/contract.js';
import { okResult, rolloutView } from '../fakes/control.js';
import { server } from './helpers.js';

t.test('GET /v1/units lists every unit with its status fields', async (t) => {
  const { app } = server(t);
  const res = await app.inject({ method: 'GET', url: '/v1/units' });
  t.equal(res.statusCode, 200);
  const body = res.json<UnitsBody>();
  t.same(body.units.map((u) => u.name), ['db', 'web_1', 'web_2', 'worker']);
  t.match(body.units[3], { name: 'worker', state: 'failed', pid: null, lastExit: { code: 1, signal: null } });
  t.same(Object.keys(body.units[0] ?? {}).sort(), [
    'changed', 'connections', 'cpu', 'forced', 'goal', 'groups', 'lastExit', 'lbDisabled', 'logError', 'memory', 'name', 'pid',
    'reason', 'restarts', 'retryIn', 'rollout', 'since', 'stale', 'state', 'uptime',
  ]);
});

t.test('GET /v1/units/:name gives the status plus the resolved spec with its exact argv', async (t) => {
  const { app } = server(t);
  const res = await app.inject({ method: 'GET', url: '/v1/units/web_1' });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { unit: { name: 'web_1', state: 'ready', spec: { argv: ['/bin/sh', '-c', 'exec ./server --name web_1'] } } });
});

t.test('an unknown unit is a 404 with the error body', async (t) => {
  const { app } = server(t);
  const res = await app.inject({ method: 'GET', url: '/v1/units/nope' });
  t.equal(res.statusCode, 404);
  t.same(res.json(), { error: { code: 'SUPD_UNKNOWN_TARGET', message: 'no unit named "nope"' } });
});

t.test('start with no body uses the defaults: wait, not safe, not rolling', async (t) => {
  const { app, control } = server(t);
  const res = await app.inject({ method: 'POST', url: '/v1/units/web/start' });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { ok: true, units: ['web_1', 'web_2'] });
  t.same(control.commands, [
    { action: 'start', targets: ['web'], safe: false, wait: true, rolling: null, withDependents: false, by: 'api' },
  ]);
});

t.test('POST /v1/jobs: one command over several targets, every unit with its outcome', async (t) => {
  const { app, control } = server(t);
  const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { action: 'stop', targets: ['db', 'web'], safe: true } });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json<CommandResult>().outcomes.map((o) => `${o.unit} ${o.outcome}`), ['db done', 'web_1 done', 'web_2 done']);
  t.same(control.commands, [{ action: 'stop', targets: ['db', 'web'], safe: true, wait: true, rolling: null, withDependents: false, by: 'api' }]);
  const bad = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { action: 'start', targets: [] } });
  t.equal(bad.statusCode, 400, 'at least one target');
  const unknown = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { action: 'start', targets: ['db', 'ghost'] } });
  t.equal(unknown.statusCode, 404);
  t.match(unknown.json(), { error: { code: 'SUPD_UNKNOWN_TARGET', message: /"ghost"/ } });
});

t.test('maxUnavailable and canary make a rolling restart (one-by-one unless told), on restart only', async (t) => {
  const { app, control } = server(t);
  const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { action: 'restart', targets: ['web'], maxUnavailable: 2, canary: '5s' } });
  t.equal(res.statusCode, 200, res.body);
  t.same(control.commands[0]?.rolling, { strategy: 'one-by-one', maxUnavailable: '2', canary: '5s' });
  const pct = await app.inject({ method: 'POST', url: '/v1/units/web/restart', payload: { rolling: 'half-by-half', maxUnavailable: '25%' } });
  t.equal(pct.statusCode, 200, pct.body);
  t.same(control.commands[1]?.rolling, { strategy: 'half-by-half', maxUnavailable: '25%', canary: null });
  const stop = await app.inject({ method: 'POST', url: '/v1/units/web/stop', payload: { canary: '5s' } });
  t.equal(stop.statusCode, 400);
  t.match(stop.json(), { error: { code: 'SUPD_BAD_REQUEST', message: /body\.canary applies to restart only/ } });
});

t.test('restart passes safe, rolling, wait and withDependents through', async (t) => {
  const { app, control } = server(t);
  const res = await app.inject({
    method: 'POST', url: '/v1/units/all/restart',
    payload: { safe: true, rolling: 'half-by-half', wait: false, withDependents: true },
  });
  t.equal(res.statusCode, 200);
  t.same(control.commands, [
    { action: 'restart', targets: ['all'], safe: true, wait: false, rolling: { strategy: 'half-by-half', maxUnavailable: null, canary: null }, withDependents: true, by: 'api' },
  ]);
});

t.test('rolling on stop is refused: it only means something for restart', async (t) => {
  const { app, control } = server(t);
  const res = await app.inject({ method: 'POST', url: '/v1/units/web/stop', payload: { rolling: 'one-by-one' } });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { error: { code: 'SUPD_BAD_REQUEST', message: /body\.rolling applies to restart only/ } });
  t.same(control.commands, []);
});

t.test('a command on an unknown target is a 404 naming it', async (t) => {
  const { app } = server(t);
  const res = await app.inject({ method: 'POST', url: '/v1/units/ghost/stop', payload: {} });
  t.equal(res.statusCode, 404);
  t.match(res.json(), { error: { code: 'SUPD_UNKNOWN_TARGET', message: /"ghost"/ } });
});

t.test('a second rollout on a busy target is a 409 conflict with its hint', async (t) => {
  const { app, control } = server(t);
  control.busy.add('web');
  const res = await app.inject({ method: 'POST', url: '/v1/units/web/restart', payload: { rolling: 'one-by-one' } });
  t.equal(res.statusCode, 409);
  t.same(res.json(), { error: { code: 'SUPD_CONFLICT', message: 'a rollout already runs on web', hint: 'wait for it, or cancel it' } });
});

t.test('a unit that did not become ready answers 500 SUPD_OPERATION_FAILED naming the unit and reason, with the result', async (t) => {
  const { app, control } = server(t);
  control.onCommand = (req) => ({
    ...okResult(req, ['db', 'web_1']),
    ok: false,
    failures: [{ unit: 'web_1', reason: 'not ready after 30s', logTail: ['listening...', 'panic: port in use'] }],
  });
  const res = await app.inject({ method: 'POST', url: '/v1/units/web_1/start', payload: {} });
  t.equal(res.statusCode, 500);
  const body = res.json<ErrorBody & { error: { details: { failures: { logTail: string[] }[] } } }>();
  t.equal(body.error.code, 'SUPD_OPERATION_FAILED');
  t.equal(body.error.message, 'start web_1 failed: web_1: not ready after 30s');
  t.same(body.error.details.failures[0]?.logTail, ['listening...', 'panic: port in use']);
});

t.test('a forced drain is reported as a failed operation naming the unit', async (t) => {
  const { app, control } = server(t);
  control.onCommand = (req) => ({ ...okResult(req, ['web_2']), ok: false, forced: ['web_2'] });
  const res = await app.inject({ method: 'POST', url: '/v1/units/web_2/stop', payload: { safe: true } });
  t.equal(res.statusCode, 500);
  t.match(res.json(), { error: { code: 'SUPD_OPERATION_FAILED', message: /drain of web_2 hit its timeout/, details: { forced: ['web_2'] } } });
});

t.test('while supd is closing, commands answer 503 and reads still work', async (t) => {
  const { app, control } = server(t);
  control.closing = true;
  const res = await app.inject({ method: 'POST', url: '/v1/units/db/start', payload: {} });
  t.equal(res.statusCode, 503);
  t.equal(res.json<ErrorBody>().error.code, 'SUPD_SHUTTING_DOWN');
  t.same(control.commands, [], 'the Control never saw the command');
  t.equal((await app.inject({ method: 'POST', url: '/v1/reload' })).statusCode, 503);
  t.equal((await app.inject({ method: 'GET', url: '/v1/units' })).statusCode, 200);
});

t.test('reload reports added, changed and removed units', async (t) => {
  const { app, control } = server(t);
  control.reloadResult = { ok: true, added: ['cache'], changed: ['web_1'], removed: ['old'], diagnostics: [] };
  const res = await app.inject({ method: 'POST', url: '/v1/reload' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), control.reloadResult);
  t.equal(control.reloads, 1);
});

t.test('an invalid reload is a 422 whose message and details carry the diagnostics', async (t) => {
  const { app, control } = server(t);
  control.reloadResult = {
    ok: false, added: [], changed: [], removed: [],
    diagnostics: [{
      severity: 'error', code: 'SUPD_UNIT_UNKNOWN_KEY', message: 'unknown key "comand"',
      pos: { file: '/u/web.yaml', line: 3, col: 1 }, unit: 'web',
    }],
  };
  const res = await app.inject({ method: 'POST', url: '/v1/reload' });
  t.equal(res.statusCode, 422);
  const body = res.json<ErrorBody & { error: { details: { diagnostics: unknown } } }>();
  t.equal(body.error.code, 'SUPD_INVALID_UNITS');
  t.match(body.error.message, '/u/web.yaml:3:1: unknown key "comand"');
  t.same(body.error.details.diagnostics, control.reloadResult.diagnostics);
});

t.test('unit health is 200 when ready and 503 otherwise, draining included', async (t) => {
  const { app } = server(t);
  const ready = await app.inject({ method: 'GET', url: '/v1/units/web_1/health' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { unit: 'web_1', ready: true, state: 'ready' });
  const draining = await app.inject({ method: 'GET', url: '/v1/units/web_2/health' });
  t.equal(draining.statusCode, 503);
  t.same(draining.json(), {
    unit: 'web_2', ready: false, state: 'draining', error: { code: 'SUPD_UNIT_NOT_READY', message: 'web_2 is draining, not ready' },
  });
  t.equal((await app.inject({ method: 'GET', url: '/v1/units/worker/health' })).statusCode, 503);
  t.equal((await app.inject({ method: 'GET', url: '/v1/units/ghost/health' })).statusCode, 404);
});

t.test('healthz answers with the version; metrics are Prometheus text', async (t) => {
  const { app } = server(t);
  t.same((await app.inject({ method: 'GET', url: '/healthz' })).json(), { ok: true, version: '9.9.9' });
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(metrics.statusCode, 200);
  t.equal(metrics.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  t.match(metrics.body, 'supd_units{state="ready"} 1');
});

t.test('rollouts: list, read one, cancel one, unknown id is 404', async (t) => {
  const { app, control } = server(t);
  control.rolloutList.push(rolloutView('r1'));
  t.same((await app.inject({ method: 'GET', url: '/v1/rollouts' })).json<RolloutsBody>().rollouts.map((r) => r.id), ['r1']);
  t.match((await app.inject({ method: 'GET', url: '/v1/rollouts/r1' })).json(), { rollout: { id: 'r1', steps: [{ unit: 'web_1' }] } });
  const canceled = await app.inject({ method: 'POST', url: '/v1/rollouts/r1/cancel' });
  t.equal(canceled.statusCode, 200);
  t.equal(canceled.json<RolloutBody>().rollout.state, 'canceled');
  const missing = await app.inject({ method: 'GET', url: '/v1/rollouts/r9' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json<ErrorBody>().error.code, 'SUPD_UNKNOWN_ROLLOUT');
  t.equal((await app.inject({ method: 'POST', url: '/v1/rollouts/r9/cancel' })).statusCode, 404);
});

t.test('logs: the last N lines as text/plain', async (t) => {
  const { app, control } = server(t);
  control.write('db', 'one\ntwo\nthree\n');
  const res = await app.inject({ method: 'GET', url: '/v1/units/db/logs?lines=2' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain/);
  t.equal(res.body, 'two\nthree\n');
  t.same(control.logRequests, [{ name: 'db', lines: 2 }]);
  t.equal((await app.inject({ method: 'GET', url: '/v1/units/ghost/logs' })).statusCode, 404);
});
