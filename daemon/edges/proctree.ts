// Process trees from /proc: find what belongs to a unit (descendants, its process group and
// session) and SIGKILL all of it until nothing is left. Linux only, like the rest of supd.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep, setImmediate as yieldLoop } from 'node:timers/promises';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  /** One letter: R, S, D, Z, … */
  state: string;
  /** Start time in clock ticks since boot: with the pid, it names one process, never a reuse. */
  start: number;
}

/** The fields of a /proc/<pid>/stat line supd uses, per proc(5). The command name may hold spaces
 * and parentheses, so fields are counted after the last ')'. */
export interface StatLine {
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
  start: number;
  rssPages: number;
}

export function parseStat(text: string): StatLine | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // f[0] is field 3 (state): ppid 4, pgrp 5, session 6, utime 14, stime 15, starttime 22, rss 24.
  const f = text.slice(close + 2).split(' ', 22);
  if (f.length < 22) return null;
  const n = [1, 2, 3, 11, 12, 19, 21].map((i) => Number(f[i]));
  if (!n.every(Number.isFinite)) return null;
  const [ppid, pgrp, session, utime, stime, start, rssPages] = n as [number, number, number, number, number, number, number];
  return { state: f[0] ?? '?', ppid, pgrp, session, ticks: utime + stime, start, rssPages };
}

export function readProc(pid: number): ProcInfo | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const st = parseStat(text);
  return st === null ? null : { pid, state: st.state, ppid: st.ppid, pgrp: st.pgrp, session: st.session, start: st.start };
}

/** A zombie or dead process has no code left to run: it only waits for its parent to reap it
 * (and on hosts whose pid 1 never reaps, that can be forever). */
export function isGone(pid: number): boolean {
  const p = readProc(pid);
  return p === null || p.state === 'Z' || p.state === 'X';
}

/** Every process, read synchronously in batches (a stat read costs microseconds; the async
 * API would cost four thread-pool round trips per process) and yielding between batches. */
export async function scanProcs(): Promise<ProcInfo[]> {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcInfo[] = [];
  let n = 0;
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const p = readProc(Number(name));
    if (p) out.push(p);
    if (++n % 256 === 0) await yieldLoop();
  }
  return out;
}

/** What belongs to `root`: its descendants, its process group and its session (a unit's main
 * process leads both), and their descendants. Zombies, pid 1 and supd itself are left out. */
export function membersOf(root: number, procs: ProcInfo[]): number[] {
  const children = new Map<number, number[]>();
  const seeds: number[] = [];
  for (const p of procs) {
    let list = children.get(p.ppid);
    if (!list) children.set(p.ppid, (list = []));
    list.push(p.pid);
    if (p.pid === root || p.pgrp === root || p.session === root) seeds.push(p.pid);
  }
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const seen = new Set<number>();
  const stack = [...seeds];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  const out: number[] = [];
  for (const pid of seen) {
    const p = byPid.get(pid);
    if (!p || p.state === 'Z' || p.state === 'X' || pid === 1 || pid === process.pid) continue;
    out.push(pid);
  }
  return out;
}

/**
 * process.kill, answering the errno instead of throwing: a process already gone is the common
 * case here (an exit, a stop of hundreds), and the ErrnoException it throws captures a stack
 * trace each time, the larger part of the call's cost. Null when the signal was sent.
 */
function kill(pid: number, signal: NodeJS.Signals | 0): string | null {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(pid, signal);
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Sends `signal` to a process group, falling back to the single process when `pid` leads
 * no group. Returns false when neither exists (or may not be signalled). */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  return kill(-pid, signal) === null || kill(pid, signal) === null;
}

/** Sends `signal` to one process; one already gone is not an error (false). */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  return kill(pid, signal) === null;
}

/** True when no process of group `pgid` can still run (none left, or only zombies). */
export function groupEmpty(pgid: number): boolean {
  return kill(-pgid, 0) === 'ESRCH';
}

/** SIGKILLs `root`, its group, its session and all their descendants, rescanning until a
 * scan finds nothing alive (a process may fork while we kill). Resolves with the pids still
 * alive at `timeoutMs` (empty when all are gone); processes stuck in uninterruptible sleep
 * are the only ones that can outlive SIGKILL for long. */
export async function killTree(root: number, timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  signalGroup(root, 'SIGKILL');
  for (;;) {
    const targets = membersOf(root, await scanProcs());
    if (targets.length === 0) return [];
    for (const pid of targets) signalPid(pid, 'SIGKILL');
    const alive = await waitGone(targets, deadline);
    if (alive.length > 0) return alive;
  }
}

/** Waits, polling with a growing pause (1 ms up to 50 ms), until none of `pids` can run any
 * more or `deadline` (a Date.now() time) passes; resolves with those still alive. */
export async function waitGone(pids: readonly number[], deadline: number): Promise<number[]> {
  let delay = 1;
  let alive = pids.filter((pid) => !isGone(pid));
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
    alive = alive.filter((pid) => !isGone(pid));
  }
  return alive;
}

/** SIGKILLs child processes of supd's own (short-lived helpers: a unit-file loader, an `ss`)
 * and resolves once each has exited and been reaped, or after `boundMs`: at shutdown none may
 * outlive supd. */
export async function killChildren(children: Iterable<ChildProcess>, boundMs = 1000): Promise<void> {
  await Promise.all([...children].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const bound = setTimeout(resolve, boundMs);
    child.once('exit', () => {
      clearTimeout(bound);
      resolve();
    });
    child.kill('SIGKILL');
  })));
}
