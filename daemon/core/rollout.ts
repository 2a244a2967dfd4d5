// A rolling restart as a step machine: units in batches (one by one, or half then half), each
// batch restarted only once the one before came back healthy; the first failure stops it there.
// Pure: the manager feeds in what it observes of the units and performs the restarts returned.
import type { RolloutState, RolloutStepState } from '../control.js';

export type Strategy = 'one-by-one' | 'half-by-half';

export interface RolloutStep {
  unit: string;
  batch: number;
  state: RolloutStepState;
  reason: string | null;
}

export interface Rollout {
  id: string;
  target: string;
  strategy: Strategy;
  safe: boolean;
  trigger: string;
  created: number;
  finished: number | null;
  state: RolloutState;
  error: { unit: string; reason: string } | null;
  steps: RolloutStep[];
  /** A change that arrived meanwhile: one more pass runs after this one, with this trigger. */
  again: string | null;
}

export type RolloutAction = { kind: 'restart'; units: string[] } | { kind: 'finished' };

/** one-by-one: a batch per unit; half-by-half: the first ceil(n/2), then the rest. */
export function planBatches(units: readonly string[], strategy: Strategy): string[][] {
  if (strategy === 'one-by-one') return units.map((u) => [u]);
  const half = Math.ceil(units.length / 2);
  return [units.slice(0, half), units.slice(half)].filter((b) => b.length > 0);
}

export function createRollout(
  init: { id: string; target: string; units: readonly string[]; strategy: Strategy; safe: boolean; trigger: string; now: number },
): Rollout {
  const steps = planBatches(init.units, init.strategy).flatMap((batch, i) =>
    batch.map((unit): RolloutStep => ({ unit, batch: i, state: 'pending', reason: null })));
  return {
    id: init.id, target: init.target, strategy: init.strategy, safe: init.safe, trigger: init.trigger,
    created: init.now, finished: null, state: 'running', error: null, steps, again: null,
  };
}

export function isActive(r: Rollout): boolean {
  return r.finished === null;
}

function inProgress(r: Rollout): RolloutStep[] {
  return r.steps.filter((s) => s.state === 'in-progress');
}

/** Starts the next batch when none is in progress, or finishes the rollout. */
export function advance(r: Rollout, now: number): RolloutAction[] {
  if (r.finished !== null || inProgress(r).length > 0) return [];
  if (r.state === 'running') {
    const next = r.steps.find((s) => s.state === 'pending');
    if (next !== undefined) {
      const batch = r.steps.filter((s) => s.batch === next.batch && s.state === 'pending');
      for (const s of batch) s.state = 'in-progress';
      return [{ kind: 'restart', units: batch.map((s) => s.unit) }];
    }
    r.state = 'ok';
  }
  r.finished = now;
  return [{ kind: 'finished' }];
}

/** A unit of the rollout came back healthy (ok) or did not (reason). */
export function observe(r: Rollout, unit: string, outcome: { ok: true } | { ok: false; reason: string }, now: number): RolloutAction[] {
  const step = r.steps.find((s) => s.unit === unit && s.state === 'in-progress');
  if (step === undefined) return [];
  if (outcome.ok) {
    step.state = 'ok';
  } else {
    step.state = 'error';
    step.reason = outcome.reason;
    if (r.state === 'running') {
      r.state = 'error';
      r.error = { unit, reason: outcome.reason };
    }
  }
  return advance(r, now);
}

/** Stops starting new steps; the steps in progress finish on their own. */
export function cancel(r: Rollout, now: number): RolloutAction[] {
  if (r.finished !== null) return [];
  if (r.state === 'running') r.state = 'canceled';
  for (const s of r.steps) if (s.state === 'pending') s.state = 'canceled';
  return advance(r, now);
}

/** supd went away while the rollout ran: what was in progress is unknown. */
export function interrupt(r: Rollout, now: number): void {
  if (r.finished !== null) return;
  r.state = 'interrupted';
  r.finished = now;
  for (const s of r.steps) {
    if (s.state === 'in-progress') {
      s.state = 'error';
      s.reason = 'interrupted: supd stopped during this step';
    }
  }
}
