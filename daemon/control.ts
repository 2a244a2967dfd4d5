// The Control interface: all the HTTP API (and anything else outside the runtime) may call.
// The API imports this file, never the core or the edges, so its routes are tested with a fake.
import type { Diagnostic, Signal, UnitSpec } from '../units/types.js';
import type { RolloutState, RolloutStepState, UnitStateName } from './core/states.js';

// The state names are the core's (written once in core/states.ts); the API takes them from here.
export { ROLLOUT_STATES, ROLLOUT_STEP_STATES, UNIT_STATES } from './core/states.js';
export type { RolloutState, RolloutStepState, UnitStateName };

export interface ExitView {
  code: number | null;
  signal: string | null;
  /** ISO time. */
  at: string;
}

/** One unit as `supctl --json status` and `GET /v1/units` show it. */
export interface UnitStatus {
  name: string;
  state: UnitStateName;
  goal: 'up' | 'down';
  pid: number | null;
  restarts: number;
  reason: string;
  /** ISO time of the last transition. */
  since: string;
  /** ms since the current process was spawned, when one runs. */
  uptime: number | null;
  stale: boolean;
  /** CPU in percent of one core and resident memory in bytes, from the last stats sample. */
  cpu: number | null;
  memory: number | null;
  lastExit: ExitView | null;
  groups: string[];
  /** Open connections on the `waitConnections` ports while draining. */
  connections: number | null;
  lbDisabled: boolean;
  /** The last drain hit its timeout. */
  forced: boolean;
  /** The rollout step this unit is in, if any. */
  rollout: { id: string; step: RolloutStepState } | null;
  /** Why the unit's output is not being written to its log right now (disk full…), with the
   * bytes lost so far; null while capture works. */
  logError: string | null;
  /** In backoff: ms until the next start attempt. */
  retryIn: number | null;
  /** A reload changed the unit's file since its running process started: restart to apply. */
  changed: boolean;
}

export interface RolloutView {
  id: string;
  target: string;
  strategy: 'one-by-one' | 'half-by-half';
  /** `maxUnavailable` as given (`2`, `25%`); null: the strategy sets the budget. */
  maxUnavailable: string | null;
  /** Units of the rollout that may be out of service at once. */
  budget: number;
  /** The canary's soak time in ms; null: no canary. */
  canary: number | null;
  state: RolloutState;
  /** What started it: `api`, `metadata:<file>`, … */
  trigger: string;
  safe: boolean;
  created: string;
  finished: string | null;
  error: { unit: string; reason: string } | null;
  /** Steps in order; `batch` numbers the steps begun together. `action`: `restart` takes a serving
   * unit out, restarts it and puts it back; `start` brings up a unit that was already down. */
  steps: { unit: string; batch: number; action: 'start' | 'restart'; state: RolloutStepState; reason: string | null }[];
}

export type Action = 'start' | 'stop' | 'restart';

/** A rolling restart's settings as an operator gives them (checked by the runtime). */
export interface RollingOptions {
  strategy: 'one-by-one' | 'half-by-half';
  /** A count of units (`2`) or a percentage (`25%`); null: the strategy's budget. */
  maxUnavailable: string | null;
  /** The canary's soak time (`30s`); null: no canary. */
  canary: string | null;
}

export interface CommandRequest {
  action: Action;
  /** Units, groups or `all`: one job over all of them. */
  targets: string[];
  safe: boolean;
  /** Wait until the units are ready (start/restart) or stopped (stop). */
  wait: boolean;
  rolling: RollingOptions | null;
  withDependents: boolean;
  /** Who asked (`api uid 1000`, `api token tok-…`): the transitions the command causes name it. */
  by?: string;
}

/** One unit a command touched: a target, a requirement it started, a dependent it stopped or
 * restarted. `done`: got there; `already`: was there before; `forced`: stopped after a drain that
 * hit its timeout; `pending`: not waited for (--no-wait). */
export interface UnitOutcome {
  unit: string;
  role: 'target' | 'requirement' | 'dependent';
  outcome: 'done' | 'already' | 'failed' | 'forced' | 'pending';
  reason: string | null;
}

