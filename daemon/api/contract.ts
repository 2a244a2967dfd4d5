// The wire contract of supd's HTTP API: TypeBox schemas for requests, responses and errors.
// Routes validate and serialise with them; supctl reads the same shapes through `import type`.
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';
import {
  ROLLOUT_STATES, ROLLOUT_STEP_STATES, UNIT_STATES, type CommandResult, type ReloadPlan, type ReloadResult, type RolloutView, type UnitActionResult, type UnitOutcome, type UnitStatus,
} from '../control.js';
import type { Diagnostic, UnitSpec } from '../../units/types.js';
import { SIGNALS } from '../../units/types.js';
import type { ErrorCode } from '../errors.js';
import { DEFAULT_LOG_LINES, MAX_LOG_LINES, ROLLING_STRATEGIES, type RollingStrategy } from './limits.js';

export type {
  Action, CommandRequest, CommandResult, ExitView, ReloadPlan, ReloadResult, RollingOptions, RolloutState, RolloutStepState,
  RolloutView, SupdEvent, UnitActionOutcome, UnitActionResult, UnitFailure, UnitOutcome, UnitStateName, UnitStatus,
} from '../control.js';
export type { Diagnostic, UnitSpec } from '../../units/types.js';

/** `fleet`: what another supd of the fleet presents (fleet.token): reads and start/stop/restart. */
export type Role = 'viewer' | 'operator' | 'fleet' | 'admin';
export { DEFAULT_LOG_LINES, MAX_LOG_LINES, ROLLING_STRATEGIES, type RollingStrategy };

// `{type: [t, 'null']}` rather than anyOf: fast-json-stringify serialises it without a
// validation pass per value, which matters for `status` of thousands of units.
function nullable<T>(type: 'string' | 'integer' | 'number'): TSchema & { '~unsafe': T | null } {
  return Type.Unsafe<T | null>({ type: [type, 'null'] });
}

/** An object or null, as `type: ['object', 'null']` rather than anyOf: fast-json-stringify picks
 * the branch with a typeof test instead of an ajv validation per value, whose validator it also
 * compiles on the first response (~45 ms for the first `GET /v1/units`). */
function nullableObject<T extends TSchema>(schema: T): TSchema & { '~unsafe': Static<T> | null } {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: ['object', 'null'] });
}

const Str = Type.String();
const StrArray = Type.Array(Type.String());

// ---- requests -------------------------------------------------------------------------------

export const UnitNameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) });
export type UnitNameParams = Static<typeof UnitNameParams>;

export const TargetActionParams = Type.Object({ target: Type.String({ minLength: 1, maxLength: 256 }) });
export type TargetActionParams = Static<typeof TargetActionParams>;

export const RolloutIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
export type RolloutIdParams = Static<typeof RolloutIdParams>;

const commandOptions = {
  safe: Type.Optional(Type.Boolean()),
  wait: Type.Optional(Type.Boolean()),
  rolling: Type.Optional(Type.Unsafe<RollingStrategy | null>({ enum: [...ROLLING_STRATEGIES, null] })),
  /** A rolling restart's budget: a count of units, or a percentage (`"25%"`); implies rolling. */
  maxUnavailable: Type.Optional(Type.Unsafe<number | string>({ type: ['integer', 'string'], minLength: 1, maxLength: 16 })),
  /** A rolling restart's canary soak time (`"30s"`); implies rolling. */
  canary: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  withDependents: Type.Optional(Type.Boolean()),
};

/** Body of `POST /v1/units/:target/start|stop|restart`; every key is optional. */
export const CommandBody = Type.Object(commandOptions, { additionalProperties: false });
export type CommandBody = Static<typeof CommandBody>;

/** Body of `POST /v1/jobs`: one job over several targets. */
export const JobBody = Type.Object(
  {
    action: Type.Unsafe<'start' | 'stop' | 'restart'>({ enum: ['start', 'stop', 'restart'] }),
    targets: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 1024 }),
    ...commandOptions,
  },
  { additionalProperties: false },
);
export type JobBody = Static<typeof JobBody>;

/** Body of `POST /v1/units/:target/kill`: a signal name, with or without SIG (default SIGTERM). */
export const KillBody = Type.Object(
  { signal: Type.Optional(Type.Unsafe<string>({ enum: [...SIGNALS, ...SIGNALS.map((s) => s.slice(3))] })) },
  { additionalProperties: false },
);
export type KillBody = Static<typeof KillBody>;

