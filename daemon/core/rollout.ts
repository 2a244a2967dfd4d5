// A rolling restart as a pure step machine, independent of where a step executes: it emits
// "start unit X" (X was down) and "restart unit X" (take it out, restart it, put it back) and
// consumes each step's outcome and how each unit looks (serving or not). The fleet drives it for
// local units; a fleet rollout addresses the same steps to hosts.
//
// The budget (SPEC "Rolling restarts"): never more units of the rollout out of service than the
// strategy allows, counting units already not ready. Units already down are started first, each
// as a step, and no serving unit is taken out until they are ready. With a canary, the first unit
// is rolled alone and must stay ready and healthy for the soak time before any other is touched.
// The first failure stops the rollout; steps in progress finish on their own.
import type { RolloutState, RolloutStepState } from './states.js';

export type Strategy = 'one-by-one' | 'half-by-half';

/** `maxUnavailable`: a count of units, or a percentage of the rollout's units. */
export type MaxUnavailable = { count: number } | { percent: number };

export interface RolloutPlan {
  strategy: Strategy;
  /** Replaces the strategy's budget when set. */
  maxUnavailable: MaxUnavailable | null;
  /** Soak time of the canary in ms; null: no canary. */
  canary: number | null;
}

export type StepAction = 'start' | 'restart';

export interface RolloutStep {
  unit: string;
  batch: number;
  /** restart: taken out of service, restarted, put back; start: it was down, it is started. */
  action: StepAction;
  state: RolloutStepState;
  reason: string | null;
}

export interface Rollout {
  id: string;
  target: string;
  plan: RolloutPlan;
  /** Units that may be out of service at once. */
  budget: number;
  safe: boolean;
  trigger: string;
  created: number;
  finished: number | null;
  state: RolloutState;
  error: { unit: string; reason: string } | null;
  steps: RolloutStep[];
  /** A change that arrived meanwhile: one more pass runs after this one, with this trigger. */
  again: string | null;
  /** The canary is soaking until then (its step stays in progress). */
  soakUntil: number | null;
  /** The operator's job waiting for the outcome, if any. */
  job: string | null;
  /** The number of the next batch (steps begun together). */
  nextBatch: number;
}

/** How the machine sees a unit: serving (ready); coming (not ready, on its way up by itself:
 * starting, waiting, backoff); stuck (down, and stays down unless started: failed, inactive). */
export type Availability = 'serving' | 'coming' | 'stuck';
export type Look = (unit: string) => Availability;

export type RolloutAction =
  | { kind: 'start'; unit: string }
  | { kind: 'restart'; unit: string }
  /** Call soakElapsed at `until`. */
  | { kind: 'soak'; until: number }
  | { kind: 'finished' };

export type StepOutcome = { ok: true } | { ok: false; reason: string };

/** Units that may be out at once: 1 for one-by-one, the first half (ceil(n/2)) for half-by-half,
 * N or P% (rounded down) for maxUnavailable; never less than one. */
export function budgetOf(plan: RolloutPlan, n: number): number {
  const m = plan.maxUnavailable;
  let b: number;
  if (m !== null) b = 'count' in m ? m.count : Math.floor((n * m.percent) / 100);
  else b = plan.strategy === 'one-by-one' ? 1 : Math.ceil(n / 2);
  return Math.max(1, b);
}

/** The batches the rollout expects to run, as shown before it starts: the units already down
 * first (all at once, or the canary alone), then the serving ones in groups of the budget. */
export function planBatches(units: readonly string[], plan: RolloutPlan, look: Look): string[][] {
  const budget = budgetOf(plan, units.length);
  const down = units.filter((u) => look(u) !== 'serving');
  const up = units.filter((u) => look(u) === 'serving');
  const out: string[][] = [];
  const order = [...down, ...up];
  if (plan.canary !== null && order.length > 0) {
    out.push([order[0] as string]);
    if (down.length > 0) down.shift();
    else up.shift();
  }
  if (down.length > 0) out.push(down);
  for (let i = 0; i < up.length; i += budget) out.push(up.slice(i, i + budget));
  return out;
}

export function createRollout(
  init: {
    id: string; target: string; units: readonly string[]; plan: RolloutPlan; safe: boolean; trigger: string;
    job: string | null; now: number;
  },
  look: Look,
): Rollout {
  const steps = planBatches(init.units, init.plan, look).flatMap((batch, i) =>
    batch.map((unit): RolloutStep => ({ unit, batch: i, action: look(unit) === 'serving' ? 'restart' : 'start', state: 'pending', reason: null })));
  return {
    id: init.id, target: init.target, plan: init.plan, budget: budgetOf(init.plan, init.units.length), safe: init.safe,
    trigger: init.trigger, created: init.now, finished: null, state: 'running', error: null, steps, again: null,
    soakUntil: null, job: init.job, nextBatch: 0,
  };
}

export function isActive(r: Rollout): boolean {
  return r.finished === null;
}

const inProgress = (r: Rollout): RolloutStep[] => r.steps.filter((s) => s.state === 'in-progress');

function begin(r: Rollout, steps: RolloutStep[], action: StepAction): RolloutAction[] {
  const batch = r.nextBatch++;
  return steps.map((s) => {
    s.state = 'in-progress';
    s.batch = batch;
    s.action = action;
    return { kind: action, unit: s.unit };
  });
}

