// The fleet's rollouts, inside the core: it opens them (an operator's rolling restart, or a
// master's settled metadata change), feeds each unit change to the step machine (core/rollout),
// performs the steps it returns through the fleet, folds a metadata change that arrives during a
// rollout into one more pass after it, and reports each rollout that changed. Pure: the fleet is
// reached through a small driver, and rollouts are plain data the shell persists.
import type { RolloutSpec } from '../../units/types.js';
import { judge, wantReady, type JobWant } from './jobs.js';
import type { Unit } from './model.js';
import { healthFails } from './machine.js';
import {
  advance, cancel, createRollout, interrupt, isActive, observe, soakElapsed,
  type Availability, type Look, type Rollout, type RolloutAction, type RolloutPlan,
} from './rollout.js';

/** What the book needs of the fleet during one pass. */
export interface RolloutDriver {
  readonly now: number;
  unit(name: string): Unit | undefined;
  /** The unit has an lb.enable hook: a step is done once it put the unit back. */
  hasLbEnable(name: string): boolean;
  /** Starts a unit that is down (and what it requires); `by` names the rollout in the reasons. */
  start(unit: string, by: string): void;
  /** Takes a unit out of service (drained when safe, lb hooks strict), restarts it, puts it back. */
  restart(unit: string, safe: boolean, by: string): void;
  setTimer(key: string, due: number): void;
}

/** Timer keys of rollouts (a canary's soak) are `rollout\0<id>`. */
export const ROLLOUT_TIMER = 'rollout';
/** Finished rollouts kept for `supctl rollouts`. */
const KEEP = 50;

export interface OpenRollout {
  target: string;
  units: string[];
  plan: RolloutPlan;
  safe: boolean;
  trigger: string;
  job: string | null;
}

export function planOf(spec: RolloutSpec): RolloutPlan {
  return { strategy: spec.strategy, maxUnavailable: spec.maxUnavailable, canary: spec.canary };
}

/** serving: ready; stuck: down for good unless started (failed, inactive, stopping for good);
 * coming: anything on its way back up. */
export function availability(u: Unit | undefined): Availability {
  if (u === undefined) return 'stuck';
  const s = u.s.state;
  if (s === 'ready') return 'serving';
  if (s === 'failed' || s === 'inactive' || u.goal === 'down') return 'stuck';
  if ((s === 'stopping' || s === 'draining') && u.s.then === 'down') return 'stuck';
  return 'coming';
}

export class RolloutBook {
  /** Every rollout kept, oldest first. */
  private all: Rollout[] = [];
  /** unit → the active rollouts it is part of. */
  private byUnit = new Map<string, Set<Rollout>>();
  /** rollout id → unit → what its step in progress waits for. */
  private wants = new Map<string, Map<string, JobWant>>();
  private seq = 0;
  private changed = new Set<Rollout>();

  list(): readonly Rollout[] {
    return this.all;
  }

  get(id: string): Rollout | undefined {
    return this.all.find((r) => r.id === id);
  }

  /** The active rollout that holds any of these units. */
  activeFor(units: readonly string[]): Rollout | undefined {
    for (const u of units) {
      const rs = this.byUnit.get(u);
      if (rs !== undefined) for (const r of rs) return r;
    }
    return undefined;
  }

  stepOf(unit: string): { id: string; step: Rollout['steps'][number]['state'] } | null {
    const rs = this.byUnit.get(unit);
    if (rs === undefined) return null;
    for (const r of rs) {
      const s = r.steps.find((x) => x.unit === unit);
      if (s !== undefined) return { id: r.id, step: s.state };
    }
    return null;
  }

  /** The rollouts that changed since the last call (each once). */
  takeChanged(): Rollout[] {
    const out = [...this.changed];
    this.changed.clear();
    return out;
  }

  open(d: RolloutDriver, init: OpenRollout): Rollout {
    const look = this.look(d);
    const id = `r${d.now.toString(36)}${(++this.seq).toString(36)}`;
    const r = createRollout({ id, ...init, now: d.now }, look);
    this.all.push(r);
    if (this.all.length > KEEP * 2) this.all = this.all.filter((x, i) => isActive(x) || i >= this.all.length - KEEP);
    this.wants.set(r.id, new Map());
    for (const s of r.steps) {
      let set = this.byUnit.get(s.unit);
      if (set === undefined) this.byUnit.set(s.unit, (set = new Set()));
      set.add(r);
    }
    this.changed.add(r);
    this.perform(d, r, advance(r, look, d.now));
    return r;
  }

  cancel(d: RolloutDriver, id: string): Rollout | undefined {
    const r = this.get(id);
    if (r === undefined) return undefined;
    this.changed.add(r);
    this.perform(d, r, cancel(r, this.look(d), d.now));
    return r;
  }