export const LogsQuery = Type.Object(
  {
    lines: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_LOG_LINES })),
    follow: Type.Optional(Type.Unsafe<'0' | '1' | 'true' | 'false'>({ enum: ['0', '1', 'true', 'false'] })),
  },
  { additionalProperties: false },
);
export type LogsQuery = Static<typeof LogsQuery>;

// ---- responses ------------------------------------------------------------------------------

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    hint: Type.Optional(Type.String()),
    details: Type.Optional(Type.Unknown()),
  }),
});
/** Every non-2xx answer has this body (unit health's 503 adds the health fields). */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; hint?: string; details?: unknown };
}

const UnitStateSchema = Type.Unsafe<UnitStatus['state']>({
  enum: [...UNIT_STATES],
});
const RolloutStepStateSchema = Type.Unsafe<RolloutView['steps'][number]['state']>({
  enum: [...ROLLOUT_STEP_STATES],
});

export const ExitViewSchema = Type.Object({
  code: nullable<number>('integer'),
  signal: nullable<string>('string'),
  at: Str,
});

export const UnitStatusSchema = Type.Object({
  name: Str,
  state: UnitStateSchema,
  goal: Type.Unsafe<'up' | 'down'>({ enum: ['up', 'down'] }),
  pid: nullable<number>('integer'),
  restarts: Type.Integer(),
  reason: Str,
  since: Str,
  uptime: nullable<number>('number'),
  stale: Type.Boolean(),
  cpu: nullable<number>('number'),
  memory: nullable<number>('number'),
  lastExit: nullableObject(ExitViewSchema),
  groups: StrArray,
  connections: nullable<number>('integer'),
  lbDisabled: Type.Boolean(),
  forced: Type.Boolean(),
  rollout: nullableObject(Type.Object({ id: Str, step: RolloutStepStateSchema })),
  logError: nullable<string>('string'),
  retryIn: nullable<number>('number'),
  changed: Type.Boolean(),
});

export const UnitsBody = Type.Object({ units: Type.Array(UnitStatusSchema) });
export type UnitsBody = Static<typeof UnitsBody>;

/** `GET /v1/units/:name`: the status fields plus the resolved spec (sent as is, no schema). */
export interface UnitBody {
  /** runningArgv: the running process's argv, when a reload changed the file since it started. */
  unit: UnitStatus & { spec: UnitSpec; runningArgv?: string[] };
}

export const RolloutViewSchema = Type.Object({
  id: Str,
  target: Str,
  strategy: Type.Unsafe<RollingStrategy>({ enum: [...ROLLING_STRATEGIES] }),
  maxUnavailable: nullable<string>('string'),
  budget: Type.Integer(),
  canary: nullable<number>('integer'),
  state: Type.Unsafe<RolloutView['state']>({ enum: [...ROLLOUT_STATES] }),
  trigger: Str,
  safe: Type.Boolean(),
  created: Str,
  finished: nullable<string>('string'),
  error: nullableObject(Type.Object({ unit: Str, reason: Str })),
  steps: Type.Array(Type.Object({
    unit: Str,
    batch: Type.Integer(),
    action: Type.Unsafe<'start' | 'restart'>({ enum: ['start', 'restart'] }),
    state: RolloutStepStateSchema,
    reason: nullable<string>('string'),
  })),
});

export const RolloutsBody = Type.Object({ rollouts: Type.Array(RolloutViewSchema) });
export type RolloutsBody = Static<typeof RolloutsBody>;
export const RolloutBody = Type.Object({ rollout: RolloutViewSchema });
export type RolloutBody = Static<typeof RolloutBody>;

export const CommandResultSchema = Type.Object({
  ok: Type.Boolean(),
  units: StrArray,
  message: Str,
  failures: Type.Array(Type.Object({ unit: Str, reason: Str, logTail: StrArray })),
  forced: StrArray,
  outcomes: Type.Array(Type.Object({
    unit: Str,
    role: Type.Unsafe<UnitOutcome['role']>({ enum: ['target', 'requirement', 'dependent'] }),
    outcome: Type.Unsafe<UnitOutcome['outcome']>({ enum: ['done', 'already', 'failed', 'forced', 'pending'] }),
    reason: nullable<string>('string'),
  })),
  rollout: nullableObject(RolloutViewSchema),
});

/** `POST /v1/units/:target/kill` and `/reload`: each unit of the target and what happened to it. */
export const UnitActionResultSchema = Type.Object({
  ok: Type.Boolean(),
  message: Str,
  units: Type.Array(Type.Object({ unit: Str, ok: Type.Boolean(), pid: nullable<number>('integer'), message: Str })),
});