function finish(r: Rollout, now: number): RolloutAction[] {
  r.finished = now;
  r.soakUntil = null;
  return [{ kind: 'finished' }];
}

function fail(r: Rollout, unit: string, reason: string): void {
  if (r.state !== 'running') return;
  r.state = 'error';
  r.error = { unit, reason };
  for (const s of r.steps) if (s.state === 'pending') s.reason = `not started: the rollout stopped at ${unit}`;
}

/** Begins whatever the budget allows, or finishes the rollout. Call it after any change of any
 * unit of the rollout: a unit that comes back can free the budget. */
export function advance(r: Rollout, look: Look, now: number): RolloutAction[] {
  if (r.finished !== null) return [];
  const active = inProgress(r);
  if (r.state !== 'running') return active.length === 0 ? finish(r, now) : [];
  if (r.soakUntil !== null) return [];
  const pending = r.steps.filter((s) => s.state === 'pending');
  if (pending.length === 0) {
    if (active.length > 0) return [];
    r.state = 'ok';
    return finish(r, now);
  }
  const down = pending.filter((s) => look(s.unit) !== 'serving');
  const begun = r.steps.length - pending.length;
  // The canary: the first unit touched goes alone.
  if (r.plan.canary !== null && begun === 0) {
    const first = (down[0] ?? pending[0]) as RolloutStep;
    return begin(r, [first], down.length > 0 ? 'start' : 'restart');
  }
  if (r.plan.canary !== null && active.length > 0 && begun === active.length) return [];
  // Units already down are brought up first; that takes nothing out of service.
  if (down.length > 0) return begin(r, down, 'start');
  // No serving unit leaves while a down one is on its way back, or while a batch of a
  // wave strategy (one-by-one, half-by-half) is still out.
  if (active.some((s) => s.action === 'start')) return [];
  if (r.plan.maxUnavailable === null && active.length > 0) return [];
  const out = new Set(active.map((s) => s.unit));
  for (const s of r.steps) if (look(s.unit) !== 'serving') out.add(s.unit);
  const room = r.budget - out.size;
  if (room > 0) return begin(r, pending.slice(0, room), 'restart');
  if (active.length > 0) return [];
  // Over budget with nothing in progress: wait for units on their way back; a unit that stays
  // down (failed, stopped) blocks the rollout for good.
  const stuck = r.steps.find((s) => s.state !== 'pending' && look(s.unit) === 'stuck');
  if (stuck === undefined) return [];
  fail(r, stuck.unit, `${stuck.unit} is down: taking out another unit would exceed the rollout's budget of ${r.budget}`);
  return finish(r, now);
}

/** A unit of the rollout came back healthy (ok) or did not (reason). */
export function observe(r: Rollout, unit: string, outcome: StepOutcome, look: Look, now: number): RolloutAction[] {
  const step = r.steps.find((s) => s.unit === unit && s.state === 'in-progress');
  if (step === undefined) return [];
  if (outcome.ok) {
    if (r.soakUntil !== null) return [];
    const canary = r.plan.canary !== null && r.steps.every((s) => s === step || s.state === 'pending');
    if (canary && r.state === 'running' && (r.plan.canary ?? 0) > 0) {
      r.soakUntil = now + (r.plan.canary ?? 0);
      step.reason = 'canary: soaking';
      return [{ kind: 'soak', until: r.soakUntil }];
    }
    step.state = 'ok';
  } else {
    step.state = 'error';
    step.reason = outcome.reason;
    if (r.soakUntil !== null) {
      r.soakUntil = null;
      fail(r, unit, `canary ${outcome.reason}`);
    } else {
      fail(r, unit, outcome.reason);
    }
  }
  return advance(r, look, now);
}

/** The canary's soak time is over: it counts as ok if it is still serving. */
export function soakElapsed(r: Rollout, look: Look, now: number): RolloutAction[] {
  if (r.soakUntil === null || now < r.soakUntil) return [];
  const step = inProgress(r)[0];
  if (step !== undefined && look(step.unit) !== 'serving') return observe(r, step.unit, { ok: false, reason: 'left ready during its soak' }, look, now);
  r.soakUntil = null;
  if (step !== undefined) {
    step.state = 'ok';
    step.reason = null;
  }
  return advance(r, look, now);
}

/** Stops starting new steps; the steps in progress finish on their own (a soaking canary is done). */
export function cancel(r: Rollout, look: Look, now: number): RolloutAction[] {
  if (r.finished !== null) return [];
  if (r.state === 'running') r.state = 'canceled';
  for (const s of r.steps) if (s.state === 'pending') s.state = 'canceled';
  if (r.soakUntil !== null) {
    r.soakUntil = null;
    for (const s of inProgress(r)) {
      s.state = 'ok';
      s.reason = 'canary: soak cut short by cancel';
    }
  }
  return advance(r, look, now);
}

/** supd went away while the rollout ran: what was in progress is unknown. */
export function interrupt(r: Rollout, now: number): void {
  if (r.finished !== null) return;
  r.state = 'interrupted';
  r.finished = now;
  r.soakUntil = null;
  for (const s of r.steps) {
    if (s.state === 'in-progress') {
      s.state = 'error';
      s.reason = 'interrupted: supd stopped during this step';
    }
  }
}