  /** A unit's state changed: judge its step in progress, then let its rollouts go on. */
  onUnit(d: RolloutDriver, u: Unit): void {
    const rs = this.byUnit.get(u.name);
    if (rs === undefined) return;
    const look = this.look(d);
    for (const r of [...rs]) {
      const want = this.wants.get(r.id)?.get(u.name);
      const stepping = want !== undefined && r.steps.some((s) => s.unit === u.name && s.state === 'in-progress');
      let actions: RolloutAction[];
      if (stepping && r.soakUntil !== null) {
        // The canary soaks: leaving ready fails it at once.
        actions = u.s.state === 'ready' ? [] : observe(r, u.name, { ok: false, reason: `left ready during its soak: ${u.reason}` }, look, d.now);
      } else if (stepping) {
        const v = judge(u, want, d.hasLbEnable(u.name));
        if (!v.done) actions = advance(r, look, d.now);
        else actions = observe(r, u.name, v.ok ? { ok: true } : { ok: false, reason: `did not come back ready: ${v.reason}` }, look, d.now);
      } else {
        actions = advance(r, look, d.now);
      }
      this.changed.add(r);
      this.perform(d, r, actions);
    }
  }

  /** An lb hook of a unit finished: a failure fails its step; lb.enable may complete it. */
  onHook(d: RolloutDriver, u: Unit, purpose: 'lb-disable' | 'lb-enable', ok: boolean, message: string): void {
    if (ok) {
      this.onUnit(d, u);
      return;
    }
    const rs = this.byUnit.get(u.name);
    if (rs === undefined) return;
    for (const r of [...rs]) {
      if (this.wants.get(r.id)?.has(u.name) !== true) continue;
      this.changed.add(r);
      this.perform(d, r, observe(r, u.name, { ok: false, reason: `${purpose} hook ${message}` }, this.look(d), d.now));
    }
  }

  /** A probe result came in for a unit: a soaking canary must stay healthy. */
  onHealth(d: RolloutDriver, u: Unit): void {
    const fails = healthFails(u);
    if (fails === 0) return;
    const rs = this.byUnit.get(u.name);
    if (rs === undefined) return;
    for (const r of [...rs]) {
      if (r.soakUntil === null || this.wants.get(r.id)?.has(u.name) !== true) continue;
      this.changed.add(r);
      this.perform(d, r, observe(r, u.name, { ok: false, reason: `health check failed during its soak: ${fails} in a row` }, this.look(d), d.now));
    }
  }

  /** The timer of a rollout (a canary's soak) is due. */
  onTimer(d: RolloutDriver, id: string): void {
    const r = this.get(id);
    if (r === undefined) return;
    this.changed.add(r);
    this.perform(d, r, soakElapsed(r, this.look(d), d.now));
  }

  /** A master's metadata settled: its followers that are stale or down get one rollout, or one
   * more pass of the rollout already running over them. */
  onMetadata(d: RolloutDriver, target: string, followers: string[], spec: RolloutSpec, trigger: string): void {
    if (followers.length === 0) return;
    const running = this.activeFor(followers);
    if (running !== undefined) {
      running.again = trigger;
      this.changed.add(running);
      return;
    }
    this.open(d, { target, units: followers, plan: planOf(spec), safe: true, trigger, job: null });
  }

  /** supd is stopping: running rollouts end as interrupted. */
  interruptAll(now: number): void {
    for (const r of this.all) {
      if (!isActive(r)) continue;
      interrupt(r, now);
      this.forget(r);
      this.changed.add(r);
    }
  }

  /** The rollouts of the last run; one still running then was interrupted. */
  restore(saved: Rollout[], now: number): Rollout[] {
    const interrupted = saved.filter((r) => isActive(r));
    for (const r of interrupted) interrupt(r, now);
    this.all = [...saved, ...this.all].slice(-KEEP);
    for (const r of saved) this.changed.add(r);
    return interrupted;
  }

  private look(d: RolloutDriver): Look {
    return (name) => availability(d.unit(name));
  }

  private forget(r: Rollout): void {
    this.wants.delete(r.id);
    for (const s of r.steps) {
      const set = this.byUnit.get(s.unit);
      set?.delete(r);
      if (set?.size === 0) this.byUnit.delete(s.unit);
    }
  }

  private perform(d: RolloutDriver, r: Rollout, actions: RolloutAction[]): void {
    const wants = this.wants.get(r.id);
    for (const a of actions) {
      switch (a.kind) {
        case 'start':
        case 'restart': {
          const u = d.unit(a.unit);
          if (u === undefined) {
            this.perform(d, r, observe(r, a.unit, { ok: false, reason: 'no such unit' }, this.look(d), d.now));
            break;
          }
          wants?.set(a.unit, wantReady(u, a.kind, true));
          if (a.kind === 'start') d.start(a.unit, `rollout ${r.id}`);
          else d.restart(a.unit, r.safe, `rollout ${r.id}`);
          break;
        }
        case 'soak':
          d.setTimer(`${ROLLOUT_TIMER}\u0000${r.id}`, a.until);
          break;
        case 'finished':
          this.forget(r);
          if (r.again !== null && r.state !== 'canceled') {
            const trigger = r.again;
            r.again = null;
            this.open(d, { target: r.target, units: r.steps.map((s) => s.unit), plan: r.plan, safe: r.safe, trigger, job: null });
          }
          break;
      }
    }
  }
}
