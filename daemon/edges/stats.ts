// CPU and memory of many processes, read straight from /proc/<pid>/stat in one synchronous batch
// per sample (yielding every few hundred pids): a read costs a few microseconds, where pidusage
// spent a dozen thread-pool round trips per pid. Pids that have vanished (or were never there,
// or are zombies) are simply absent from the result.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { setImmediate as yieldLoop } from 'node:timers/promises';

export interface ProcStats {
  /** Percent of one core since the previous sample of this pid (the first: since it started). */
  cpu: number;
  /** Resident memory in bytes. */
  memory: number;
}

export interface Stats {
  /** Never rejects; lets the event loop in every few hundred pids. */
  sample(pids: number[]): Promise<Map<number, ProcStats>>;
  /** The same, synchronously (500 pids: a few ms), for a status that wants fresh figures now. */
  sampleNow(pids: number[]): Map<number, ProcStats>;
}

export interface StatsOptions {
  /** Where proc(5) is mounted; tests point it elsewhere. */
  procRoot?: string;
}

// The unit of utime, stime and starttime: USER_HZ, 100 on every architecture Node runs on
// (what `getconf CLK_TCK` prints; the kernel's own HZ does not show through).
const TICKS_PER_SECOND = 100;
const BATCH = 256;

interface Seen {
  /** starttime: with the pid it names one process, so a reused pid starts a fresh history. */
  start: number;
  ticks: number;
  /** performance.now() of the read, in ms. */
  at: number;
}

interface Stat {
  state: string;
  ticks: number;
  start: number;
  rssPages: number;
}

export function createStats(opts: StatsOptions = {}): Stats {
  const proc = opts.procRoot ?? '/proc';
  const buf = Buffer.alloc(4096);
  let seen = new Map<number, Seen>();
  let pageSize: number | null = null;

  function readStat(pid: number): Stat | null {
    let fd: number;
    try {
      fd = openSync(`${proc}/${pid}/stat`, 'r');
    } catch {
      return null;
    }
    let n = 0;
    try {
      n = readSync(fd, buf, 0, buf.length, 0);
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
    return parseStat(buf.toString('latin1', 0, n));
  }

  /** Seconds since boot, for the first sample of a pid (its age); null if unreadable. */
  function uptime(): number | null {
    try {
      const s = Number(readFileSync(`${proc}/uptime`, 'latin1').split(' ')[0]);
      return Number.isFinite(s) ? s : null;
    } catch {
      return null;
    }
  }

  /** One sample as a generator that pauses every BATCH pids: run straight through, or with the
   * event loop let in between batches. */
  function* collect(pids: number[]): Generator<void, Map<number, ProcStats>> {
    const out = new Map<number, ProcStats>();
    const asked = new Set(pids.filter((p) => Number.isInteger(p) && p > 0));
    if (asked.size === 0) return out;
    pageSize ??= detectPageSize();
    const boot = uptime();
    const next = new Map<number, Seen>();
    let n = 0;
    for (const pid of asked) {
      const st = readStat(pid);
      const at = performance.now();
      if (st !== null && st.state !== 'Z' && st.state !== 'X') {
        const prev = seen.get(pid);
        let cpu = 0;
        if (prev !== undefined && prev.start === st.start && at > prev.at) {
          cpu = ((st.ticks - prev.ticks) / TICKS_PER_SECOND / ((at - prev.at) / 1000)) * 100;
        } else if (boot !== null) {
          const age = boot - st.start / TICKS_PER_SECOND;
          if (age > 0) cpu = (st.ticks / TICKS_PER_SECOND / age) * 100;
        }
        out.set(pid, { cpu: Math.max(0, cpu), memory: st.rssPages * pageSize });
        next.set(pid, { start: st.start, ticks: st.ticks, at });
      }
      if (++n % BATCH === 0) yield;
    }
    // Histories of pids sampled elsewhere survive; vanished ones go.
    for (const [pid, s] of seen) if (!asked.has(pid)) next.set(pid, s);
    seen = next;
    return out;
  }

  return {
    async sample(pids) {
      const it = collect(pids);
      for (;;) {
        const r = it.next();
        if (r.done === true) return r.value;
        await yieldLoop();
      }
    },
    sampleNow(pids) {
      const it = collect(pids);
      for (;;) {
        const r = it.next();
        if (r.done === true) return r.value;
      }
    },
  };
}

/** Fields after the command name (which may hold spaces and parentheses), per proc(5). */
export function parseStat(text: string): Stat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).split(' ', 22);
  if (f.length < 22) return null;
  // f[0] is field 3 (state): utime 14, stime 15, starttime 22, rss 24.
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  const start = Number(f[19]);
  const rssPages = Number(f[21]);
  if (![utime, stime, start, rssPages].every(Number.isFinite)) return null;
  return { state: f[0] ?? '?', ticks: utime + stime, start, rssPages };
}

/** The page size, which Node does not expose: our own resident size in bytes over in pages. */
function detectPageSize(): number {
  try {
    const st = parseStat(readFileSync('/proc/self/stat', 'latin1'));
    const bytes = process.memoryUsage.rss();
    if (st !== null && st.rssPages > 0) return 2 ** Math.round(Math.log2(bytes / st.rssPages));
  } catch {
    // fall through to the common size
  }
  return 4096;
}
