// Thousands of units in one fleet: one start event reaches them all, and they all come up.
import t from 'tap';
import { createFleet, dispatch } from '../../daemon/core/fleet.js';
import { ofKind, runUntil, stateOf, topology, unitSpec } from './helpers.js';

t.test('5,000 independent units started with one start event all become ready', async (t) => {
  const n = 5000;
  const specs = Array.from({ length: n }, (_, i) => unitSpec(`aux_${i}`));
  const f = createFleet(specs, topology(specs), 0);
  const names = specs.map((s) => s.name);

  const out = dispatch(f, { type: 'start', units: names, job: 'all', now: 0 });
  const spawns = ofKind(out, 'spawn');
  t.equal(spawns.length, n, 'every unit gets a spawn');
  t.equal(new Set(spawns.map((e) => e.unit)).size, n);

  for (const [i, e] of spawns.entries()) {
    dispatch(f, { type: 'unit', unit: e.unit, event: { type: 'spawned', gen: e.gen, pid: 10_000 + i }, now: 10 + (i % 50) });
  }
  const rest = runUntil(f, 5000);
  t.equal(names.filter((name) => stateOf(f, name) === 'ready').length, n, 'all ready');
  const outcomes = names.map((unit) => ({ unit, role: 'target', outcome: 'done', reason: null }));
  t.same(ofKind(rest, 'jobDone'), [{ kind: 'jobDone', job: 'all', ok: true, failures: [], forced: [], outcomes }]);
  t.equal(f.timers.size, 0, 'no timer left behind');
});
