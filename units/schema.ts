// The JSON schema of a raw unit file (TypeBox, so the raw types come from the same source) and
// its check with ajv, turned into issues a user can read: what is wrong, at which key or value.
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { closest } from './diagnostics.js';
import { DURATION_TERMS } from './duration.js';
import type { PathSegment } from './parse.js';
import { SIGNALS } from './types.js';

/** Allows `${…}` anywhere in a string whose final form is checked after substitution. */
const SUBST = String.raw`.*\$\{.*`;
const DURATION = String.raw`^(?:${DURATION_TERMS}|0|${SUBST})$`;
export const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const NAME_TEXT = 'letters, digits, _ . - (not starting with . or -)';


const Duration = Type.Union([Type.String({ pattern: DURATION }), Type.Literal(0)], {
  description: 'a duration with a unit, like 250ms, 2s, 5m or 1h',
});
const Signal = Type.Enum([...SIGNALS, ...SIGNALS.map((s) => s.slice(3))], {
  description: 'a signal name: SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGKILL, SIGCONT, SIGSTOP or SIGWINCH',
});
const Command = Type.Union(
  [Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })],
  { description: 'a command: a string run by /bin/sh -c, or an argv list of strings' },
);
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
  description: 'a string, number or boolean',
});
const PortNumber = Type.Integer({ minimum: 1, maximum: 65535, description: 'a port number (1-65535)' });
const Port = Type.Union([PortNumber, Type.String({ pattern: String.raw`^(?:\d+|${SUBST})$` })], {
  description: 'a port number (1-65535) or a ${…} substitution',
});
const TcpTarget = Type.Union([PortNumber, Type.String({ minLength: 1 })], {
  description: 'a port number, or host:port',
});
const UnitRef = Type.String({ minLength: 1, description: 'a unit name' });

const checkKeys = {
  tcp: Type.Optional(TcpTarget),
  http: Type.Optional(Type.String({ minLength: 1, description: 'an http:// or https:// URL' })),
  exec: Type.Optional(Command),
  log: Type.Optional(Type.String({ minLength: 1, description: 'a regular expression' })),
};

const Ready = Type.Object(
  { ...checkKeys, timeout: Type.Optional(Duration), interval: Type.Optional(Duration), grace: Type.Optional(Duration) },
  { additionalProperties: false, description: 'a map with one of tcp, http, exec, log, and timeout, interval, grace' },
);
const Health = Type.Object(
  {
    ...checkKeys,
    interval: Type.Optional(Duration),
    timeout: Type.Optional(Duration),
    failures: Type.Optional(Type.Integer({ minimum: 1, description: 'a count of at least 1' })),
  },
  { additionalProperties: false, description: 'a map with one of tcp, http, exec, log, and interval, timeout, failures' },
);
const Restart = Type.Object(
  {
    policy: Type.Optional(Type.Enum(['always', 'on-failure', 'never'], { description: 'always, on-failure or never' })),
    delay: Type.Optional(Duration),
    maxDelay: Type.Optional(Duration),
    burst: Type.Optional(Type.Integer({ minimum: 0, description: 'a count (0 or more)' })),
    window: Type.Optional(Duration),
  },
  { additionalProperties: false, description: 'a map of policy, delay, maxDelay, burst, window' },
);
const Stop = Type.Object(
  { signal: Type.Optional(Signal), command: Type.Optional(Command), timeout: Type.Optional(Duration) },
  { additionalProperties: false, description: 'a map of signal, command, timeout' },
);
const SafeStop = Type.Object(
  {
    signal: Type.Optional(Signal),
    command: Type.Optional(Command),
    http: Type.Optional(Type.String({ minLength: 1, description: 'an http:// or https:// URL' })),
    waitConnections: Type.Optional(
      Type.Array(Type.Union([PortNumber, Type.String({ minLength: 1 })], { description: 'a port number or a name in ports' }), {
        description: 'a list of port numbers or names in ports',
      }),
    ),
    timeout: Type.Optional(Duration),
  },
  { additionalProperties: false, description: 'a map of signal, command, http, waitConnections, timeout' },
);
const Rollout = Type.Object(
  {
    strategy: Type.Optional(Type.Enum(['one-by-one', 'half-by-half'], { description: 'one-by-one or half-by-half' })),
    maxUnavailable: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*%?\\s*$' })], {
      description: 'a count of units or a percentage like 25%',
    })),
    canary: Type.Optional(Duration),
    debounce: Type.Optional(Duration),
    auto: Type.Optional(Type.Boolean({ description: 'true or false' })),
  },
  { additionalProperties: false, description: 'a map of strategy, maxUnavailable, canary, debounce, auto' },
);
const Lb = Type.Object(
  { disable: Type.Optional(Command), enable: Type.Optional(Command), timeout: Type.Optional(Duration) },
  { additionalProperties: false, description: 'a map of disable, enable, timeout' },
);

