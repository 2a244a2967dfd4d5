// The resolved unit: what every other module sees once a unit file has been parsed,
// templates expanded, `extends` merged, `${…}` substituted and durations turned into ms.
// Pure types (and the few name lists they come from); imports nothing.

/** Milliseconds. */
export type Ms = number;

/** The signals a unit file (stop, safeStop, reload) or `supctl kill` may name. */
export const SIGNALS = [
  'SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGKILL', 'SIGCONT', 'SIGSTOP', 'SIGWINCH',
] as const;
export type Signal = (typeof SIGNALS)[number];

/** A place in a unit file, 1-based, for diagnostics. */
export interface Position {
  file: string;
  line: number;
  col: number;
}

/** One check, without its timing. */
export type Check =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'http'; url: string }
  | { kind: 'exec'; argv: string[] }
  | { kind: 'log'; pattern: string };

/** `ready`: a check polled every `interval` until it passes or `timeout` elapses; without a
 * check the unit is ready once it has run for `grace`. */
export interface ReadySpec {
  check: Check | null;
  timeout: Ms; // default 30s
  interval: Ms; // default 100ms
  grace: Ms; // default 1s
}

/** `health`: liveness probe, every `interval`; `failures` in a row restart the unit. */
export interface HealthSpec {
  check: Check;
  interval: Ms; // default 10s
  timeout: Ms; // per check, default 5s
  failures: number; // default 3
}

export type RestartPolicy = 'always' | 'on-failure' | 'never';

export interface RestartSpec {
  policy: RestartPolicy; // default on-failure
  delay: Ms; // default 1s; 0 allowed
  maxDelay: Ms; // default 60s
  burst: number; // default 5
  window: Ms; // default 60s
}

export interface StopSpec {
  signal: Signal; // default SIGTERM
  /** argv of a control command run instead of the signal (e.g. a `shutdown` client). */
  command: string[] | null;
  timeout: Ms; // default 30s, then SIGKILL to the whole tree
}

export interface SafeStopSpec {
  signal: Signal | null;
  command: string[] | null;
  /** URL that receives a POST to stop accepting new work. */
  http: string | null;
  /** Ports (numbers, names already resolved) whose established connections must reach zero. */
  waitConnections: number[];
  timeout: Ms; // default 10m
}

export interface RolloutSpec {
  strategy: 'one-by-one' | 'half-by-half';
  debounce: Ms; // default 2s
  auto: boolean; // default true
}

export interface LbSpec {
  /** Shell commands, `${unit}`, `${host}`, `${port}` already substituted except `${port}`/`${host}` given at run time. */
  disable: string[] | null;
  enable: string[] | null;
  timeout: Ms; // default 30s
}

/** A unit of another host of the fleet (`HOST/UNIT`), known through etcd. */
export interface FleetRef {
  host: string;
  unit: string;
  /** `HOST/UNIT` as written. */
  name: string;
}

/** A unit's `HOST/UNIT` entries of requires, after and follows (see SPEC "Fleet"). */
export interface FleetDeps {
  requires: FleetRef[];
  after: FleetRef[];
  follows: FleetRef | null;
}

/** One `preStart` command: run before each start, as the unit, within its own timeout. */
export interface PreStartSpec {
  argv: string[];
  timeout: Ms; // default 30s
}

/** One `envFile`: an absolute path; an optional one (written `-/path`) may be missing. */
export interface EnvFileSpec {
  path: string;
  optional: boolean;
}

/** A resource limit value: a number, or no limit. */
export type LimitValue = number | 'infinity';
export const LIMIT_NAMES = ['nofile', 'nproc', 'core', 'memlock', 'stack'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
/** `limits`: set before exec (systemd's LimitNOFILE=…); a bare number sets soft and hard. */
export type LimitsSpec = Partial<Record<LimitName, { soft: LimitValue; hard: LimitValue }>>;

/** `reload`: how the unit re-reads its own configuration, keeping its pid. */
export interface ReloadSpec {
  signal: Signal | null;
  command: string[] | null;
  timeout: Ms; // for the command, default 30s
}

/** A requirement: another unit, or a remote endpoint that must answer. */
export type Requirement =
  | { kind: 'unit'; name: string }
  | { kind: 'tcp'; host: string; port: number; raw: string }
  | { kind: 'http'; url: string; raw: string };

export interface UnitSpec {
  name: string;
  /** Absolute path of the file the unit came from. */
  file: string;
  /** For instances: the template name (`aux` for `aux@.yaml`) and the instance name. */
  template: string | null;
  instance: string | null;
  description: string;
  /** The exact argv spawned. A string command becomes ['/bin/sh', '-c', 'exec …'] where it can. */
  argv: string[];
  cwd: string | null;
  env: Record<string, string>;
  user: string | null;
  group: string | null;
  umask: number | null;
  autostart: boolean;
  requires: Requirement[];
  after: string[];
  ready: ReadySpec;
  health: HealthSpec | null;
  restart: RestartSpec;
  ports: Record<string, number>;
  stop: StopSpec;
  safeStop: SafeStopSpec | null;
  /** Absolute globs of files owned by this (master) unit. */
  metadata: string[];
  follows: string | null;
  rollout: RolloutSpec;
  groups: string[];
  lb: LbSpec | null;
  /** Present only when the unit names units of other hosts (`HOST/UNIT`); they are not in
   * `requires`, `after` or `follows`. */
  fleet?: FleetDeps;
  envFile: EnvFileSpec[];
  preStart: PreStartSpec[];
  limits: LimitsSpec;
  reload: ReloadSpec | null;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Stable code, e.g. `SUPD_UNIT_UNKNOWN_KEY`. */
  code: string;
  message: string;
  /** Absent only for errors that lie in no file (an unreadable directory). */
  pos?: Position;
  unit?: string;
}

/** The outcome of loading a directory: units are present only when there is no error. */
export interface LoadResult {
  units: UnitSpec[];
  diagnostics: Diagnostic[];
}
