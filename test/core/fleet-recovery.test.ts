// Crash recovery and jobs at the fleet level: kill -9 and backoff, the burst that fails a unit,
// a manual start that clears it, and what start and stop jobs report.
import t from 'tap';
import { createFleet, dispatch, type Fleet } from '../../daemon/core/fleet.js';
import type { UnitSpec } from '../../units/types.js';
import { exited, genOf, ofKind, runUntil, send, stateOf, topology, unitsOf, unitSpec } from './helpers.js';

function fleetOf(specs: UnitSpec[]): Fleet {
  return createFleet(specs, topology(specs), 0);
}

t.test('kill -9 of a ready unit: backoff, then spawned again when the timer is due', async (t) => {
  const f = fleetOf([unitSpec('db', { restart: { delay: 1000 } })]);
  send(f, 0, { type: 'start', units: ['db'], job: null });
  runUntil(f, 5000);
  t.equal(stateOf(f, 'db'), 'ready');

  const out = exited(f, 'db', 10_000, null, 'SIGKILL');
  t.same(unitsOf(out, 'spawn'), []);
  t.match(f.units.get('db'), { s: { state: 'backoff', attempt: 1, until: 11_000 }, reason: /killed by SIGKILL; restart 1 in 1s/ });
  t.same(f.units.get('db')?.lastExit, { code: null, signal: 'SIGKILL', at: 10_000 });
  t.same(unitsOf(dispatch(f, { type: 'tick', now: 10_999 }), 'spawn'), [], 'not before the delay');
  const again = runUntil(f, 11_000);
  t.same(unitsOf(again, 'spawn'), ['db']);
  t.equal(genOf(f, 'db'), 2);
  runUntil(f, 20_000);
  t.equal(stateOf(f, 'db'), 'ready');
  t.equal(f.units.get('db')?.restarts, 1);
});

t.test('past the burst the unit fails, and the start job waiting on it fails with the reason', async (t) => {
  const f = fleetOf([unitSpec('db', { restart: { delay: 1000, burst: 2, window: 60_000 } })]);
  send(f, 0, { type: 'start', units: ['db'], job: null });
  runUntil(f, 1000);
  exited(f, 'db', 2000, null, 'SIGKILL');
  runUntil(f, 4000); // respawned at 3000, ready at 4000
  t.equal(stateOf(f, 'db'), 'ready');
  exited(f, 'db', 5000, null, 'SIGKILL');
  t.match(f.units.get('db')?.s, { state: 'backoff', attempt: 2, until: 7000 }, 'the second delay doubles');

  // An operator starts it meanwhile: it spawns at once and is killed before it is ready.
  const start = send(f, 6000, { type: 'start', units: ['db'], job: 'j' });
  t.same(unitsOf(start, 'spawn'), ['db']);
  const out = exited(f, 'db', 6500, null, 'SIGKILL');
  t.match(f.units.get('db')?.s, { state: 'failed', reason: /killed by SIGKILL; 3 exits within 1m \(burst 2\): giving up/ });
  const [done] = ofKind(out, 'jobDone');
  t.match(done, { job: 'j', ok: false, failures: [{ unit: 'db', reason: /giving up/ }] });
  t.same(runUntil(f, 600_000), [], 'a failed unit is not retried');
});

t.test('a manual start clears failed and the crash count', async (t) => {
  const f = fleetOf([unitSpec('db', { restart: { delay: 0, burst: 1 } })]);
  send(f, 0, { type: 'start', units: ['db'], job: null });
  exited(f, 'db', 100, 1); // backoff 0ms
  runUntil(f, 100); // spawned again
  exited(f, 'db', 200, 1);
  t.equal(stateOf(f, 'db'), 'failed');

  const out = send(f, 300, { type: 'start', units: ['db'], job: 'again' });
  t.same(unitsOf(out, 'spawn'), ['db']);
  t.same(f.units.get('db')?.crashes, []);
  const restarted = exited(f, 'db', 400, 1);
  t.equal(stateOf(f, 'db'), 'starting', 'one crash is within the burst again');
  t.same(unitsOf(restarted, 'spawn'), ['db'], 'with delay 0 the new process is spawned by the exit itself, no timer between');
});

t.test('a start job fails naming the unit that exits before it is ready', async (t) => {
  const specs = [unitSpec('db'), unitSpec('web', { requires: ['db'] })];
  const f = fleetOf(specs);
  send(f, 0, { type: 'start', units: ['web'], job: 'j' });
  runUntil(f, 1000); // db ready, web spawned
  const out = exited(f, 'web', 1500, 2);
  t.same(ofKind(out, 'jobDone'), [{
    kind: 'jobDone', job: 'j', ok: false, forced: [],
    failures: [{ unit: 'web', reason: 'exited with code 2 before ready; restart 1 in 1s' }],
    outcomes: [{ unit: 'db', role: 'requirement', outcome: 'done', reason: null }, { unit: 'web', role: 'target', outcome: 'failed', reason: 'exited with code 2 before ready; restart 1 in 1s' }],
  }]);
  t.equal(f.jobs.size, 0);
});

