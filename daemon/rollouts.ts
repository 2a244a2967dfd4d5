// Runs rollouts for the runtime: turns what the units do into rollout observations, restarts each
// batch through the fleet, keeps one rollout per unit at a time, coalesces metadata changes, and
// writes every rollout to `<stateDir>/rollouts.json` so a restarted supd reports an interrupted one.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { SupdError } from './errors.js';
import type { CommandResult, RolloutStepState, RolloutView } from './control.js';
import { advance, cancel, createRollout, interrupt, isActive, observe, type Rollout, type RolloutAction, type Strategy } from './core/rollout.js';
import type { Fleet, FleetEvent } from './core/fleet.js';
import { readStateJson } from './edges/state-files.js';

/** What the manager needs of the runtime. */
export interface RolloutHost {
  readonly fleet: Fleet;
  now(): number;
  dispatch(ev: FleetEvent): void;
  publish(e: { type: 'rollout'; rollout: RolloutView; at: string }): void;
}

interface Tracking {
  /** Per unit in progress: the generation its new process must reach. */
  minGen: Map<string, number>;
  waiters: ((r: Rollout) => void)[];
}

const KEEP = 50;

/** rollouts.json as supd writes it, checked field by field: anything else is set aside at boot. */
function isSavedRollouts(v: unknown): v is Rollout[] {
  const obj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  return Array.isArray(v) && v.every((r) => obj(r) && typeof r['id'] === 'string' && typeof r['target'] === 'string'
    && typeof r['strategy'] === 'string' && typeof r['state'] === 'string' && typeof r['created'] === 'number'
    && Array.isArray(r['steps']) && r['steps'].every((s) => obj(s) && typeof s['unit'] === 'string' && typeof s['state'] === 'string'));
}

export class RolloutManager {
  private rollouts: Rollout[] = [];
  private tracking = new Map<string, Tracking>();
  private seq = 0;

  constructor(private readonly host: RolloutHost, private readonly stateDir: string | null, private readonly log: Logger) {}

  private get file(): string | null {
    return this.stateDir === null ? null : path.join(this.stateDir, 'rollouts.json');
  }

  /** Loads the rollouts of the last run; one still running then was interrupted. */
  restoreInterrupted(): void {
    const file = this.file;
    if (file === null) return;
    const saved = readStateJson(file, isSavedRollouts, (f, reason, aside) =>
      this.log.error({ file: f, aside }, `${reason}; ${aside === null ? 'left in place' : `set aside as ${aside}`}; supd starts without the rollouts it held`));
    if (saved === null) return;
    try {
      for (const r of saved) {
        if (isActive(r)) {
          interrupt(r, this.host.now());
          this.log.warn({ rollout: r.id, target: r.target }, `rollout ${r.id} of ${r.target} was interrupted by a supd restart`);
        }
      }
      this.rollouts = saved;
      this.save();
    } catch (err) {
      this.log.warn({ err, file }, 'could not read saved rollouts; starting without them');
    }
  }

