// The set of edges the runtime drives, as interfaces: main.ts wires the real ones from
// daemon/edges/, tests wire fakes from test/fakes/.
import type { Check, Requirement } from '../units/types.js';
import type { RunAs } from './edges/runas.js';

/** What a spawn needs; the spawn edge owns the shape. */
export type { SpawnRequest } from './edges/spawn.js';
import type { SpawnRequest } from './edges/spawn.js';

/** Structured detail an edge attaches to a warning, so that it can be counted. */
export type WarningDetail =
  | { kind: 'log' }
  | { kind: 'leftovers'; pids: number[] };

export interface EdgeHooks {
  onSpawned(unit: string, gen: number, pid: number): void;
  onSpawnFailed(unit: string, gen: number, message: string): void;
  onExited(unit: string, gen: number, pid: number, code: number | null, signal: string | null): void;
  /** The clock's single wake-up. */
  onWake(now: number): void;
}

export interface CheckResult {
  ok: boolean;
  message: string;
}

export interface CommandOutcome {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  output: string;
}

export interface Edges {
  spawner: {
    spawn(req: SpawnRequest): void;
    /** To the process group, or to the main process alone (`main`). */
    signal(pid: number, signal: string, whom?: 'group' | 'main'): void;
    killTree(pid: number): Promise<void>;
  };
  logs: {
    tail(unit: string, lines: number): Promise<string>;
    follow(unit: string, onData: (chunk: Buffer) => void): { close(): void };
    watchFor(unit: string, re: RegExp, onMatch: () => void): { cancel(): void };
    closeAll(): Promise<void>;
    /** Bytes lost to write errors so far, and why the log is not being written now (or null). */
    counters(unit: string): { written: number; dropped: number };
    failure(unit: string): string | null;
  };
  probes: {
    /** An exec check runs as the unit (`as`). */
    check(check: Check, timeoutMs: number, as?: RunAs): Promise<CheckResult>;
    checkRequirement(req: Exclude<Requirement, { kind: 'unit' }>): Promise<CheckResult>;
  };
  commands: {
    runCommand(argv: string[], opts: { timeoutMs: number; as: RunAs }): Promise<CommandOutcome>;
    postHttp(url: string, timeoutMs: number): Promise<CheckResult>;
  };
  /** Rejects when the count cannot be read: never taken as zero. */
  net: { establishedCount(ports: number[]): Promise<number> };
  /** A synchronous batch read, done when someone asks for status (no timer). */
  stats: { sampleNow(pids: number[]): Map<number, { cpu: number; memory: number }> };
  clock: { now(): number; wakeAt(due: number | null): void };
}
