// The fleet orders starts (requirements first, `after`) and stops (dependents first), and
// restarts only what it is asked to.
import t from 'tap';
import { createFleet, type Fleet } from '../../daemon/core/fleet.js';
import type { UnitSpec } from '../../units/types.js';
import { exited, ofKind, runUntil, send, stateOf, topology, unitsOf, unitSpec } from './helpers.js';

/** c requires b requires a. */
const chainSpecs = (): UnitSpec[] => [unitSpec('a'), unitSpec('b', { requires: ['a'] }), unitSpec('c', { requires: ['b'] })];

function fleetOf(specs: UnitSpec[]): Fleet {
  return createFleet(specs, topology(specs), 0);
}

/** The chain, all ready at time 10s. */
function readyChain(): Fleet {
  const f = fleetOf(chainSpecs());
  send(f, 0, { type: 'start', units: ['c'], job: null });
  runUntil(f, 10_000);
  return f;
}

t.test('starting the end of a chain spawns its requirements first, one after the other', async (t) => {
  const f = fleetOf(chainSpecs());
  const out = send(f, 0, { type: 'start', units: ['c'], job: 'j1' });
  t.same(unitsOf(out, 'spawn'), ['a'], 'only a spawns first');
  t.same([stateOf(f, 'a'), stateOf(f, 'b'), stateOf(f, 'c')], ['starting', 'waiting', 'waiting']);
  t.match(f.units.get('c')?.s, { missing: ['b'] });

  const atGrace = runUntil(f, 1000);
  t.same(unitsOf(atGrace, 'spawn'), ['b'], 'b spawns once a is ready (after its 1s grace)');
  t.same([stateOf(f, 'a'), stateOf(f, 'b'), stateOf(f, 'c')], ['ready', 'starting', 'waiting']);

  const next = runUntil(f, 2000);
  t.same(unitsOf(next, 'spawn'), ['c']);
  const last = runUntil(f, 3000);
  t.same(ofKind(last, 'jobDone'), [{ kind: 'jobDone', job: 'j1', ok: true, failures: [], forced: [], outcomes: [
    { unit: 'a', role: 'requirement', outcome: 'done', reason: null }, { unit: 'b', role: 'requirement', outcome: 'done', reason: null }, { unit: 'c', role: 'target', outcome: 'done', reason: null },
  ] }], 'the job names the requirements it started');
  t.same([stateOf(f, 'a'), stateOf(f, 'b'), stateOf(f, 'c')], ['ready', 'ready', 'ready']);
});

t.test('a unit that is not yet spawned does not wake its dependents', async (t) => {
  const f = fleetOf(chainSpecs());
  send(f, 0, { type: 'start', units: ['c'], job: null });
  t.same(unitsOf(runUntil(f, 999), 'spawn'), [], 'nothing before a is ready');
});

t.test('`after` orders units started together, and only then', async (t) => {
  const specs = [unitSpec('w'), unitSpec('x', { after: ['w'] })];
  const f = fleetOf(specs);
  const out = send(f, 0, { type: 'start', units: ['w', 'x'], job: null });
  t.same(unitsOf(out, 'spawn'), ['w']);
  t.equal(stateOf(f, 'x'), 'waiting');
  t.same(unitsOf(runUntil(f, 1000), 'spawn'), ['x'], 'x starts once w is ready');

  const alone = fleetOf(specs);
  t.same(unitsOf(send(alone, 0, { type: 'start', units: ['x'], job: null }), 'spawn'), ['x'], 'x alone does not wait for w');
  t.equal(stateOf(alone, 'w'), 'inactive');
});