export interface UnitFailure {
  unit: string;
  reason: string;
  /** The unit's last log lines, for a unit that failed to start. */
  logTail: string[];
}

export interface CommandResult {
  ok: boolean;
  /** The units the command acted on, in order. */
  units: string[];
  message: string;
  failures: UnitFailure[];
  /** Units whose drain hit its timeout. */
  forced: string[];
  /** Every unit the command touched, with its outcome (a rollout's are in its steps). */
  outcomes: UnitOutcome[];
  rollout: RolloutView | null;
}

/** What `kill` or a unit's `reload` did to one unit. */
export interface UnitActionOutcome {
  unit: string;
  ok: boolean;
  /** The main process signalled (or whose reload command ran), when the unit was running. */
  pid: number | null;
  message: string;
}

/** `supctl kill` and `supctl reload TARGET`: every unit of the target attempted, each outcome. */
export interface UnitActionResult {
  ok: boolean;
  message: string;
  units: UnitActionOutcome[];
}

export interface ReloadResult {
  ok: boolean;
  added: string[];
  changed: string[];
  removed: string[];
  diagnostics: Diagnostic[];
}

/** `reload --dry-run`: what a reload would do now, applied to nothing. */
export interface ReloadPlan {
  ok: boolean;
  dryRun: true;
  added: string[];
  /** Each changed unit with the keys of its file that differ (dotted: `ready.timeout`). */
  changed: { unit: string; keys: string[] }[];
  removed: string[];
  /** Units the reload would start: added with autostart, and what they require that is down. */
  start: string[];
  /** Running units the reload would stop: the removed ones and what requires them. */
  stop: string[];
  /** Running units whose file changed: they keep running until restarted. */
  restartToApply: string[];
  diagnostics: Diagnostic[];
}

export type SupdEvent =
  | { type: 'transition'; unit: string; from: UnitStateName; to: UnitStateName; reason: string; at: string; pid: number | null }
  /** A unit's process started (its pid is known); the unit stays `starting` until ready. */
  | { type: 'spawned'; unit: string; pid: number; at: string }
  | { type: 'rollout'; rollout: RolloutView; at: string }
  | { type: 'reload'; result: ReloadResult; at: string }
  | { type: 'stale'; unit: string; stale: boolean; reason: string; at: string };

export interface LogFollow {
  close(): void;
}

export interface Control {
  list(): UnitStatus[];
  /** null when no such unit. */
  get(name: string): { status: UnitStatus; spec: UnitSpec; runningArgv?: string[] } | null;
  /** Throws SupdError: SUPD_UNKNOWN_TARGET, SUPD_CONFLICT (a rollout already runs on the target),
   * SUPD_SHUTTING_DOWN. Resolves with ok=false when a unit failed or a drain was forced. */
  command(req: CommandRequest): Promise<CommandResult>;
  reload(): Promise<ReloadResult>;
  /** What `reload` would add, change, remove, start and stop, without applying anything. */
  planReload(): Promise<ReloadPlan>;
  /** Sends `signal` to the main process of every unit of the target (SUPD_UNKNOWN_TARGET); the
   * restart policy then applies to whatever exits. A unit not running is a failed outcome. */
  kill(target: string, signal: Signal): Promise<UnitActionResult>;
  /** Runs every unit's own `reload` action (signal to the main process, or command as the unit);
   * pids stay. A unit without one, or not running, is a failed outcome. */
  reloadUnits(target: string): Promise<UnitActionResult>;
  subscribe(listener: (e: SupdEvent) => void): () => void;
  /** The last `lines` lines of the unit's log (across rotated files when needed). */
  logs(name: string, lines: number): Promise<string>;
  /** Streams new log output as it is written, across rotations. */
  followLogs(name: string, onData: (chunk: Buffer) => void): LogFollow;
  /** true when the unit is ready and not draining. */
  healthy(name: string): boolean;
  rollouts(): RolloutView[];
  rollout(id: string): RolloutView | null;
  /** Throws SUPD_UNKNOWN_ROLLOUT. */
  cancelRollout(id: string): RolloutView;
  /** Prometheus text. */
  metrics(): Promise<string>;
  /** Whether supd is shutting down (the API answers 503 to mutations then). */
  readonly closing: boolean;
}

