// Unit log capture: each unit's stdout and stderr appended, as received, to <logDir>/<unit>.log,
// rotated by size to <unit>.log.1 (newest) … .log.<keep> with no byte lost or doubled; tail,
// follow and the `log:` readiness watch. One writer per unit serialises writes and rotations.
import path from 'node:path';
import type { Readable } from 'node:stream';
import { UnitLog, type LogFollower, type LogStoreOptions, type LogWatch } from './unitlog.js';

// The options and handles are unitlog.ts's (it uses them; this file only adds the per-unit map).
export type { LogFollower, LogStoreOptions, LogWatch } from './unitlog.js';

export interface LogStore {
  /** Captures the streams of one new process (stdout and stderr, in one call) into the unit's
   * log until they end; watches then read this process's output only. */
  attach(unit: string, ...streams: Readable[]): void;
  /** The last `lines` lines, reading back across rotated files when needed. */
  tail(unit: string, lines: number): Promise<string>;
  /** Data as it lands in the file, across rotations. With `lines`, the last lines come first,
   * stitched to the live data with nothing lost or doubled in between. */
  follow(unit: string, onData: (chunk: Buffer) => void, opts?: { lines?: number }): LogFollower;
  /** Calls `cb` once with the first match of `regex` in the output of the unit's current
   * process: its first 16 KB (for a watch armed late), then what arrives while armed.
   * Matching is per stream; ^ and $ anchor at lines (the `m` flag is added). */
  watchFor(unit: string, regex: RegExp, cb: (match: string) => void): LogWatch;
  /** Stops capturing the unit (its streams are left flowing, unread), flushes, closes the file. */
  close(unit: string): Promise<void>;
  /** Flushes every unit and closes every file. */
  closeAll(): Promise<void>;
  /** Bytes written, and bytes lost to write errors, since supd started. */
  counters(unit: string): { written: number; dropped: number };
  /** Why the unit's log is not being written right now (disk full…), or null when it is. */
  failure(unit: string): string | null;
  file(unit: string): string;
}

export function createLogStore(opts: LogStoreOptions): LogStore {
  const units = new Map<string, UnitLog>();
  const report = (unit: string, message: string): void => {
    try {
      opts.onError?.(unit, message);
    } catch {
      // a failing reporter must not break capture
    }
  };
  const get = (unit: string): UnitLog => {
    let log = units.get(unit);
    if (!log) {
      log = new UnitLog(unit, fileOf(opts.logDir, unit), opts, report);
      units.set(unit, log);
    }
    return log;
  };

  return {
    attach: (unit, ...streams) => get(unit).attach(streams),
    tail: (unit, lines) => get(unit).tail(lines),
    follow: (unit, onData, o) => get(unit).follow(onData, o?.lines ?? 0),
    watchFor: (unit, regex, cb) => get(unit).watchFor(regex, cb),
    async close(unit) {
      const log = units.get(unit);
      if (!log) return;
      units.delete(unit);
      await log.close();
    },
    async closeAll() {
      const all = [...units.values()];
      units.clear();
      await Promise.all(all.map((l) => l.close()));
    },
    counters(unit) {
      const log = units.get(unit);
      return { written: log?.written ?? 0, dropped: log?.dropped ?? 0 };
    },
    failure: (unit) => units.get(unit)?.failure ?? null,
    file: (unit) => fileOf(opts.logDir, unit),
  };
}

function fileOf(logDir: string, unit: string): string {
  // Unit names are validated upstream; refuse anything that could leave logDir anyway.
  if (unit === '' || unit.includes('/') || unit.startsWith('.')) throw new Error(`invalid unit name for a log file: '${unit}'`);
  return path.join(logDir, `${unit}.log`);
}