const LimitNumber = Type.Integer({ minimum: 0, description: 'a number (0 or more)' });
const Infinity_ = Type.Literal('infinity', { description: 'infinity' });
const Limit = Type.Union(
  [
    LimitNumber,
    Infinity_,
    Type.Object(
      {
        soft: Type.Union([LimitNumber, Infinity_], { description: 'a number or infinity' }),
        hard: Type.Union([LimitNumber, Infinity_], { description: 'a number or infinity' }),
      },
      { additionalProperties: false, description: 'a map of soft, hard' },
    ),
  ],
  { description: 'a number, infinity, or {soft, hard}' },
);
const Limits = Type.Object(
  {
    nofile: Type.Optional(Limit),
    nproc: Type.Optional(Limit),
    core: Type.Optional(Limit),
    memlock: Type.Optional(Limit),
    stack: Type.Optional(Limit),
  },
  { additionalProperties: false, description: 'a map of nofile, nproc, core, memlock, stack' },
);
const PreStartItem = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Array(Type.String(), { minItems: 1 }),
    Type.Object(
      { command: Command, timeout: Type.Optional(Duration) },
      { additionalProperties: false, description: 'a map of command, timeout' },
    ),
  ],
  { description: 'a command: a string run by /bin/sh -c, an argv list, or a map of command, timeout' },
);
const Reload = Type.Object(
  { signal: Type.Optional(Signal), command: Type.Optional(Command), timeout: Type.Optional(Duration) },
  { additionalProperties: false, description: 'a map of signal or command, and timeout' },
);

/** Every key a unit (or an instance entry) may set, besides `instances`. */
const unitKeys = {
  description: Type.Optional(Type.String({ description: 'free text' })),
  command: Type.Optional(Command),
  cwd: Type.Optional(Type.String({ minLength: 1, description: 'a directory' })),
  env: Type.Optional(Type.Record(Type.String(), Scalar, { description: 'a map of NAME: value' })),
  user: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })], { description: 'a user name or uid' })),
  group: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })], { description: 'a group name or gid' })),
  umask: Type.Optional(
    Type.Union([Type.String({ pattern: '^0?[0-7]{1,3}$' }), Type.Integer({ minimum: 0, maximum: 0o777 })], {
      description: 'an octal umask like "0022"',
    }),
  ),
  autostart: Type.Optional(Type.Boolean({ description: 'true or false' })),
  requires: Type.Optional(
    Type.Array(Type.String({ minLength: 1, description: 'a unit name, tcp://host:port or an http(s):// URL' }), {
      description: 'a list of unit names, tcp://host:port or http(s):// URLs',
    }),
  ),
  after: Type.Optional(Type.Array(UnitRef, { description: 'a list of unit names' })),
  ready: Type.Optional(Ready),
  health: Type.Optional(Health),
  restart: Type.Optional(Restart),
  ports: Type.Optional(Type.Record(Type.String(), Port, { description: 'a map of name: port number' })),
  stop: Type.Optional(Stop),
  safeStop: Type.Optional(SafeStop),
  metadata: Type.Optional(
    Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }))], {
      description: 'a glob, or a list of globs',
    }),
  ),
  follows: Type.Optional(UnitRef),
  rollout: Type.Optional(Rollout),
  groups: Type.Optional(
    Type.Array(Type.String({ pattern: NAME_RE.source, description: `a group name (${NAME_TEXT})` }), {
      description: 'a list of group names',
    }),
  ),
  lb: Type.Optional(Lb),
  envFile: Type.Optional(
    Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }))], {
      description: 'a file, or a list of files (a leading - makes one optional)',
    }),
  ),
  preStart: Type.Optional(
    Type.Union([Type.String({ minLength: 1 }), Type.Array(PreStartItem)], { description: 'a list of commands' }),
  ),
  limits: Type.Optional(Limits),
  reload: Type.Optional(Reload),
  extends: Type.Optional(UnitRef),
  vars: Type.Optional(Type.Record(Type.String(), Scalar, { description: 'a map of NAME: value' })),
};

export const InstanceSchema = Type.Object(unitKeys, {
  additionalProperties: false,
  description: 'a map of vars and unit keys',
});

