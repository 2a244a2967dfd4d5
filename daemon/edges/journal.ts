// The unit journal in the state dir: one JSON line per spawn, exit and hand-set goal, appended
// synchronously (a SIGKILL between a spawn and its record would leave an orphan no one knows of;
// an append costs microseconds). Rewritten compactly at boot and whenever it grows large. The
// format is this file's alone: its records, and their replay into what may still run.
import fs from 'node:fs';
import path from 'node:path';
import { readProc } from './proctree.js';
import { readStateText, setAside, type StateReport } from './state-files.js';

/** One line of `<stateDir>/units.journal`. `start` is the process start time from
 * /proc/<pid>/stat (clock ticks since boot): with the pid it names one process, never a reuse. */
export type JournalRecord =
  | { t: 'run'; unit: string; pid: number; start: number }
  | { t: 'exit'; unit: string; pid: number }
  | { t: 'goal'; unit: string; goal: 'up' | 'down' };

export interface Recorded {
  /** Processes spawned and not seen exiting: they may still run. */
  runs: Map<string, { pid: number; start: number }[]>;
  /** The last goal the operator set by hand, per unit. */
  goals: Map<string, 'up' | 'down'>;
  /** Lines that did not parse (a torn last write, usually). */
  bad: number;
}

export function parseRecord(line: string): JournalRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  if (typeof r.unit !== 'string') return null;
  switch (r.t) {
    case 'run':
      return Number.isInteger(r.pid) && Number.isInteger(r.start) ? { t: 'run', unit: r.unit, pid: r.pid as number, start: r.start as number } : null;
    case 'exit':
      return Number.isInteger(r.pid) ? { t: 'exit', unit: r.unit, pid: r.pid as number } : null;
    case 'goal':
      return r.goal === 'up' || r.goal === 'down' ? { t: 'goal', unit: r.unit, goal: r.goal } : null;
    default:
      return null;
  }
}

export function replay(text: string): Recorded {
  const runs = new Map<string, { pid: number; start: number }[]>();
  const goals = new Map<string, 'up' | 'down'>();
  let bad = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const r = parseRecord(line);
    if (r === null) {
      bad++;
      continue;
    }
    switch (r.t) {
      case 'run':
        runs.set(r.unit, [...(runs.get(r.unit) ?? []), { pid: r.pid, start: r.start }]);
        break;
      case 'exit': {
        const left = (runs.get(r.unit) ?? []).filter((p) => p.pid !== r.pid);
        if (left.length > 0) runs.set(r.unit, left);
        else runs.delete(r.unit);
        break;
      }
      case 'goal':
        goals.set(r.unit, r.goal);
        break;
    }
  }
  return { runs, goals, bad };
}

export const JOURNAL_FILE = 'units.journal';

/** Appends past this many records trigger a rewrite holding only what is still true. */
const COMPACT_AFTER = 20_000;

export interface Journal {
  spawned(unit: string, pid: number): void;
  exited(unit: string, pid: number): void;
  goal(unit: string, goal: 'up' | 'down'): void;
  close(): void;
}

/** The journal's records. A missing file is a first boot; one that cannot be read, or holds lines
 * that are not records (a torn write, garbage), is set aside as `units.journal.bad-<time>` and
 * reported, and what could be read of it is used. */
export function readJournal(stateDir: string, report: StateReport): Recorded {
  const file = path.join(stateDir, JOURNAL_FILE);
  const read = readStateText(file, report);
  if (read.kind !== 'ok') return replay('');
  const rec = replay(read.text);
  if (rec.bad > 0) {
    const { aside, error } = setAside(file);
    const reason = `${file}: ${rec.bad} line(s) are not journal records (torn or garbage); ${rec.runs.size + rec.goals.size} unit record(s) read from the rest`;
    report(file, error === null ? reason : `${reason}; could not set it aside: ${error}`, aside);
  }
  return rec;
}

/** Opens the journal afresh: the file is replaced (atomically) by the goals carried over, then
 * appended to. Write errors are reported once through `onError` and never stop supervision. */
export function openJournal(stateDir: string, goals: ReadonlyMap<string, 'up' | 'down'>, onError: (err: unknown) => void): Journal {
  const file = path.join(stateDir, JOURNAL_FILE);
  const live = new Map<number, { unit: string; start: number }>();
  const kept = new Map(goals);
  let fd: number | null = null;
  let appended = 0;
  let failed = false;

  const fail = (err: unknown): void => {
    if (!failed) onError(err);
    failed = true;
  };
  const rewrite = (): void => {
    const lines: string[] = [];
    for (const [unit, goal] of kept) lines.push(JSON.stringify({ t: 'goal', unit, goal } satisfies JournalRecord));
    for (const [pid, r] of live) lines.push(JSON.stringify({ t: 'run', unit: r.unit, pid, start: r.start } satisfies JournalRecord));
    const tmp = `${file}.tmp`;
    try {
      fs.writeFileSync(tmp, lines.length > 0 ? `${lines.join('\n')}\n` : '', { mode: 0o640 });
      fs.renameSync(tmp, file);
      if (fd !== null) fs.closeSync(fd);
      fd = fs.openSync(file, 'a');
      appended = 0;
    } catch (err) {
      fail(err);
    }
  };
  const append = (r: JournalRecord): void => {
    if (fd === null) return;
    try {
      fs.writeSync(fd, `${JSON.stringify(r)}\n`);
    } catch (err) {
      fail(err);
    }
    if (++appended > COMPACT_AFTER) rewrite();
  };

  rewrite();
  return {
    spawned(unit, pid) {
      // A child already gone (and reaped) when its spawn is reported leaves nothing to record.
      const start = readProc(pid)?.start;
      if (start === undefined) return;
      live.set(pid, { unit, start });
      append({ t: 'run', unit, pid, start });
    },
    exited(unit, pid) {
      if (!live.delete(pid)) return;
      append({ t: 'exit', unit, pid });
    },
    goal(unit, goal) {
      if (kept.get(unit) === goal) return;
      kept.set(unit, goal);
      append({ t: 'goal', unit, goal });
    },
    close() {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
  };
}
