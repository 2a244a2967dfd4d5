// The rolling-restart step machine: batches, advancing on healthy units, stopping at the first error.
import t from 'tap';
import { advance, cancel, createRollout, interrupt, isActive, observe, planBatches, type Rollout } from '../../daemon/core/rollout.js';

const units = ['w1', 'w2', 'w3', 'w4', 'w5'];
const rollout = (strategy: 'one-by-one' | 'half-by-half', names: string[] = units): Rollout =>
  createRollout({ id: 'r1', target: 'web', units: names, strategy, safe: true, trigger: 'api', now: 1000 });
const states = (r: Rollout): string[] => r.steps.map((s) => s.state);

t.test('planBatches: one-by-one is a batch per unit', async (t) => {
  t.same(planBatches(units, 'one-by-one'), [['w1'], ['w2'], ['w3'], ['w4'], ['w5']]);
  t.same(planBatches([], 'one-by-one'), []);
});

t.test('planBatches: half-by-half restarts ceil(n/2) first, then the rest', async (t) => {
  t.same(planBatches(units, 'half-by-half'), [['w1', 'w2', 'w3'], ['w4', 'w5']]);
  t.same(planBatches(['w1', 'w2', 'w3', 'w4'], 'half-by-half'), [['w1', 'w2'], ['w3', 'w4']]);
  t.same(planBatches(['w1'], 'half-by-half'), [['w1']], 'one unit is one batch, no empty second half');
  t.same(planBatches([], 'half-by-half'), []);
});

t.test('a one-by-one rollout restarts each unit once the previous one is back', async (t) => {
  const r = rollout('one-by-one', ['w1', 'w2', 'w3']);
  t.same(states(r), ['pending', 'pending', 'pending']);
  t.same(advance(r, 1000), [{ kind: 'restart', units: ['w1'] }]);
  t.same(advance(r, 1001), [], 'nothing more while w1 is in progress');
  t.same(states(r), ['in-progress', 'pending', 'pending']);
  t.same(observe(r, 'w2', { ok: true }, 1500), [], 'a unit not in progress is ignored');
  t.same(observe(r, 'w1', { ok: true }, 2000), [{ kind: 'restart', units: ['w2'] }]);
  t.same(observe(r, 'w2', { ok: true }, 3000), [{ kind: 'restart', units: ['w3'] }]);
  t.same(states(r), ['ok', 'ok', 'in-progress']);
  t.same(observe(r, 'w3', { ok: true }, 4000), [{ kind: 'finished' }]);
  t.match(r, { state: 'ok', finished: 4000, error: null });
  t.notOk(isActive(r));
  t.same(advance(r, 5000), [], 'a finished rollout does nothing more');
});

t.test('a half-by-half rollout waits for the whole first half', async (t) => {
  const r = rollout('half-by-half');
  t.same(advance(r, 1000), [{ kind: 'restart', units: ['w1', 'w2', 'w3'] }]);
  t.same(observe(r, 'w2', { ok: true }, 2000), []);
  t.same(observe(r, 'w1', { ok: true }, 2100), []);
  t.same(observe(r, 'w3', { ok: true }, 2200), [{ kind: 'restart', units: ['w4', 'w5'] }]);
  t.same(r.steps.map((s) => s.batch), [0, 0, 0, 1, 1]);
  observe(r, 'w4', { ok: true }, 3000);
  t.same(observe(r, 'w5', { ok: true }, 3100), [{ kind: 'finished' }]);
  t.equal(r.state, 'ok');
});

t.test('an error stops the rollout there and leaves the later steps pending', async (t) => {
  const r = rollout('one-by-one');
  advance(r, 1000);
  observe(r, 'w1', { ok: true }, 2000);
  const out = observe(r, 'w2', { ok: false, reason: 'not ready after 30s' }, 3000);
  t.same(out, [{ kind: 'finished' }]);
  t.same(states(r), ['ok', 'error', 'pending', 'pending', 'pending']);
  t.match(r, { state: 'error', error: { unit: 'w2', reason: 'not ready after 30s' }, finished: 3000 });
  t.equal(r.steps[1]?.reason, 'not ready after 30s');
});

t.test('an error in a half waits for the rest of that half, then stops', async (t) => {
  const r = rollout('half-by-half');
  advance(r, 1000);
  t.same(observe(r, 'w1', { ok: false, reason: 'lb.disable hook failed' }, 2000), [], 'w2 and w3 are still restarting');
  t.same(observe(r, 'w2', { ok: true }, 2100), []);
  t.same(observe(r, 'w3', { ok: false, reason: 'exited with code 1 before ready' }, 2200), [{ kind: 'finished' }]);
  t.same(states(r), ['error', 'ok', 'error', 'pending', 'pending']);
  t.same(r.error, { unit: 'w1', reason: 'lb.disable hook failed' }, 'the first error is the one reported');
});

t.test('cancel: pending steps are canceled, the one in progress finishes', async (t) => {
  const r = rollout('one-by-one', ['w1', 'w2', 'w3']);
  advance(r, 1000);
  t.same(cancel(r, 1500), [], 'w1 is still restarting');
  t.same(states(r), ['in-progress', 'canceled', 'canceled']);
  t.equal(r.state, 'canceled');
  t.ok(isActive(r));
  t.same(observe(r, 'w1', { ok: true }, 2000), [{ kind: 'finished' }]);
  t.match(r, { state: 'canceled', finished: 2000 });
  t.same(states(r), ['ok', 'canceled', 'canceled']);
  t.same(cancel(r, 3000), [], 'canceling a finished rollout does nothing');
});

t.test('cancel between steps finishes at once', async (t) => {
  const r = rollout('one-by-one', ['w1', 'w2']);
  t.same(cancel(r, 1000), [{ kind: 'finished' }]);
  t.same(states(r), ['canceled', 'canceled']);
});

t.test('interrupt: the step in progress is an error, the rollout is interrupted', async (t) => {
  const r = rollout('one-by-one', ['w1', 'w2', 'w3']);
  advance(r, 1000);
  observe(r, 'w1', { ok: true }, 2000);
  interrupt(r, 2500);
  t.match(r, { state: 'interrupted', finished: 2500 });
  t.same(states(r), ['ok', 'error', 'pending']);
  t.match(r.steps[1]?.reason, /interrupted/);
  t.same(advance(r, 3000), []);
  interrupt(r, 4000);
  t.equal(r.finished, 2500, 'a second interrupt changes nothing');
});

t.test('a rollout of no units finishes ok at the first advance', async (t) => {
  const r = rollout('half-by-half', []);
  t.same(advance(r, 1000), [{ kind: 'finished' }]);
  t.equal(r.state, 'ok');
});
