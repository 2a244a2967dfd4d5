// The data of the pure core: one unit's state (a union carrying only what is valid in each state),
// the events the edges feed in, and the effects the core asks the edges to perform.
import type { Check, Requirement } from '../../units/types.js';
import type { UnitStateName } from './states.js';

/** A stop (or restart) asked for while the unit's dependents still run: it is carried out once they
 * are down (the fleet sends `dependentsStopped`). */
export interface PendingStop {
  then: 'down' | 'restart';
  safe: boolean;
  strictLb: boolean;
  reason: string;
}

export type UnitState =
  | { state: 'inactive' }
  /** `remoteOk`: remote requirements (by raw text) seen answering since the unit started waiting;
   * `noted`: its reason carries a note on the wait (FleetView.waitingFor). */
  | { state: 'waiting'; missing: string[]; remoteOk: readonly string[]; noted?: boolean }
  | { state: 'starting'; pid: number | null; pendingStop?: PendingStop }
  /** `healthFails`: liveness probes failed in a row. */
  | { state: 'ready'; pid: number; healthFails: number; pendingStop?: PendingStop }
  /** `request`: why `then` is what it is (the reason of the stop, restart or start that set it).
   * `connections` null: not counted yet, or (with `countError`) the count could not be read.
   * `strictLb`: a drain that came from a rollout aborts, not carries on, when lb.disable fails. */
  | { state: 'draining'; pid: number; then: 'down' | 'restart'; request: string; step: DrainStep; connections: number | null; countError?: string; strictLb: boolean; pendingStop?: PendingStop }
  | { state: 'stopping'; pid: number | null; then: Then; request: string; pendingStop?: PendingStop }
  /** `cause`: what is being recovered from (`crash`, `spawn failure`, `failure`). */
  | { state: 'backoff'; attempt: number; until: number; cause: string }
  | { state: 'failed'; reason: string };

/** The unit's state names, written once in core/states.ts; the union above must name exactly those
 * (the two checks below fail to compile otherwise). */
export type StateName = UnitStateName;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statesAgree: Same<UnitState['state'], UnitStateName> = true;
void statesAgree;

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
    // eslint-disable-next-line no-restricted-syntax -- a new unit's first state, before any event
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

/** Timers the machine handles; `metadata` is the fleet's (a master's debounce). */
export type UnitTimer = Exclude<TimerKind, 'metadata'>;

/** How a stop or restart is to be done. */
export interface StopRequest {
  /** Drain first when the unit has a safeStop or an lb hook. */
  safe: boolean;
  /** A drain that came from a rollout aborts when lb.disable fails (the server stays in service). */
  strictLb: boolean;
  /** Dependents stop first: while one still runs, the stop waits (pendingStop). */
  afterDependents: boolean;
  reason: string;
}

/** Events addressed to one unit. Results of the edges carry the generation they belong to (an
 * older one is stale and ignored); commands come from the fleet. */
export type UnitEvent =
  /** The operator's desired state (s6's wantup), set for every unit of a command before any acts. */
  | { type: 'goal'; goal: 'up' | 'down' }
  | { type: 'start'; reason: string }
  | ({ type: 'stop' } & StopRequest)
  | ({ type: 'restart' } & StopRequest)
  /** A requirement of a waiting unit changed (became ready, failed, answered). */
  | { type: 'wake'; reason: string }
  /** The dependents a pending stop waited for are down. */
  | { type: 'dependentsStopped' }
  | { type: 'spawned'; gen: number; pid: number }
  | { type: 'spawnFailed'; gen: number; message: string }
  | { type: 'exited'; gen: number; code: number | null; signal: string | null }
  | { type: 'probeResult'; gen: number; purpose: ProbePurpose; ok: boolean; message: string }
  | { type: 'logMatched'; gen: number }
  | { type: 'remoteResult'; gen: number; raw: string; ok: boolean; message: string }
  | { type: 'commandDone'; gen: number; purpose: CommandPurpose; ok: boolean; message: string }
  /** count null: the connections could not be counted (`error` says why); never taken as zero. */
  | { type: 'connections'; gen: number; count: number | null; error?: string }
  | { type: 'timer'; kind: UnitTimer };

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
  | { kind: 'transition'; unit: string; from: StateName; to: StateName; reason: string; pid: number | null; at: number }
  | { kind: 'hookDone'; unit: string; purpose: 'lb-disable' | 'lb-enable'; ok: boolean; message: string }
  /** A master's metadata settled after its debounce: its followers are stale from `at`. */
  | { kind: 'metadataChanged'; unit: string; paths: string[]; at: number }
  /** The unit's process of generation `gen` is running (the edge reported its pid). */
  | { kind: 'spawned'; unit: string; gen: number; pid: number; at: number }
  | { kind: 'setTimer'; unit: string; timer: TimerKind; due: number }
  | { kind: 'clearTimer'; unit: string; timer: TimerKind };

export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}
