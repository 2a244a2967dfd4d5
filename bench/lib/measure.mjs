// Timings taken from outside the supervisor: polls of /proc until the children it should have
// started, restarted or stopped are there (or gone).
import { ChildWatcher, cpuTicks, readStat } from './proc.mjs';
import { now, sleep } from './stats.mjs';

export class Timeout extends Error {
  constructor(what, ms) {
    super(`${what}: timed out after ${(ms / 1000).toFixed(0)} s`);
    this.name = 'Timeout';
  }
}

/**
 * Polls until done(count) holds for the number of workload children below roots. The poll
 * interval adapts to twice the cost of one scan so the bench never takes more than a third of
 * a core from the supervisor it measures. `failed` is a promise that aborts the wait (the CLI
 * that should have started them exited with an error).
 */
export async function waitChildren(roots, done, { timeoutMs, what, alive = false, comm = 'sleep', failed } = {}) {
  const watcher = new ChildWatcher(roots, comm);
  const t0 = now();
  let abort;
  failed?.then((e) => {
    if (e) abort = e;
  });
  for (;;) {
    const s0 = now();
    const count = watcher.scan(alive).length;
    const s1 = now();
    if (done(count)) return { ms: s1 - t0, count };
    if (abort) throw abort;
    if (s1 - t0 > timeoutMs) throw new Timeout(`${what} (${count} children)`, timeoutMs);
    await sleep(Math.max(1, 2 * (s1 - s0)));
  }
}

/**
 * Kills the idx-th child with SIGKILL and returns the ms until a new workload child is alive
 * below roots. The first 100 ms are busy-polled for sub-millisecond resolution; after that the
 * poll sleeps 1 ms between scans.
 */
export async function killOneAndWaitRestart(roots, idx, timeoutMs = 5000) {
  const watcher = new ChildWatcher(roots);
  const before = watcher.scan(true);
  if (before.length === 0) throw new Error('restart: no child to kill');
  const victim = before[idx % before.length];
  const old = new Set(before);
  const isNew = () => watcher.scan(false).some((p) => !old.has(p));
  const t0 = now();
  process.kill(victim, 'SIGKILL');
  while (now() - t0 < 100) if (isNew()) return now() - t0;
  for (;;) {
    if (isNew()) return now() - t0;
    if (now() - t0 > timeoutMs) throw new Timeout(`restart after kill -9 of ${victim}`, timeoutMs);
    await sleep(1);
  }
}

/** Polls a predicate every intervalMs until it holds, or throws Timeout. */
export async function waitFor(pred, { timeoutMs, what, intervalMs = 5 }) {
  const t0 = now();
  for (;;) {
    if (await pred()) return now() - t0;
    if (now() - t0 > timeoutMs) throw new Timeout(what, timeoutMs);
    await sleep(intervalMs);
  }
}

export function pidAlive(pid) {
  const st = readStat(pid);
  return st !== null && st.state !== 'Z';
}

/** Resolves once `pids` used no CPU for `quietMs`, or after `maxMs`. 2.5 s by default: longer than
 * the 1 s a restarted unit waits before it counts as ready, and than the 2 s after which supd
 * collects garbage once (a shorter window ended between the spawn and the ready). */
export async function waitQuiet(pids, roots, maxMs, quietMs = 2500) {
  const until = now() + maxMs;
  let last = cpuTicks(pids, roots);
  let quietSince = now();
  while (now() < until) {
    await sleep(250);
    const ticks = cpuTicks(pids, roots);
    if (ticks !== last) {
      last = ticks;
      quietSince = now();
    } else if (now() - quietSince >= quietMs) {
      return;
    }
  }
}