  private save(): void {
    const file = this.file;
    if (file === null) return;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(this.rollouts.slice(-KEEP)));
      fs.renameSync(tmp, file);
    } catch (err) {
      this.log.warn({ err, file }, 'could not save rollouts');
    }
  }

  list(): RolloutView[] {
    return this.rollouts.map(view);
  }

  get(id: string): RolloutView | null {
    const r = this.rollouts.find((x) => x.id === id);
    return r === undefined ? null : view(r);
  }

  stepOf(unit: string): { id: string; step: RolloutStepState } | null {
    for (let i = this.rollouts.length - 1; i >= 0; i--) {
      const r = this.rollouts[i] as Rollout;
      if (!isActive(r)) continue;
      const s = r.steps.find((x) => x.unit === unit);
      if (s !== undefined) return { id: r.id, step: s.state };
    }
    return null;
  }

  private activeFor(units: readonly string[]): Rollout | undefined {
    const set = new Set(units);
    return this.rollouts.find((r) => isActive(r) && r.steps.some((s) => set.has(s.unit)));
  }

  start(req: { target: string; units: string[]; strategy: Strategy; safe: boolean; trigger: string; wait: boolean }): Promise<CommandResult> {
    const busy = this.activeFor(req.units);
    if (busy !== undefined) {
      throw new SupdError('SUPD_CONFLICT', `a rollout (${busy.id}, ${busy.target}) is already running on ${req.target}`, {
        hint: `wait for it, or cancel it: POST /v1/rollouts/${busy.id}/cancel`,
      });
    }
    const now = this.host.now();
    const r = createRollout({ id: `r${now.toString(36)}${(++this.seq).toString(36)}`, ...req, now });
    this.rollouts.push(r);
    if (this.rollouts.length > KEEP * 2) this.rollouts = this.rollouts.filter((x, i) => isActive(x) || i >= this.rollouts.length - KEEP);
    const t: Tracking = { minGen: new Map(), waiters: [] };
    this.tracking.set(r.id, t);
    this.log.info({ rollout: r.id, target: r.target, strategy: r.strategy, trigger: r.trigger, units: req.units }, `rollout ${r.id} of ${r.target} started (${r.trigger})`);
    const done = new Promise<Rollout>((resolve) => t.waiters.push(resolve));
    this.perform(r, advance(r, now));
    if (!req.wait) return Promise.resolve(result(r));
    return done.then(result);
  }

  cancel(id: string): RolloutView {
    const r = this.rollouts.find((x) => x.id === id);
    if (r === undefined) throw new SupdError('SUPD_UNKNOWN_ROLLOUT', `no rollout with id "${id}"`);
    this.perform(r, cancel(r, this.host.now()));
    return view(r);
  }

  /** A running rollout whose units the metadata change concerns gets one more pass (coalesced). */
  coalesce(units: readonly string[], trigger: string): boolean {
    const r = this.activeFor(units);
    if (r === undefined) return false;
    r.again = trigger;
    this.log.info({ rollout: r.id, trigger }, `change during rollout ${r.id}: one more pass will follow`);
    return true;
  }

  /** Called on each transition of a unit and when its lb hooks finish. */
  onTransition(unit: string, hook?: { purpose: 'lb-disable' | 'lb-enable'; ok: boolean; message: string }): void {
    for (const r of this.rollouts) {
      if (!isActive(r)) continue;
      const minGen = this.tracking.get(r.id)?.minGen.get(unit);
      if (minGen === undefined) continue;
      const outcome = this.outcome(unit, minGen, hook);
      if (outcome !== null) this.perform(r, observe(r, unit, outcome, this.host.now()));
    }
  }

  private outcome(unit: string, minGen: number, hook?: { purpose: string; ok: boolean; message: string }): { ok: true } | { ok: false; reason: string } | null {
    const f = this.host.fleet;
    const u = f.units.get(unit);
    const spec = f.specs.get(unit);
    if (u === undefined || spec === undefined) return { ok: false, reason: 'unit removed during the rollout' };
    if (hook !== undefined && !hook.ok) return { ok: false, reason: `${hook.purpose} hook ${hook.message}` };
    const s = u.s.state;
    if (s === 'ready' && u.gen >= minGen) {
      // Ready again: done once the lb.enable hook (if any) put it back.
      if (spec.lb?.enable && u.lbDisabled) return hook?.purpose === 'lb-enable' && hook.ok ? { ok: true } : null;
      return { ok: true };
    }
    if (s === 'failed' || s === 'backoff' || (s === 'inactive' && (u.gen >= minGen || u.goal === 'down'))) {
      return { ok: false, reason: `did not come back ready: ${u.reason}` };
    }
    return null;
  }

  private perform(r: Rollout, actions: RolloutAction[]): void {
    for (const a of actions) {
      if (a.kind === 'restart') {
        const t = this.tracking.get(r.id);
        for (const name of a.units) {
          const u = this.host.fleet.units.get(name);
          t?.minGen.set(name, (u?.gen ?? 0) + 1);
        }
        this.log.info({ rollout: r.id, units: a.units }, `rollout ${r.id}: restarting ${a.units.join(', ')}`);
        this.host.dispatch({ type: 'restart', units: a.units, safe: r.safe, withDependents: false, strictLb: true, job: null, now: this.host.now() });
      } else {
        this.finished(r);
      }
    }
    this.save();
    this.host.publish({ type: 'rollout', rollout: view(r), at: new Date(this.host.now()).toISOString() });
  }

  private finished(r: Rollout): void {
    const t = this.tracking.get(r.id);
    this.tracking.delete(r.id);
    const msg = `rollout ${r.id} of ${r.target}: ${r.state}${r.error ? ` at ${r.error.unit}: ${r.error.reason}` : ''}`;
    if (r.state === 'ok') this.log.info({ rollout: r.id }, msg);
    else this.log.warn({ rollout: r.id, error: r.error }, msg);
    for (const w of t?.waiters ?? []) w(r);
    if (r.again !== null && r.state !== 'canceled') {
      const units = r.steps.map((s) => s.unit);
      const trigger = r.again;
      queueMicrotask(() => {
        this.start({ target: r.target, units, strategy: r.strategy, safe: r.safe, trigger, wait: false }).catch((err: unknown) =>
          this.log.warn({ err }, `the coalesced rollout of ${r.target} could not start`));
      });
    }
  }

  /** supd is stopping: running rollouts end as interrupted. */
  interruptAll(): void {
    for (const r of this.rollouts) {
      if (!isActive(r)) continue;
      interrupt(r, this.host.now());
      this.finished(r);
    }
    this.save();
  }

  onReload(): void {
    // Units a reload removed fail their steps through onTransition; nothing else to do.
  }
}

export function view(r: Rollout): RolloutView {
  return {
    id: r.id, target: r.target, strategy: r.strategy, state: r.state, trigger: r.trigger, safe: r.safe,
    created: new Date(r.created).toISOString(), finished: r.finished === null ? null : new Date(r.finished).toISOString(),
    error: r.error, steps: r.steps.map((s) => ({ unit: s.unit, batch: s.batch, state: s.state, reason: s.reason })),
  };
}

function result(r: Rollout): CommandResult {
  const ok = r.state === 'ok' || r.state === 'running';
  return {
    ok,
    units: r.steps.map((s) => s.unit),
    message: r.error ? `rollout ${r.id} ${r.state} at ${r.error.unit}: ${r.error.reason}` : `rollout ${r.id} of ${r.target}: ${r.state}`,
    failures: r.error ? [{ unit: r.error.unit, reason: r.error.reason, logTail: [] }] : [],
    forced: [],
    rollout: view(r),
  };
}
