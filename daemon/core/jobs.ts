// Jobs: an operator's command that waits (`supctl start` until ready, `stop` until down).
// A job settles when every unit it waits on got there, or at the first unit that failed to.
import type { Unit } from './model.js';

export type JobWant =
  /** Ready with a process of generation ≥ minGen (a restart needs a new one). */
  | { kind: 'ready'; minGen: number }
  | { kind: 'down' };

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
};

interface Job {
  id: string;
  names: string[];
  pending: Map<string, JobWant>;
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

  open(id: string, wants: Map<string, JobWant>, out: JobEffect[] | unknown[], lookup: Lookup): void {
    const job: Job = { id, names: [...wants.keys()], pending: new Map(wants), forced: new Set() };
    this.jobs.set(id, job);
    for (const name of wants.keys()) {
      let ids = this.index.get(name);
      if (ids === undefined) this.index.set(name, (ids = new Set()));
      ids.add(id);
    }
    for (const name of [...wants.keys()]) {
      const u = lookup(name);
      if (u !== undefined && this.evaluate(job, u, out as JobEffect[])) return;
    }
    if (job.pending.size === 0) this.finish(job, true, [], out as JobEffect[]);
  }

  /** Called on each state change of a unit. */
  observe(u: Unit, out: unknown[], lookup: Lookup): void {
    const ids = this.index.get(u.name);
    if (ids === undefined) return;
    for (const id of [...ids]) {
      const job = this.jobs.get(id);
      if (job !== undefined) this.evaluate(job, u, out as JobEffect[]);
    }
    // A unit that failed fails the jobs waiting on units that wait for it.
    if (u.s.state === 'failed') {
      for (const job of [...this.jobs.values()]) {
        for (const [name, want] of job.pending) {
          const w = lookup(name);
          if (want.kind === 'ready' && w?.s.state === 'waiting' && w.s.missing.includes(u.name)) {
            this.finish(job, false, [{ unit: name, reason: `requires ${u.name}, which failed: ${u.reason}` }], out as JobEffect[]);
            break;
          }
        }
      }
    }
  }

  /** Returns true when the job finished. */
  private evaluate(job: Job, u: Unit, out: JobEffect[]): boolean {
    const want = job.pending.get(u.name);
    if (want === undefined) return false;
    if (u.forced) job.forced.add(u.name);
    const s = u.s.state;
    if (want.kind === 'down') {
      if (s === 'inactive' || s === 'failed') job.pending.delete(u.name);
    } else if (s === 'ready' && u.gen >= want.minGen) {
      job.pending.delete(u.name);
    } else if (s === 'failed' || ((s === 'backoff' || s === 'inactive') && u.gen >= want.minGen) || (s === 'inactive' && u.goal === 'down')) {
      this.finish(job, false, [{ unit: u.name, reason: u.reason }], out);
      return true;
    }
    if (job.pending.size === 0) {
      this.finish(job, job.forced.size === 0, [], out);
      return true;
    }
    return false;
  }

  private finish(job: Job, ok: boolean, failures: JobFailure[], out: JobEffect[]): void {
    if (!this.jobs.delete(job.id)) return;
    for (const name of job.names) {
      const ids = this.index.get(name);
      ids?.delete(job.id);
      if (ids?.size === 0) this.index.delete(name);
    }
    out.push({ kind: 'jobDone', job: job.id, ok, failures, forced: [...job.forced] });
  }

  /** Ends every open job (supd is going away). */
  abortAll(reason: string, out: JobEffect[]): void {
    for (const job of [...this.jobs.values()]) this.finish(job, false, [{ unit: '*', reason }], out);
  }
}
