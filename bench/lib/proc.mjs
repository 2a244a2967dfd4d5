// The bench's only source of truth about processes: /proc. Children, comm and state,
// memory (PSS) and CPU ticks are read here, never asked of the supervisor under test.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

/** @returns {{pid:number, comm:string, state:string, ppid:number, utime:number, stime:number, cutime:number, cstime:number} | null} */
export function readStat(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // comm may hold spaces and parentheses: it ends at the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    utime: Number(rest[11]),
    stime: Number(rest[12]),
    cutime: Number(rest[13]),
    cstime: Number(rest[14]),
  };
}

export function isAlive(pid) {
  const st = readStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X';
}

/** Direct children of pid, across all its threads (a child is listed under the thread that forked it). */
export function childrenOf(pid) {
  let tids;
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out = [];
  for (const tid of tids) {
    let text;
    try {
      text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch {
      continue;
    }
    for (const s of text.split(' ')) if (s !== '' && s !== '\n') out.push(Number(s));
  }
  return out;
}

export function allPids() {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}

/** Every descendant of the roots (roots excluded), from one full scan of the process table. */
export function descendantsOf(roots) {
  const kids = new Map();
  for (const pid of allPids()) {
    const st = readStat(pid);
    if (st === null) continue;
    const list = kids.get(st.ppid);
    if (list === undefined) kids.set(st.ppid, [pid]);
    else list.push(pid);
  }
  const seen = new Set();
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.shift();
    for (const child of kids.get(pid) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      queue.push(child);
    }
  }
  for (const r of roots) seen.delete(r);
  return [...seen];
}

/**
 * Finds the workload's children (comm `sleep` by default) below the daemon's root pids by walking
 * /proc/PID/task/TID/children, which costs a few reads per poll instead of a scan of the whole table.
 * A pid once seen with the workload comm is cached, so a poll of 500 children reads no stat file;
 * pass alive=true to re-read each one's state (a zombie counts as gone).
 */
export class ChildWatcher {
  constructor(roots, comm = 'sleep') {
    this.roots = roots;
    this.comm = comm;
    this.known = new Set();
  }

  scan(alive = false) {
    const found = [];
    const queue = [...this.roots];
    const seen = new Set(queue);
    while (queue.length > 0) {
      const pid = queue.pop();
      for (const child of childrenOf(pid)) {
        if (seen.has(child)) continue;
        seen.add(child);
        if (this.known.has(child)) {
          if (!alive || isAlive(child)) found.push(child);
          continue;
        }
        const st = readStat(child);
        if (st === null || st.state === 'Z' || st.state === 'X') continue;
        if (st.comm === this.comm) {
          this.known.add(child);
          found.push(child);
        } else {
          queue.push(child);
        }
      }
    }
    return found;
  }
}

/** The daemon's own processes: the roots and every descendant that is not a workload child or below one. */
export function daemonProcesses(roots, comm = 'sleep') {
  const kids = new Map();
  const stats = new Map();
  for (const pid of allPids()) {
    const st = readStat(pid);
    if (st === null) continue;
    stats.set(pid, st);
    const list = kids.get(st.ppid);
    if (list === undefined) kids.set(st.ppid, [pid]);
    else list.push(pid);
  }
  const out = [];
  const queue = roots.filter((r) => stats.has(r));
  const seen = new Set(queue);
  while (queue.length > 0) {
    const pid = queue.shift();
    out.push(pid);
    for (const child of kids.get(pid) ?? []) {
      const st = stats.get(child);
      if (seen.has(child) || st === undefined || st.comm === comm || st.state === 'Z') continue;
      seen.add(child);
      queue.push(child);
    }
  }
  return out;
}

/** Proportional set size in bytes (smaps_rollup), 0 if the process is gone. */
export function pssBytes(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    const m = /^Pss:\s+(\d+) kB/m.exec(text);
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

let clkTck;
export function clockTicksPerSecond() {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** CPU ticks used so far by the processes: own time, plus reaped children's time for the roots (short-lived helpers count). */
export function cpuTicks(pids, roots) {
  let sum = 0;
  for (const pid of pids) {
    const st = readStat(pid);
    if (st === null) continue;
    sum += st.utime + st.stime;
    if (roots.includes(pid)) sum += st.cutime + st.cstime;
  }
  return sum;
}

/** The value of one environment variable of another process, or undefined. */
export function environOf(pid, key) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
  const prefix = `${key}=`;
  for (const entry of text.split('\0')) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return undefined;
}

export function cmdlineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter((s) => s !== '');
  } catch {
    return [];
  }
}