const PositionSchema = Type.Object({ file: Str, line: Type.Integer(), col: Type.Integer() });
export const DiagnosticSchema = Type.Object({
  severity: Type.Unsafe<Diagnostic['severity']>({ enum: ['error', 'warning'] }),
  code: Str,
  message: Str,
  pos: Type.Optional(PositionSchema),
  unit: Type.Optional(Str),
});

export const ReloadResultSchema = Type.Object({
  ok: Type.Boolean(),
  added: StrArray,
  changed: StrArray,
  removed: StrArray,
  diagnostics: Type.Array(DiagnosticSchema),
});

export const ReloadBody = Type.Object({ dryRun: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export type ReloadBody = Static<typeof ReloadBody>;

export const ReloadPlanSchema = Type.Object({
  ok: Type.Boolean(),
  dryRun: Type.Literal(true),
  added: StrArray,
  changed: Type.Array(Type.Object({ unit: Type.String(), keys: StrArray })),
  removed: StrArray,
  start: StrArray,
  stop: StrArray,
  restartToApply: StrArray,
  diagnostics: Type.Array(DiagnosticSchema),
});

export const HealthzBody = Type.Object({ ok: Type.Boolean(), version: Str });
export type HealthzBody = Static<typeof HealthzBody>;

/** `GET /v1/units/:name/health`: 200 with ready=true, or 503 with ready=false. */
export const UnitHealthBody = Type.Object({ unit: Str, ready: Type.Boolean(), state: UnitStateSchema });
export type UnitHealthBody = Static<typeof UnitHealthBody>;
/** Unit health's 503 (not ready): the health fields, and the error every non-2xx answer has. */
export const UnitNotReadyBody = Type.Object({ unit: Str, ready: Type.Boolean(), state: UnitStateSchema, error: ErrorBody.properties.error });
export type UnitNotReadyBody = Static<typeof UnitNotReadyBody>;

// ---- drift checks ---------------------------------------------------------------------------
// The response schemas restate interfaces from control.ts; fast-json-stringify drops any field a
// schema lacks, so a field added to one but not the other must fail the typecheck, not the wire.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type ContractMatchesControl = [
  Assert<Same<Static<typeof UnitStatusSchema>, UnitStatus>>,
  Assert<Same<Static<typeof RolloutViewSchema>, RolloutView>>,
  Assert<Same<Static<typeof CommandResultSchema>, CommandResult>>,
  Assert<Same<Static<typeof ReloadResultSchema>, ReloadResult>>,
  Assert<Same<Static<typeof ReloadPlanSchema>, ReloadPlan>>,
  Assert<Same<Static<typeof UnitActionResultSchema>, UnitActionResult>>,
];

// ---- the fleet ------------------------------------------------------------------------------

export type { FleetHostView, FleetUnitView, FleetView } from '../control.js';

const HostName = Type.String({ minLength: 1, maxLength: 253, pattern: '^[^/\\s]+$' });

export const FleetUnitParams = Type.Object({ host: HostName, unit: Type.String({ minLength: 1, maxLength: 256 }) });
export type FleetUnitParams = Static<typeof FleetUnitParams>;

export const FleetBody = Type.Object({
  self: Str,
  hosts: Type.Array(Type.Object({ name: Str, api: Str, version: Str, started: Str, reachable: Type.Boolean() })),
  units: Type.Array(Type.Object({
    host: Str,
    name: Str,
    state: Str,
    ready: Type.Boolean(),
    pid: nullable<number>('integer'),
    generation: Type.Integer(),
    stale: Type.Boolean(),
    reason: Str,
    since: Str,
  })),
});

export const FleetRolloutIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
export type FleetRolloutIdParams = Static<typeof FleetRolloutIdParams>;

/** Body of `POST /v1/fleet/rollouts`: the `HOST/UNIT` units in order. */
export const FleetRolloutBody = Type.Object(
  {
    units: Type.Array(Type.String({ minLength: 3, maxLength: 512 }), { minItems: 1, maxItems: 10_000 }),
    strategy: Type.Optional(Type.Unsafe<RollingStrategy>({ enum: [...ROLLING_STRATEGIES] })),
    /** At most N units (`2`) or P% of them (`"25%"`) out of service at once, on every host. */
    maxUnavailable: Type.Optional(Type.Unsafe<number | string>({ type: ['integer', 'string'], minLength: 1, maxLength: 16 })),
    /** The canary's soak time (`"30s"`, `"true"` for the default). */
    canary: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    wait: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type FleetRolloutBody = Static<typeof FleetRolloutBody>;

export const FleetResumeBody = Type.Object({ wait: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export type FleetResumeBody = Static<typeof FleetResumeBody>;
export type { FleetRolloutView } from '../control.js';
