// One unit's life through the runtime, on fake edges and a manual clock: start, readiness, a crash
// and its backoff, giving up, stop. Each test is milliseconds of real time.
import t from 'tap';
import { harness, unitSpec } from './harness.js';

t.test('start spawns the unit with its environment and answers once it is ready', async (t) => {
  const h = harness(t, [unitSpec('web', { argv: ['/srv/web', '--port', '8080'], env: { MODE: 'prod' }, ready: { grace: 500 } })]);
  const started = h.command({ action: 'start', target: 'web' });
  await h.enters('web', 'starting');
  const [req] = h.fake.spawner.pending;
  t.same(req?.argv, ['/srv/web', '--port', '8080']);
  t.match(req?.as, { inherit: { PATH: '/usr/bin:/bin' }, env: { MODE: 'prod' }, extra: { SUPD_UNIT: 'web' } }, 'supd\'s environment, the unit\'s, and SUPD_UNIT');
  const pid = await h.spawned('web');
  t.equal(h.status('web').pid, pid);
  t.equal(h.state('web'), 'starting', 'not ready before the grace period');
  await h.advance(499);
  t.equal(h.state('web'), 'starting');
  await h.advance(1);
  const result = await started;
  t.equal(result.ok, true);
  t.same(result.units, ['web']);
  t.same(h.moves('web'), ['inactive→starting', 'starting→ready']);
});

t.test('a log readiness check makes the unit ready on the matching line, not before', async (t) => {
  const h = harness(t, [unitSpec('db', { ready: { check: { kind: 'log', pattern: 'accepting connections' }, timeout: 5000 } })], { spawner: { auto: true } });
  const started = h.command({ action: 'start', target: 'db' });
  await h.enters('db', 'starting');
  await h.advance(0);
  h.fake.logs.write('db', 'starting up\n');
  await h.advance(1000);
  t.equal(h.state('db'), 'starting');
  h.drive();
  h.fake.logs.write('db', 'ready: accepting connections\n');
  t.equal((await h.enters('db', 'ready')).unit, 'db');
  t.equal((await started).ok, true);
});

t.test('a unit not ready within ready.timeout is stopped and the start fails with its log tail', async (t) => {
  const h = harness(t, [unitSpec('db', { ready: { check: { kind: 'log', pattern: 'never' }, timeout: 3000 }, restart: { policy: 'never' } })], { spawner: { auto: true } });
  const started = h.command({ action: 'start', target: 'db' });
  await h.enters('db', 'starting');
  await h.advance(0);
  h.fake.logs.write('db', 'listening...\npanic: port in use\n');
  await h.advance(3000);
  const result = await started;
  t.equal(result.ok, false);
  t.equal(result.failures[0]?.unit, 'db');
  t.same(result.failures[0]?.logTail, ['listening...', 'panic: port in use']);
  t.equal(h.state('db'), 'inactive', 'restart policy never: it stays down');
  t.ok(h.fake.spawner.calls.some((c) => c.kind === 'signal' && c.signal === 'SIGTERM'), 'the stuck process was sent its stop signal');
});

t.test('a crash restarts after restart.delay, doubling per attempt; a spawn error counts too', async (t) => {
  const h = harness(t, [unitSpec('web', { ready: { grace: 100 }, restart: { delay: 1000, maxDelay: 10_000, burst: 10 } })], { spawner: { auto: true } });
  const started = h.command({ action: 'start', target: 'web' });
  await h.enters('web', 'starting');
  await h.advance(100);
  await started;
  const spawns = () => h.fake.spawner.calls.filter((c) => c.kind === 'spawn').length;
  t.equal(spawns(), 1);

  await h.exit('web', 1);
  t.equal(h.state('web'), 'backoff');
  await h.advance(999);
  t.equal(spawns(), 1, 'no restart before the delay');
  await h.advance(1);
  t.equal(spawns(), 2, 'restarted after 1s');
  await h.advance(100);
  t.equal(h.state('web'), 'ready');

  await h.exit('web', null, 'SIGSEGV');
  await h.advance(1999);
  t.equal(spawns(), 2, 'the second restart waits 2s');
  await h.advance(1);
  t.equal(spawns(), 3);
  t.equal(h.status('web').restarts, 2);
  t.equal(h.status('web').lastExit?.signal, 'SIGSEGV');
});

t.test('more than burst crashes within the window: the unit fails and stays down', async (t) => {
  const h = harness(t, [unitSpec('web', { ready: { grace: 100 }, restart: { delay: 100, maxDelay: 100, burst: 2, window: 60_000 } })], { spawner: { auto: true } });
  const started = h.command({ action: 'start', target: 'web' });
  await h.enters('web', 'starting');
  await h.advance(100);
  await started;
  for (let i = 0; i < 2; i++) {
    await h.exit('web', 1);
    t.equal(h.state('web'), 'backoff', `crash ${i + 1} restarts`);
    await h.advance(100);
    await h.advance(100);
    t.equal(h.state('web'), 'ready');
  }
  await h.exit('web', 1);
  t.equal(h.state('web'), 'failed', 'crash 3 of burst 2 gives up');
  await h.advance(60_000);
  t.equal(h.fake.spawner.pending.length, 0, 'nothing is spawned once failed');
  const again = h.command({ action: 'start', target: 'web' });
  await h.enters('web', 'starting');
  await h.advance(100);
  t.equal((await again).ok, true, 'an explicit start brings a failed unit back');
});

