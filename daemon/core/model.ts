// The data of the pure core: one unit's state (a union carrying only what is valid in each state),
// the events the edges feed in, and the effects the core asks the edges to perform.
import type { Check, Requirement } from '../../units/types.js';
import type { UnitStateName } from '../control.js';

export type UnitState =
  | { state: 'inactive' }
  | { state: 'waiting'; missing: string[] }
  | { state: 'starting'; pid: number | null }
  | { state: 'ready'; pid: number }
  /** `connections` null: not counted yet, or (with `countError`) the count could not be read. */
  | { state: 'draining'; pid: number; then: Then; step: DrainStep; connections: number | null; countError?: string }
  | { state: 'stopping'; pid: number | null; then: Then }
  | { state: 'backoff'; attempt: number; until: number }
  | { state: 'failed'; reason: string };

/** What happens once a stopping (or draining) unit's process has exited. `recover` applies the
 * restart policy as if the process had crashed (ready timeout, failed liveness probe). */
export type Then = 'down' | 'restart' | 'recover';

/** Where a drain is: running the lb.disable hook, running the safeStop action, or waiting for
 * established connections to reach zero. */
export type DrainStep = 'lb-disable' | 'action' | 'connections';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  at: number;
}

export interface Unit {
  readonly name: string;
  s: UnitState;
  /** Desired state, kept apart from the observed one (s6's wantup). */
  goal: 'up' | 'down';
  /** Spawn generation: results carrying an older one are stale and ignored. */
  gen: number;
  restarts: number;
  /** Times of the crashes inside the current restart window. */
  crashes: number[];
  /** Consecutive failed attempts, for the backoff. */
  attempt: number;
  spawnedAt: number | null;
  readySince: number | null;
  since: number;
  reason: string;
  lastExit: ExitInfo | null;
  healthFails: number;
  /** Remote requirements (by raw text) seen answering since the unit last started waiting. */
  remoteOk: Set<string>;
  /** Goal down (or restart) requested, but dependents must stop first. */
  pendingStop: { safe: boolean; then: Then } | null;
  /** A drain that came from a rollout must abort, not carry on, when lb.disable fails. */
  strictLb: boolean;
  /** Metadata paths changed and waiting for the debounce (masters only). */
  metaPending: string[];
  /** When the master's metadata last changed (masters only). */
  metaChangedAt: number | null;
  lbDisabled: boolean;
  forced: boolean;
}

export function newUnit(name: string, now: number): Unit {
  return {
    name,
    s: { state: 'inactive' },
    goal: 'down',
    gen: 0,
    restarts: 0,
    crashes: [],
    attempt: 0,
    spawnedAt: null,
    readySince: null,
    since: now,
    reason: 'loaded',
    lastExit: null,
    healthFails: 0,
    remoteOk: new Set(),
    pendingStop: null,
    strictLb: false,
    metaPending: [],
    metaChangedAt: null,
    lbDisabled: false,
    forced: false,
  };
}

export function pidOf(s: UnitState): number | null {
  switch (s.state) {
    case 'starting':
    case 'ready':
    case 'draining':
    case 'stopping':
      return s.pid;
    case 'inactive':
    case 'waiting':
    case 'backoff':
    case 'failed':
      return null;
    default:
      return assertNever(s);
  }
}

/** Running: a process exists or is being spawned. */
export function isRunning(s: UnitState): boolean {
  return s.state === 'starting' || s.state === 'ready' || s.state === 'draining' || s.state === 'stopping';
}

export function isDown(s: UnitState): boolean {
  return s.state === 'inactive' || s.state === 'failed';
}

export type TimerKind =
  | 'ready-timeout'
  | 'ready-probe'
  | 'grace'
  | 'health'
  | 'kill'
  | 'backoff'
  | 'drain'
  | 'drain-poll'
  | 'remote'
  | 'metadata';

export type ProbePurpose = 'ready' | 'health';
export type CommandPurpose = 'stop' | 'drain' | 'lb-disable' | 'lb-enable';

/** Events addressed to one unit. Each carries the generation it belongs to where results can be stale. */
export type UnitEvent =
  | { type: 'spawned'; gen: number; pid: number }
  | { type: 'spawnFailed'; gen: number; message: string }
  | { type: 'exited'; gen: number; code: number | null; signal: string | null }
  | { type: 'probeResult'; gen: number; purpose: ProbePurpose; ok: boolean; message: string }
  | { type: 'logMatched'; gen: number }
  | { type: 'remoteResult'; gen: number; raw: string; ok: boolean; message: string }
  | { type: 'commandDone'; gen: number; purpose: CommandPurpose; ok: boolean; message: string }
  /** count null: the connections could not be counted (`error` says why); never taken as zero. */
  | { type: 'connections'; gen: number; count: number | null; error?: string }
  | { type: 'timer'; kind: TimerKind };

export type Effect =
  | { kind: 'spawn'; unit: string; gen: number }
  | { kind: 'signal'; unit: string; pid: number; signal: string }
  | { kind: 'killTree'; unit: string; pid: number }
  | { kind: 'probe'; unit: string; gen: number; purpose: ProbePurpose; check: Check; timeout: number }
  | { kind: 'watchLog'; unit: string; gen: number; pattern: string }
  | { kind: 'unwatchLog'; unit: string }
  | { kind: 'checkRemote'; unit: string; gen: number; requirement: Exclude<Requirement, { kind: 'unit' }> }
  | { kind: 'runCommand'; unit: string; gen: number; purpose: CommandPurpose; argv: string[]; timeout: number }
  | { kind: 'postHttp'; unit: string; gen: number; url: string; timeout: number }
  | { kind: 'countConnections'; unit: string; gen: number; ports: number[] }
  | { kind: 'transition'; unit: string; from: UnitStateName; to: UnitStateName; reason: string; pid: number | null; at: number }
  | { kind: 'hookDone'; unit: string; purpose: 'lb-disable' | 'lb-enable'; ok: boolean; message: string }
  /** A master's metadata settled after its debounce: its followers are stale from `at`. */
  | { kind: 'metadataChanged'; unit: string; paths: string[]; at: number }
  | { kind: 'setTimer'; unit: string; timer: TimerKind; due: number }
  | { kind: 'clearTimer'; unit: string; timer: TimerKind };

export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}
