// The rolling-restart step machine on its own: budgets, units already down first, waves and
// windows, the canary's soak, the first failure stopping it, cancel and interrupt. Units are
// looked at through a map the test sets, as the fleet (or a fleet of hosts) would report them.
import t from 'tap';
import {
  advance, budgetOf, cancel, createRollout, interrupt, isActive, observe, planBatches, soakElapsed,
  type Availability, type Look, type Rollout, type RolloutAction, type RolloutPlan,
} from '../../daemon/core/rollout.js';

const W5 = ['w1', 'w2', 'w3', 'w4', 'w5'];
const plan = (over: Partial<RolloutPlan> = {}): RolloutPlan => ({ strategy: 'one-by-one', maxUnavailable: null, canary: null, ...over });

/** Units as the machine sees them; every unit serves unless set otherwise. */
class World {
  private m = new Map<string, Availability>();
  readonly look: Look = (u) => this.m.get(u) ?? 'serving';
  set(u: string, a: Availability): this {
    this.m.set(u, a);
    return this;
  }
}

const rollout = (w: World, p: RolloutPlan, units: string[] = W5): Rollout =>
  createRollout({ id: 'r1', target: 'web', units, plan: p, safe: true, trigger: 'api', job: null, now: 1000 }, w.look);
const states = (r: Rollout): string[] => r.steps.map((s) => s.state);
const begun = (actions: RolloutAction[]): string[] => actions.flatMap((a) => (a.kind === 'start' || a.kind === 'restart' ? [`${a.kind} ${a.unit}`] : [a.kind]));

t.test('budget: one for one-by-one, the first half for half-by-half, N or P% (at least one) for maxUnavailable', async (t) => {
  const rows: [RolloutPlan, number, number][] = [
    [plan(), 5, 1],
    [plan({ strategy: 'half-by-half' }), 5, 3],
    [plan({ strategy: 'half-by-half' }), 4, 2],
    [plan({ strategy: 'half-by-half' }), 1, 1],
    [plan({ maxUnavailable: { count: 2 } }), 5, 2],
    [plan({ strategy: 'half-by-half', maxUnavailable: { count: 2 } }), 10, 2],
    [plan({ maxUnavailable: { percent: 40 } }), 5, 2],
    [plan({ maxUnavailable: { percent: 30 } }), 5, 1],
    [plan({ maxUnavailable: { percent: 10 } }), 5, 1],
    [plan({ maxUnavailable: { percent: 100 } }), 5, 5],
  ];
  for (const [p, n, want] of rows) t.equal(budgetOf(p, n), want, `${JSON.stringify(p)} over ${n}`);
});

t.test('planBatches: down units first, then serving ones in groups of the budget; a canary alone first', async (t) => {
  const w = new World();
  t.same(planBatches(W5, plan({ strategy: 'half-by-half' }), w.look), [['w1', 'w2', 'w3'], ['w4', 'w5']]);
  t.same(planBatches(W5, plan(), w.look), [['w1'], ['w2'], ['w3'], ['w4'], ['w5']]);
  t.same(planBatches([], plan({ strategy: 'half-by-half' }), w.look), []);
  w.set('w4', 'stuck');
  t.same(planBatches(W5, plan({ maxUnavailable: { count: 2 } }), w.look), [['w4'], ['w1', 'w2'], ['w3', 'w5']]);
  t.same(planBatches(W5, plan({ canary: 5000, maxUnavailable: { count: 2 } }), w.look), [['w4'], ['w1', 'w2'], ['w3', 'w5']], 'the down unit is the canary');
  t.same(planBatches(W5, plan({ canary: 5000 }), new World().look), [['w1'], ['w2'], ['w3'], ['w4'], ['w5']]);
});

t.test('one-by-one restarts each unit once the previous one is back', async (t) => {
  const w = new World();
  const r = rollout(w, plan(), ['w1', 'w2', 'w3']);
  t.same(begun(advance(r, w.look, 1000)), ['restart w1']);
  t.same(advance(r, w.look, 1001), [], 'nothing more while w1 is in progress');
  t.same(observe(r, 'w2', { ok: true }, w.look, 1500), [], 'a unit not in progress is ignored');
  t.same(begun(observe(r, 'w1', { ok: true }, w.look, 2000)), ['restart w2']);
  t.same(begun(observe(r, 'w2', { ok: true }, w.look, 3000)), ['restart w3']);
  t.same(begun(observe(r, 'w3', { ok: true }, w.look, 4000)), ['finished']);
  t.match(r, { state: 'ok', finished: 4000, error: null });
  t.notOk(isActive(r));
  t.same(advance(r, w.look, 5000), [], 'a finished rollout does nothing more');
});