t.test('stop sends the stop signal, escalates to a tree kill at stop.timeout, and the unit stays down', async (t) => {
  const h = harness(t, [unitSpec('web', { ready: { grace: 100 }, stop: { signal: 'SIGINT', timeout: 5000 } })], {
    spawner: { auto: true, onSignal: () => null },
  });
  const started = h.command({ action: 'start', target: 'web' });
  await h.enters('web', 'starting');
  await h.advance(100);
  await started;
  const pid = h.status('web').pid;
  const stopped = h.command({ action: 'stop', target: 'web' });
  await h.enters('web', 'stopping');
  t.ok(h.fake.spawner.calls.some((c) => c.kind === 'signal' && c.pid === pid && c.signal === 'SIGINT'), 'stop.signal sent');
  await h.advance(4999);
  t.notOk(h.fake.spawner.calls.some((c) => c.kind === 'killTree'), 'no kill before the timeout');
  await h.advance(1);
  t.ok(h.fake.spawner.calls.some((c) => c.kind === 'killTree' && c.pid === pid), 'the tree is killed at the timeout');
  t.equal((await stopped).ok, true);
  t.equal(h.state('web'), 'inactive');
  t.equal(h.status('web').goal, 'down');
  await h.advance(120_000);
  t.equal(h.fake.spawner.calls.filter((c) => c.kind === 'spawn').length, 1, 'an exit while the goal is down never restarts');
});

t.test('requirements start first and are stopped last', async (t) => {
  const h = harness(t, [
    unitSpec('db', { ready: { grace: 100 } }),
    unitSpec('web', { requires: ['db'], ready: { grace: 100 } }),
  ], { spawner: { auto: true } });
  const started = h.command({ action: 'start', target: 'web' });
  await h.enters('db', 'starting');
  t.equal(h.state('web'), 'waiting', 'web waits for db');
  t.same(h.fake.spawner.calls.flatMap((c) => (c.kind === 'spawn' ? [c.req.unit] : [])), ['db'], 'only db is spawned');
  await h.advance(100);
  await h.enters('web', 'starting');
  await h.advance(100);
  t.equal((await started).ok, true);
  t.same(h.moves(), ['db inactive→starting', 'web inactive→waiting', 'db starting→ready', 'web waiting→starting', 'web starting→ready']);

  const from = h.events.length;
  const stopped = await h.command({ action: 'stop', target: 'db' });
  t.equal(stopped.ok, true);
  const order = h.events.slice(from).filter((e) => e.type === 'transition' && e.to === 'inactive').map((e) => (e.type === 'transition' ? e.unit : ''));
  t.same(order, ['web', 'db'], 'the dependent is down before its requirement stops');
});

t.test('boot starts the autostart units and leaves the others down', async (t) => {
  const h = harness(t, [unitSpec('web', { ready: { grace: 100 } }), unitSpec('tool', { autostart: false })], { spawner: { auto: true } });
  h.drive();
  const booted = h.rt.boot();
  await h.enters('web', 'starting');
  await h.advance(100);
  t.equal((await booted).ok, true);
  t.equal(h.state('web'), 'ready');
  t.equal(h.state('tool'), 'inactive');
});

t.test('shutdown stops every unit, dependents first, and refuses commands from then on', async (t) => {
  const h = harness(t, [
    unitSpec('db', { ready: { grace: 100 } }),
    unitSpec('web', { requires: ['db'], ready: { grace: 100 } }),
  ], { spawner: { auto: true } });
  h.drive();
  const booted = h.rt.boot();
  await h.enters('db', 'starting');
  await h.advance(100);
  await h.enters('web', 'starting');
  await h.advance(100);
  t.equal((await booted).ok, true);
  const from = h.events.length;
  const down = await h.rt.shutdown(false);
  t.equal(down.ok, true);
  const stops = h.events.slice(from).flatMap((e) => (e.type === 'transition' && e.to === 'inactive' ? [e.unit] : []));
  t.same(stops, ['web', 'db']);
  await t.rejects(h.command({ action: 'start', target: 'web' }), { code: 'SUPD_SHUTTING_DOWN' });
  t.same(h.fake.logs.calls.at(-1), { kind: 'closeAll', unit: '' }, 'log files closed');
});

t.test('an unknown target is refused with SUPD_UNKNOWN_TARGET', async (t) => {
  const h = harness(t, [unitSpec('web')]);
  await t.rejects(h.command({ action: 'start', target: 'nope' }), { code: 'SUPD_UNKNOWN_TARGET' });
  t.throws(() => h.rt.healthy('nope'), { code: 'SUPD_UNKNOWN_TARGET' });
});
