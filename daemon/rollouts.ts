// Rollout persistence, off the dispatch path: the core holds and runs the rollouts; this shell
// writes them to `<stateDir>/rollouts.json` (so a restarted supd reports an interrupted one) in
// one coalesced asynchronous write after a burst of changes, and synchronously once more at
// shutdown so the final state is never lost. It also turns a rollout into its API view.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ROLLOUT_STATES, ROLLOUT_STEP_STATES, type CommandResult, type RollingOptions, type RolloutView } from './control.js';
import type { Rollout, RolloutPlan, RolloutStep } from './core/rollout.js';
import { readStateJson } from './edges/state-files.js';
import { SupdError } from './errors.js';
import { parseMaxUnavailable } from '../units/budget.js';
import { parseDuration } from '../units/duration.js';

/** Writes of a burst of changes are coalesced into one, this long after the first. */
const WRITE_DELAY_MS = 50;

export class RolloutStore {
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private writing = false;
  private closed = false;
  private seq = 0;

  constructor(
    private readonly stateDir: string | null,
    private readonly log: Logger,
    /** The rollouts to write, as the core holds them now. */
    private readonly current: () => readonly Rollout[],
  ) {}

  private get file(): string | null {
    return this.stateDir === null ? null : path.join(this.stateDir, 'rollouts.json');
  }

  /** The rollouts saved by the last run (those still running then are the core's to interrupt). */
  load(): Rollout[] {
    const file = this.file;
    if (file === null) return [];
    const saved = readStateJson(file, isSavedRollouts, (f, reason, aside) =>
      this.log.error({ file: f, aside }, `${reason}; ${aside === null ? 'left in place' : `set aside as ${aside}`}; supd starts without the rollouts it held`));
    return saved ?? [];
  }

  /** Something changed: one write follows shortly, whatever else changes meanwhile. */
  changed(): void {
    if (this.file === null || this.closed) return;
    this.dirty = true;
    if (this.timer === null && !this.writing) this.timer = setTimeout(() => void this.writeLater(), WRITE_DELAY_MS);
  }

  private async writeLater(): Promise<void> {
    this.timer = null;
    const file = this.file;
    if (file === null || this.closed || !this.dirty) return;
    this.dirty = false;
    this.writing = true;
    const tmp = `${file}.${++this.seq}.tmp`;
    try {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(tmp, serialise(this.current()));
      // The final synchronous write at shutdown wins over a write still in flight.
      if (this.closed) await fs.promises.rm(tmp, { force: true });
      else fs.renameSync(tmp, file);
    } catch (err) {
      this.log.warn({ err, file }, 'could not save rollouts');
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    } finally {
      this.writing = false;
    }
    if (this.dirty) this.changed();
  }