t.test('half-by-half waits for the whole first half', async (t) => {
  const w = new World();
  const r = rollout(w, plan({ strategy: 'half-by-half' }));
  t.same(begun(advance(r, w.look, 1000)), ['restart w1', 'restart w2', 'restart w3']);
  t.same(observe(r, 'w2', { ok: true }, w.look, 2000), []);
  t.same(observe(r, 'w1', { ok: true }, w.look, 2100), [], 'one out of the first half: still a wave in progress');
  t.same(begun(observe(r, 'w3', { ok: true }, w.look, 2200)), ['restart w4', 'restart w5']);
  t.same(r.steps.map((s) => s.batch), [0, 0, 0, 1, 1]);
  observe(r, 'w4', { ok: true }, w.look, 3000);
  t.same(begun(observe(r, 'w5', { ok: true }, w.look, 3100)), ['finished']);
  t.equal(r.state, 'ok');
});

t.test('maxUnavailable keeps a window: a unit back lets the next one out', async (t) => {
  const w = new World();
  const r = rollout(w, plan({ maxUnavailable: { count: 2 } }));
  t.same(begun(advance(r, w.look, 1000)), ['restart w1', 'restart w2']);
  t.same(begun(observe(r, 'w2', { ok: true }, w.look, 2000)), ['restart w3'], 'w3 goes as soon as w2 is back');
  t.same(begun(observe(r, 'w1', { ok: true }, w.look, 2100)), ['restart w4']);
  t.same(observe(r, 'w4', { ok: true }, w.look, 2200).map((a) => a.kind), ['restart']);
  t.same(states(r), ['ok', 'ok', 'in-progress', 'ok', 'in-progress']);
});

t.test('units already down are started first, each as a step; no serving unit leaves until they are ready', async (t) => {
  const w = new World().set('w3', 'stuck');
  const r = rollout(w, plan(), ['w1', 'w2', 'w3']);
  t.same(r.steps.map((s) => `${s.action} ${s.unit}`), ['start w3', 'restart w1', 'restart w2'], 'the failed unit is first');
  t.same(begun(advance(r, w.look, 1000)), ['start w3']);
  w.set('w3', 'coming');
  t.same(advance(r, w.look, 1100), [], 'w3 is on its way: nobody else is touched');
  w.set('w3', 'serving');
  t.same(begun(observe(r, 'w3', { ok: true }, w.look, 2000)), ['restart w1']);
});

t.test('down units fill the budget: with two out of a budget of two, serving units wait', async (t) => {
  const w = new World().set('w1', 'stuck').set('w2', 'coming');
  const r = rollout(w, plan({ maxUnavailable: { count: 2 } }));
  t.same(begun(advance(r, w.look, 1000)), ['start w1', 'start w2'], 'both down units are started at once: that takes nothing out');
  w.set('w1', 'serving');
  t.same(observe(r, 'w1', { ok: true }, w.look, 1500), [], 'w2 still on its way back');
  w.set('w2', 'serving');
  t.same(begun(observe(r, 'w2', { ok: true }, w.look, 2000)), ['restart w3', 'restart w4']);
});