t.test('a start job fails when a requirement of a waiting unit fails', async (t) => {
  const specs = [unitSpec('db', { restart: { burst: 0 } }), unitSpec('web', { requires: ['db'] })];
  const f = fleetOf(specs);
  send(f, 0, { type: 'start', units: ['web'], job: 'j' });
  const out = exited(f, 'db', 500, 1);
  t.equal(stateOf(f, 'web'), 'waiting');
  t.match(ofKind(out, 'jobDone'), [{ job: 'j', ok: false, failures: [{ unit: 'db', reason: /exited with code 1 before ready; 1 exits within 1m \(burst 0\): giving up/ }] }]);
});

t.test('a start job of units already ready is done at once', async (t) => {
  const f = fleetOf([unitSpec('db')]);
  send(f, 0, { type: 'start', units: ['db'], job: null });
  runUntil(f, 1000);
  const out = send(f, 2000, { type: 'start', units: ['db'], job: 'noop' });
  t.same(out, [{ kind: 'jobDone', job: 'noop', ok: true, failures: [], forced: [], outcomes: [{ unit: 'db', role: 'target', outcome: 'already', reason: null }] }]);
});

t.test('a stop job lists the drains that hit their timeout', async (t) => {
  const specs = [
    unitSpec('web1', { safeStop: { signal: 'SIGUSR1', waitConnections: [8080], timeout: 10_000 } }),
    unitSpec('web2', { safeStop: { signal: 'SIGUSR1', waitConnections: [8081], timeout: 10_000 } }),
  ];
  const f = fleetOf(specs);
  send(f, 0, { type: 'start', units: ['web1', 'web2'], job: null });
  runUntil(f, 1000);
  const out = send(f, 2000, { type: 'stop', units: ['web1', 'web2'], safe: true, job: 's' });
  t.same(unitsOf(out, 'countConnections'), ['web1', 'web2']);
  t.same([stateOf(f, 'web1'), stateOf(f, 'web2')], ['draining', 'draining']);

  // web1's clients leave; web2 keeps one until the drain deadline.
  dispatch(f, { type: 'unit', unit: 'web1', event: { type: 'connections', gen: 1, count: 0 }, now: 2100 });
  dispatch(f, { type: 'unit', unit: 'web2', event: { type: 'connections', gen: 1, count: 1 }, now: 2100 });
  t.equal(stateOf(f, 'web1'), 'stopping');
  exited(f, 'web1', 2200, 0);
  const polls = runUntil(f, 11_999);
  t.ok(unitsOf(polls, 'countConnections').every((u) => u === 'web2'), 'web2 is polled while it drains');
  const timeout = runUntil(f, 12_000);
  t.same(unitsOf(timeout, 'signal'), ['web2'], 'at the deadline the normal stop follows');
  t.equal(f.units.get('web2')?.forced, true);
  const done = exited(f, 'web2', 12_100, 0);
  t.same(ofKind(done, 'jobDone'), [{ kind: 'jobDone', job: 's', ok: false, failures: [], forced: ['web2'], outcomes: [
    { unit: 'web1', role: 'target', outcome: 'done', reason: null }, { unit: 'web2', role: 'target', outcome: 'forced', reason: 'the drain hit its timeout: stopped anyway' },
  ] }]);
});

t.test('a stop that outlasts the stop timeout kills the whole tree', async (t) => {
  const f = fleetOf([unitSpec('db', { stop: { timeout: 5000 } })]);
  send(f, 0, { type: 'start', units: ['db'], job: null });
  runUntil(f, 1000);
  send(f, 2000, { type: 'stop', units: ['db'], safe: false, job: null });
  const out = runUntil(f, 7000);
  t.same(ofKind(out, 'killTree'), [{ kind: 'killTree', unit: 'db', pid: spawnedPid(f) }]);
  exited(f, 'db', 7100, null, 'SIGKILL');
  t.equal(stateOf(f, 'db'), 'inactive');
  t.equal(f.units.get('db')?.goal, 'down');
});

function spawnedPid(f: Fleet): number {
  const s = f.units.get('db')?.s;
  return s !== undefined && 'pid' in s && s.pid !== null ? s.pid : -1;
}

t.test('an exit reported for an older process does not disturb the new one', async (t) => {
  const f = fleetOf([unitSpec('db', { restart: { delay: 0 } })]);
  send(f, 0, { type: 'start', units: ['db'], job: null });
  exited(f, 'db', 10, 1);
  runUntil(f, 10);
  t.equal(genOf(f, 'db'), 2);
  const before = structuredClone(f.units.get('db'));
  const out = dispatch(f, { type: 'unit', unit: 'db', event: { type: 'exited', gen: 1, code: 1, signal: null }, now: 20 });
  t.same(out, []);
  t.same(f.units.get('db'), before);
});
