// Jobs: an operator's command that waits (`supctl start a b c` until ready, `stop` until down),
// and the one outcome check that jobs and rollout steps share: "the unit reached ready with a
// process of generation ≥ g" (or down), or it failed. A job covers every unit it touched
// (targets, the requirements it started, the dependents it stopped), waits for each one's outcome
// without stopping at the first failure, and reports them all.
import { type Unit } from './model.js';

export type JobWant =
  /** Ready with a process of generation ≥ minGen (a restart needs a new one); with `lb`, also
   * back in the load balancer (the lb.enable hook ran) when the unit has such a hook. */
  | { kind: 'ready'; minGen: number; lb: boolean }
  | { kind: 'down' };

export type Verdict = { done: false } | { done: true; ok: true } | { done: true; ok: false; reason: string };

const PENDING: Verdict = { done: false };
const OK: Verdict = { done: true, ok: true };

/** What a start or restart of `u` must reach: the one place the generation is computed. A start
 * of a running process (starting, ready) waits for that process; anything else needs a new one. */
export function wantReady(u: Unit, action: 'start' | 'restart', lb = false): JobWant {
  const running = u.s.state === 'starting' || u.s.state === 'ready';
  return { kind: 'ready', minGen: action === 'start' && running ? u.gen : u.gen + 1, lb };
}

/** The one outcome check. `lbHook`: the unit has an lb.enable hook (a rollout waits for it). */
export function judge(u: Unit, want: JobWant, lbHook = false): Verdict {
  const s = u.s.state;
  if (want.kind === 'down') return s === 'inactive' || s === 'failed' ? OK : PENDING;
  if (s === 'ready' && u.gen >= want.minGen) return want.lb && lbHook && u.lbDisabled ? PENDING : OK;
  // The new process ran and went down (a crash, a failed ready check), or the goal turned down.
  if (s === 'failed' || ((s === 'backoff' || s === 'inactive') && u.gen >= want.minGen) || (s === 'inactive' && u.goal === 'down')) {
    return { done: true, ok: false, reason: u.reason };
  }
  return PENDING;
}

export type JobRole = 'target' | 'requirement' | 'dependent';
/** done: got there; already: was there before the job; failed; forced: stopped after a drain
 * that hit its timeout. */
export type JobOutcomeKind = 'done' | 'already' | 'failed' | 'forced';

export interface JobOutcome {
  unit: string;
  role: JobRole;
  outcome: JobOutcomeKind;
  reason: string | null;
}

export interface JobFailure {
  unit: string;
  reason: string;
}

export type JobEffect = {
  kind: 'jobDone';
  job: string;
  ok: boolean;
  failures: JobFailure[];
  /** Units whose drain hit its timeout during the job. */
  forced: string[];
  /** Every unit the job covered, in the order it was opened with. */
  outcomes: JobOutcome[];
};

/** One unit of a job as the fleet opens it. */
export interface JobEntry {
  want: JobWant;
  role: JobRole;
  /** Already where the job wants it before the job acted. */
  already: boolean;
}

interface Job {
  id: string;
  names: string[];
  entries: Map<string, JobEntry>;
  pending: Set<string>;
  results: Map<string, JobOutcome>;
  forced: Set<string>;
}

type Lookup = (name: string) => Unit | undefined;

export class JobBook {
  private jobs = new Map<string, Job>();
  /** unit → ids of the open jobs waiting on it. */
  private index = new Map<string, Set<string>>();

  get size(): number {
    return this.jobs.size;
  }

  open(id: string, entries: Map<string, JobEntry>, out: unknown[], lookup: Lookup): void {
    const job: Job = { id, names: [...entries.keys()], entries, pending: new Set(), results: new Map(), forced: new Set() };
    this.jobs.set(id, job);
    for (const [name, e] of entries) {
      if (e.already) {
        job.results.set(name, { unit: name, role: e.role, outcome: 'already', reason: null });
        continue;
      }
      job.pending.add(name);
      let ids = this.index.get(name);
      if (ids === undefined) this.index.set(name, (ids = new Set()));
      ids.add(id);
    }
    for (const name of [...job.pending]) {
      const u = lookup(name);
      if (u === undefined) this.resolve(job, name, 'failed', 'no such unit');
      else this.evaluate(job, u, lookup);
    }
    this.maybeFinish(job, out);
  }

  /** Called on each state change of a unit. */
  observe(u: Unit, out: unknown[], lookup: Lookup): void {
    const ids = this.index.get(u.name);
    if (ids === undefined) return;
    for (const id of [...ids]) {
      const job = this.jobs.get(id);
      if (job === undefined) continue;
      this.evaluate(job, u, lookup);
      this.maybeFinish(job, out);
    }
  }

  private evaluate(job: Job, u: Unit, lookup: Lookup): void {
    const entry = job.entries.get(u.name);
    if (entry === undefined || !job.pending.has(u.name)) return;
    if (u.forced) job.forced.add(u.name);
    const v = judge(u, entry.want);
    if (v.done) {
      if (!v.ok) this.resolve(job, u.name, 'failed', v.reason);
      else this.resolve(job, u.name, job.forced.has(u.name) ? 'forced' : 'done', job.forced.has(u.name) ? 'the drain hit its timeout: stopped anyway' : null);
    } else if (entry.want.kind === 'ready' && u.s.state === 'waiting') {
      // Waiting on a requirement that failed (in this job, or for good) is a failure too.
      for (const m of u.s.missing) {
        const r = job.results.get(m);
        const mu = lookup(m);
        if (r?.outcome === 'failed' || mu?.s.state === 'failed') {
          this.resolve(job, u.name, 'failed', `requires ${m}, which failed: ${r?.reason ?? mu?.reason ?? ''}`);
          break;
        }
      }
    }
    // A failure here may decide the units of the job that wait on this one.
    if (job.results.get(u.name)?.outcome === 'failed') {
      for (const name of [...job.pending]) {
        const w = lookup(name);
        if (w?.s.state === 'waiting' && w.s.missing.includes(u.name)) this.evaluate(job, w, lookup);
      }
    }
  }

  private resolve(job: Job, name: string, outcome: JobOutcomeKind, reason: string | null): void {
    if (!job.pending.delete(name)) return;
    const role = job.entries.get(name)?.role ?? 'target';
    job.results.set(name, { unit: name, role, outcome, reason });
    const ids = this.index.get(name);
    ids?.delete(job.id);
    if (ids?.size === 0) this.index.delete(name);
  }

  private maybeFinish(job: Job, out: unknown[]): void {
    if (job.pending.size > 0 || !this.jobs.delete(job.id)) return;
    const outcomes = job.names.map((n) => job.results.get(n) as JobOutcome);
    const failures = outcomes.filter((o) => o.outcome === 'failed').map((o) => ({ unit: o.unit, reason: o.reason ?? '' }));
    const forced = outcomes.filter((o) => o.outcome === 'forced').map((o) => o.unit);
    const done: JobEffect = { kind: 'jobDone', job: job.id, ok: failures.length === 0 && forced.length === 0, failures, forced, outcomes };
    out.push(done);
  }

  /** Ends every open job (supd is going away). */
  abortAll(reason: string, out: unknown[]): void {
    for (const job of [...this.jobs.values()]) {
      for (const name of [...job.pending]) this.resolve(job, name, 'failed', reason);
      this.maybeFinish(job, out);
    }
  }
}