t.test('stopping a stops its dependents first: c, then b, then a', async (t) => {
  const f = readyChain();
  const signals: string[] = [];
  let out = send(f, 20_000, { type: 'stop', units: ['a'], safe: false, job: 'stop-a' });
  signals.push(...unitsOf(out, 'signal'));
  t.same(signals, ['c'], 'only c is signalled while b and a wait');
  t.same([stateOf(f, 'a'), stateOf(f, 'b'), stateOf(f, 'c')], ['ready', 'ready', 'stopping']);
  t.match([f.units.get('a')?.s, f.units.get('b')?.s], [{ pendingStop: { then: 'down' } }, { pendingStop: { then: 'down' } }], 'a and b wait on their dependents');

  out = exited(f, 'c', 20_100, 0);
  signals.push(...unitsOf(out, 'signal'));
  t.same(signals, ['c', 'b']);
  out = exited(f, 'b', 20_200, 0);
  signals.push(...unitsOf(out, 'signal'));
  t.same(signals, ['c', 'b', 'a']);
  out = exited(f, 'a', 20_300, 0);
  t.same(ofKind(out, 'jobDone'), [{ kind: 'jobDone', job: 'stop-a', ok: true, failures: [], forced: [], outcomes: [
    { unit: 'a', role: 'target', outcome: 'done', reason: null }, { unit: 'b', role: 'dependent', outcome: 'done', reason: null }, { unit: 'c', role: 'dependent', outcome: 'done', reason: null },
  ] }], 'the job names the dependents it stopped');
  t.same([stateOf(f, 'a'), stateOf(f, 'b'), stateOf(f, 'c')], ['inactive', 'inactive', 'inactive']);
  t.same(runUntil(f, 100_000), [], 'no timer is left to fire');
});

t.test('restarting b alone leaves a and c running', async (t) => {
  const f = readyChain();
  const [pa, pc] = [f.units.get('a')?.s, f.units.get('c')?.s];
  let out = send(f, 20_000, { type: 'restart', units: ['b'], safe: false, withDependents: false, job: 'r' });
  t.same(unitsOf(out, 'signal'), ['b']);
  out = exited(f, 'b', 20_100, 0);
  t.same(unitsOf(out, 'spawn'), ['b'], 'b spawns again at once: a is ready');
  out.push(...runUntil(f, 30_000));
  t.same(ofKind(out, 'jobDone'), [{ kind: 'jobDone', job: 'r', ok: true, failures: [], forced: [], outcomes: [{ unit: 'b', role: 'target', outcome: 'done', reason: null }] }]);
  t.notOk(out.some((e) => 'unit' in e && (e.unit === 'a' || e.unit === 'c')), 'no effect touches a or c');
  t.same([f.units.get('a')?.s, f.units.get('c')?.s], [pa, pc]);
  t.equal(f.units.get('b')?.restarts, 1);
});

t.test('restart --with-dependents stops c then b, then starts b then c', async (t) => {
  const f = readyChain();
  const order: string[] = [];
  const note = (out: ReturnType<typeof send>): void => {
    for (const e of out) if (e.kind === 'signal' || e.kind === 'spawn') order.push(`${e.kind} ${e.unit}`);
  };
  note(send(f, 20_000, { type: 'restart', units: ['b'], safe: false, withDependents: true, job: 'rd' }));
  t.same(order, ['signal c']);
  note(exited(f, 'c', 20_100, 0));
  t.same(order, ['signal c', 'signal b'], 'c waits for b to restart first; b stops once c is down');
  note(exited(f, 'b', 20_200, 0));
  const rest = runUntil(f, 40_000);
  note(rest);
  t.same(order, ['signal c', 'signal b', 'spawn b', 'spawn c']);
  t.same(ofKind(rest, 'jobDone'), [{ kind: 'jobDone', job: 'rd', ok: true, failures: [], forced: [], outcomes: [{ unit: 'b', role: 'target', outcome: 'done', reason: null }, { unit: 'c', role: 'dependent', outcome: 'done', reason: null }] }]);
  t.same([stateOf(f, 'a'), stateOf(f, 'b'), stateOf(f, 'c')], ['ready', 'ready', 'ready']);
  t.equal(f.units.get('a')?.gen, 1, 'a kept its process');
});