t.test('a unit done earlier that falls over holds the rollout while it comes back, and stops it when it stays down', async (t) => {
  const w = new World();
  const r = rollout(w, plan(), ['w1', 'w2', 'w3']);
  advance(r, w.look, 1000);
  observe(r, 'w1', { ok: true }, w.look, 2000); // w2 now in progress
  w.set('w1', 'coming'); // w1 crashed and restarts on its own
  t.same(observe(r, 'w2', { ok: true }, w.look, 3000), [], 'w1 is out: w3 waits');
  w.set('w1', 'serving');
  t.same(begun(advance(r, w.look, 3500)), ['restart w3'], 'w1 back: w3 goes');
  w.set('w1', 'stuck');
  const out = observe(r, 'w3', { ok: true }, w.look, 4000);
  t.same(begun(out), ['finished'], 'nothing left to do: done, w1 is not the rollout\'s to fix');

  const w2 = new World();
  const r2 = rollout(w2, plan(), ['w1', 'w2', 'w3']);
  advance(r2, w2.look, 1000);
  w2.set('w1', 'stuck');
  t.same(begun(observe(r2, 'w1', { ok: true }, w2.look, 2000)), ['finished'], 'over budget with w1 down for good: the rollout stops');
  t.match(r2, { state: 'error', error: { unit: 'w1', reason: /w1 is down: taking out another unit would exceed the rollout's budget of 1/ } });
  t.same(states(r2), ['ok', 'pending', 'pending'], 'nothing that serves was touched');
});

t.test('an error stops the rollout there and leaves the later steps pending', async (t) => {
  const w = new World();
  const r = rollout(w, plan());
  advance(r, w.look, 1000);
  observe(r, 'w1', { ok: true }, w.look, 2000);
  t.same(begun(observe(r, 'w2', { ok: false, reason: 'not ready after 30s' }, w.look, 3000)), ['finished']);
  t.same(states(r), ['ok', 'error', 'pending', 'pending', 'pending']);
  t.match(r, { state: 'error', error: { unit: 'w2', reason: 'not ready after 30s' }, finished: 3000 });
  t.equal(r.steps[1]?.reason, 'not ready after 30s');
  t.match(r.steps[2]?.reason, /not started: the rollout stopped at w2/);
});

t.test('an error in a half waits for the rest of that half, then stops', async (t) => {
  const w = new World();
  const r = rollout(w, plan({ strategy: 'half-by-half' }));
  advance(r, w.look, 1000);
  t.same(observe(r, 'w1', { ok: false, reason: 'lb.disable hook failed' }, w.look, 2000), [], 'w2 and w3 are still restarting');
  t.same(observe(r, 'w2', { ok: true }, w.look, 2100), []);
  t.same(begun(observe(r, 'w3', { ok: false, reason: 'exited with code 1 before ready' }, w.look, 2200)), ['finished']);
  t.same(states(r), ['error', 'ok', 'error', 'pending', 'pending']);
  t.same(r.error, { unit: 'w1', reason: 'lb.disable hook failed' }, 'the first error is the one reported');
});

t.test('canary: the first unit alone, soaking; the rest only after the soak', async (t) => {
  const w = new World();
  const r = rollout(w, plan({ canary: 5000, maxUnavailable: { count: 2 } }));
  t.same(begun(advance(r, w.look, 1000)), ['restart w1'], 'the canary goes alone, whatever the budget');
  t.same(observe(r, 'w1', { ok: true }, w.look, 2000), [{ kind: 'soak', until: 7000 }]);
  t.same(states(r), ['in-progress', 'pending', 'pending', 'pending', 'pending'], 'the canary step soaks');
  t.same(advance(r, w.look, 3000), [], 'nothing during the soak');
  t.same(soakElapsed(r, w.look, 6999), [], 'not yet');
  t.same(begun(soakElapsed(r, w.look, 7000)), ['restart w2', 'restart w3']);
  t.equal(r.steps[0]?.state, 'ok');
});

t.test('canary: failing during the soak stops the rollout before any other unit is touched', async (t) => {
  const w = new World();
  const r = rollout(w, plan({ canary: 5000 }));
  advance(r, w.look, 1000);
  observe(r, 'w1', { ok: true }, w.look, 2000);
  t.same(begun(observe(r, 'w1', { ok: false, reason: 'health check failed during its soak' }, w.look, 4000)), ['finished']);
  t.match(r, { state: 'error', error: { unit: 'w1', reason: /^canary health check failed/ } });
  t.same(states(r), ['error', 'pending', 'pending', 'pending', 'pending'], 'no other unit touched');
  t.equal(r.soakUntil, null);

  const w2 = new World();
  const r2 = rollout(w2, plan({ canary: 5000 }));
  advance(r2, w2.look, 1000);
  observe(r2, 'w1', { ok: true }, w2.look, 2000);
  w2.set('w1', 'coming');
  t.same(begun(soakElapsed(r2, w2.look, 7000)), ['finished'], 'not serving when the soak ends: failed');
  t.match(r2.error, { unit: 'w1', reason: /left ready during its soak/ });

  const w3 = new World();
  const r3 = rollout(w3, plan({ canary: 5000 }));
  advance(r3, w3.look, 1000);
  t.same(begun(observe(r3, 'w1', { ok: false, reason: 'did not come back ready' }, w3.look, 2000)), ['finished'], 'a canary that does not come back stops it too');
  t.same(states(r3), ['error', 'pending', 'pending', 'pending', 'pending']);
});

t.test('cancel: pending steps are canceled, the one in progress finishes; a soaking canary ends ok', async (t) => {
  const w = new World();
  const r = rollout(w, plan(), ['w1', 'w2', 'w3']);
  advance(r, w.look, 1000);
  t.same(cancel(r, w.look, 1500), [], 'w1 is still restarting');
  t.same(states(r), ['in-progress', 'canceled', 'canceled']);
  t.equal(r.state, 'canceled');
  t.ok(isActive(r));
  t.same(begun(observe(r, 'w1', { ok: true }, w.look, 2000)), ['finished']);
  t.match(r, { state: 'canceled', finished: 2000 });
  t.same(cancel(r, w.look, 3000), [], 'canceling a finished rollout does nothing');

  const r2 = rollout(w, plan({ canary: 10_000 }), ['w1', 'w2']);
  advance(r2, w.look, 1000);
  observe(r2, 'w1', { ok: true }, w.look, 2000);
  t.same(begun(cancel(r2, w.look, 3000)), ['finished']);
  t.same(states(r2), ['ok', 'canceled']);
});

t.test('interrupt: the step in progress is an error, the rollout is interrupted', async (t) => {
  const w = new World();
  const r = rollout(w, plan(), ['w1', 'w2', 'w3']);
  advance(r, w.look, 1000);
  observe(r, 'w1', { ok: true }, w.look, 2000);
  interrupt(r, 2500);
  t.match(r, { state: 'interrupted', finished: 2500 });
  t.same(states(r), ['ok', 'error', 'pending']);
  t.match(r.steps[1]?.reason, /interrupted/);
  t.same(advance(r, w.look, 3000), []);
  interrupt(r, 4000);
  t.equal(r.finished, 2500, 'a second interrupt changes nothing');
});

t.test('a rollout of no units finishes ok at the first advance', async (t) => {
  const w = new World();
  const r = rollout(w, plan({ strategy: 'half-by-half' }), []);
  t.same(advance(r, w.look, 1000), [{ kind: 'finished' }]);
  t.equal(r.state, 'ok');
});