export const UnitFileSchema = Type.Object(
  {
    ...unitKeys,
    instances: Type.Optional(
      Type.Record(Type.String(), InstanceSchema, { description: 'a map of instance name: { vars, overrides }' }),
    ),
  },
  { additionalProperties: false, description: 'a map of unit keys' },
);

/** A unit file as written, once it passed the schema. */
export type RawUnitFile = Static<typeof UnitFileSchema>;
/** The keys of one unit (a file without `instances`, or an instance entry). */
export type RawUnit = Static<typeof InstanceSchema>;

/** Keys whose maps merge key by key under `extends` and instance overrides. */
export const MERGED_MAPS = ['env', 'vars', 'ports'] as const;
export const UNIT_KEYS: readonly string[] = Object.keys(unitKeys);

export interface SchemaIssue {
  path: PathSegment[];
  /** Point at the key itself (unknown key) or at its value. */
  at: 'key' | 'value';
  message: string;
}

// The schema is ours and fixed: checking it against the JSON Schema meta-schema at every start
// costs ~60 ms and proves nothing new (strict mode still rejects unknown keywords).
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, validateSchema: false });
const validateFile = ajv.compile(UnitFileSchema);

export function checkUnitFile(value: unknown): SchemaIssue[] {
  if (validateFile(value)) return [];
  return toIssues(validateFile.errors ?? []);
}

function toIssues(errors: readonly ErrorObject[]): SchemaIssue[] {
  // A failed anyOf says it once; the failures of its branches only repeat it less clearly. But when
  // the value is a list or map and one branch is the list or map, that branch's errors say more.
  const hidden: string[] = [];
  const skipped = new Set<ErrorObject>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf') continue;
    const k = structuralBranch(e);
    if (k === null) {
      hidden.push(`${e.schemaPath}/`);
      continue;
    }
    skipped.add(e);
    const kept = `${e.schemaPath}/${k}/`;
    for (const other of errors) {
      if (other.schemaPath.startsWith(`${e.schemaPath}/`) && !other.schemaPath.startsWith(kept)) skipped.add(other);
    }
  }
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (skipped.has(e) || hidden.some((u) => e.schemaPath.startsWith(u))) continue;
    const path = pointerToPath(e.instancePath);
    let issue: SchemaIssue;
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: unknown }).additionalProperty);
      const known = Object.keys(propertiesOf(e.parentSchema));
      const hint = closest(key, known);
      const where = path.length > 0 ? `${formatPath(path)}: ` : '';
      issue = {
        path: [...path, key],
        at: 'key',
        message: `${where}unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ` (known: ${known.join(', ')})`}`,
      };
    } else if (e.keyword === 'required') {
      const key = String((e.params as { missingProperty: unknown }).missingProperty);
      issue = { path, at: 'value', message: `${formatPath(path) || 'unit'}: missing key "${key}"` };
    } else {
      const expected = describe(e);
      issue = { path, at: 'value', message: `${formatPath(path) || 'unit file'}: expected ${expected}, got ${show(e.data)}` };
    }
    const id = `${issue.at}:${issue.path.join('\u0000')}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}

/** The index of the anyOf branch that is a list (or map) when the value is one, else null. */
function structuralBranch(e: ErrorObject): number | null {
  const kind = Array.isArray(e.data) ? 'array' : e.data !== null && typeof e.data === 'object' ? 'object' : null;
  if (kind === null || !Array.isArray(e.schema)) return null;
  const matches = (e.schema as unknown[]).flatMap((b, i) =>
    b !== null && typeof b === 'object' && (b as { type?: unknown }).type === kind ? [i] : [],
  );
  return matches.length === 1 ? (matches[0] ?? null) : null;
}

function describe(e: ErrorObject): string {
  const parent: unknown = e.parentSchema;
  if (parent !== null && typeof parent === 'object' && 'description' in parent) {
    const d = (parent as { description?: unknown }).description;
    if (typeof d === 'string') return d;
  }
  if (e.keyword === 'type') {
    const type = String((e.params as { type?: unknown }).type);
    return TYPE_NAMES[type] ?? type;
  }
  return e.message ?? e.keyword;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  null: 'nothing',
};

function propertiesOf(schema: unknown): Record<string, unknown> {
  if (schema !== null && typeof schema === 'object' && 'properties' in schema) {
    const p = (schema as { properties?: unknown }).properties;
    if (p !== null && typeof p === 'object') return p as Record<string, unknown>;
  }
  return {};
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `ready.tcp`, `requires[2]`, `instances.aux_1.ports.http`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number' || /^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