// ---- the fleet (several hosts meeting in etcd) ----

export interface FleetHostView {
  name: string;
  /** Base URL of the host's TCP API. */
  api: string;
  version: string;
  started: string;
  /** Its supd holds its etcd lease. */
  reachable: boolean;
}

/** One unit of the fleet: `unknown` while its host is unreachable. */
export interface FleetUnitView {
  host: string;
  name: string;
  state: UnitStateName | 'unknown';
  ready: boolean;
  pid: number | null;
  generation: number;
  stale: boolean;
  reason: string;
  since: string;
}

export interface FleetView {
  /** The host that answered. */
  self: string;
  hosts: FleetHostView[];
  units: FleetUnitView[];
}

export interface ForwardRequest {
  method: 'GET' | 'POST';
  /** An API path of the owning supd, e.g. `/v1/units/web/start`. */
  path: string;
  body?: unknown;
}

export interface ForwardResponse {
  status: number;
  /** The response body as sent by the owning supd. */
  body: string;
}

export interface FleetRolloutView extends RolloutView {
  /** The host that drives (or drove) it. */
  driver: string;
}

/** Whether this supd reaches the fleet's etcd (it holds its lease), and if not, why. */
export interface EtcdLink {
  reachable: boolean;
  reason: string;
}

/** The fleet as this supd's watched copy of etcd shows it: the first event of /v1/fleet/events. */
export interface FleetSnapshot {
  view: FleetView;
  rollouts: FleetRolloutView[];
  etcd: EtcdLink;
}

/** `GET /v1/fleet/events`: a snapshot, then what changed in etcd (any host's unit, a host coming
 * or going, a fleet rollout's step), then whether etcd is reachable from here. */
export type FleetEvent =
  | ({ type: 'fleet'; at: string } & FleetSnapshot)
  | { type: 'fleet-unit'; unit: FleetUnitView; at: string }
  | { type: 'fleet-unit-gone'; host: string; name: string; at: string }
  | { type: 'fleet-host'; host: FleetHostView; at: string }
  | { type: 'fleet-rollout'; rollout: FleetRolloutView; at: string }
  | { type: 'fleet-etcd'; etcd: EtcdLink; at: string };

/** What the `/v1/fleet/...` routes may call. Throws SupdError SUPD_FLEET_UNAVAILABLE (etcd or the
 * owning host cannot be reached: exit 3), SUPD_UNKNOWN_TARGET (no such host). */
export interface FleetControl {
  readonly host: string;
  /** Read from etcd (a linearizable read: without etcd's quorum it fails at once). */
  status(): Promise<FleetView>;
  /** Sends a request to the supd of `host` over its TCP API with fleet.token. */
  forward(host: string, req: ForwardRequest): Promise<ForwardResponse>;
  /** A streamed GET (logs -f) from the supd of `host`. */
  forwardStream(host: string, path: string): Promise<{ status: number; body: NodeJS.ReadableStream }>;
  /** Starts a fleet rollout over `HOST/UNIT` units (SUPD_CONFLICT naming the running one). */
  startRollout(req: { units: string[]; rolling: RollingOptions; wait: boolean }): Promise<FleetRolloutView>;
  rollouts(): Promise<FleetRolloutView[]>;
  rollout(id: string): Promise<FleetRolloutView>;
  resumeRollout(id: string, wait: boolean): Promise<FleetRolloutView>;
  cancelRollout(id: string): Promise<FleetRolloutView>;
  /** The watched copy now (no etcd read: it answers while etcd is down, saying so). */
  snapshot(): FleetSnapshot;
  /** Every change of the watched copy, and of etcd's reachability, as events. */
  subscribe(listener: (e: FleetEvent) => void): () => void;
}