  /** Writes the current state now, synchronously, and stops writing (supd is stopping). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.closed = true;
    const file = this.file;
    if (file === null) return;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.final.tmp`;
      fs.writeFileSync(tmp, serialise(this.current()));
      fs.renameSync(tmp, file);
    } catch (err) {
      this.log.warn({ err, file }, 'could not save rollouts');
    }
  }
}

/** rollouts.json as supd writes it (or wrote it before rollouts had a plan), checked field by
 * field: anything else is set aside at boot. */
function isSavedRollouts(v: unknown): v is Rollout[] {
  if (!Array.isArray(v) || !v.every((x) => fromSaved(x) !== null)) return false;
  for (let i = 0; i < v.length; i++) v[i] = fromSaved(v[i]);
  return true;
}

function serialise(rollouts: readonly Rollout[]): string {
  return JSON.stringify(rollouts);
}

const STEP_STATES = new Set<string>(ROLLOUT_STEP_STATES);
const STATES = new Set<string>(ROLLOUT_STATES);

/** A saved rollout, checked field by field; older files (a `strategy` field, no plan) still load. */
function fromSaved(x: unknown): Rollout | null {
  if (typeof x !== 'object' || x === null) return null;
  const o = x as Record<string, unknown>;
  if (typeof o['id'] !== 'string' || typeof o['target'] !== 'string' || !Array.isArray(o['steps'])) return null;
  if (typeof o['state'] !== 'string' || !STATES.has(o['state'])) return null;
  const plan = (o['plan'] ?? { strategy: o['strategy'] ?? 'one-by-one', maxUnavailable: null, canary: null }) as RolloutPlan;
  const steps: RolloutStep[] = [];
  for (const s of o['steps'] as unknown[]) {
    if (typeof s !== 'object' || s === null) return null;
    const st = s as Record<string, unknown>;
    if (typeof st['unit'] !== 'string' || typeof st['state'] !== 'string' || !STEP_STATES.has(st['state'])) return null;
    steps.push({
      unit: st['unit'], batch: typeof st['batch'] === 'number' ? st['batch'] : 0, action: st['action'] === 'start' ? 'start' : 'restart',
      state: st['state'] as RolloutStep['state'], reason: typeof st['reason'] === 'string' ? st['reason'] : null,
    });
  }
  const num = (k: string): number | null => (typeof o[k] === 'number' ? o[k] : null);
  return {
    id: o['id'], target: o['target'], plan, budget: num('budget') ?? 1, safe: o['safe'] === true,
    trigger: typeof o['trigger'] === 'string' ? o['trigger'] : 'api', created: num('created') ?? 0, finished: num('finished'),
    state: o['state'] as Rollout['state'], error: (o['error'] ?? null) as Rollout['error'], steps, again: null, soakUntil: null,
    job: null, nextBatch: num('nextBatch') ?? 0,
  };
}

export function view(r: Rollout): RolloutView {
  const m = r.plan.maxUnavailable;
  return {
    id: r.id, target: r.target, strategy: r.plan.strategy,
    maxUnavailable: m === null ? null : 'count' in m ? String(m.count) : `${m.percent}%`,
    budget: r.budget, canary: r.plan.canary, state: r.state, trigger: r.trigger, safe: r.safe,
    created: new Date(r.created).toISOString(), finished: r.finished === null ? null : new Date(r.finished).toISOString(),
    error: r.error, steps: r.steps.map((s) => ({ unit: s.unit, batch: s.batch, action: s.action, state: s.state, reason: s.reason })),
  };
}

export function rolloutResult(r: Rollout): CommandResult {
  const ok = r.state === 'ok' || r.state === 'running';
  return {
    ok,
    units: r.steps.map((s) => s.unit),
    message: r.error ? `rollout ${r.id} ${r.state} at ${r.error.unit}: ${r.error.reason}` : `rollout ${r.id} of ${r.target}: ${r.state}`,
    failures: r.error ? [{ unit: r.error.unit, reason: r.error.reason, logTail: [] }] : [],
    forced: [],
    outcomes: [],
    rollout: view(r),
  };
}

/** Default soak time of a canary given without one (`--canary` alone). */
export const DEFAULT_CANARY_MS = 30_000;

/** A rolling restart's settings from an operator's request, checked. */
export function rolloutPlan(o: RollingOptions): RolloutPlan {
  const maxUnavailable = o.maxUnavailable === null ? null : parseMaxUnavailable(o.maxUnavailable);
  if (o.maxUnavailable !== null && maxUnavailable === null) {
    throw new SupdError('SUPD_BAD_REQUEST', `maxUnavailable: expected a count of units (1 or more) or a percentage like 25%, got "${o.maxUnavailable}"`);
  }
  let canary: number | null = null;
  if (o.canary !== null) {
    canary = o.canary === 'true' || o.canary === '' ? DEFAULT_CANARY_MS : parseDuration(o.canary);
    if (canary === null) throw new SupdError('SUPD_BAD_REQUEST', `canary: expected a soak time like 30s or 5m, got "${o.canary}"`);
  }
  return { strategy: o.strategy, maxUnavailable, canary };
}
