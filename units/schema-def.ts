// The JSON schema of a raw unit file, written with TypeBox so the raw types come from the same
// source. Build-time only: `npm run gen:schemas` turns it into plain JSON and a standalone
// validator (units/schema.gen.ts), so supd and supctl never load TypeBox or compile the schema
// at run time. Only `import type` of this file is allowed outside scripts/ and test/.
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { DURATION_TERMS } from './duration.js';
import { NAME_RE } from './patterns.js';
import { SIGNALS } from './types.js';

/** Allows `${…}` anywhere in a string whose final form is checked after substitution. */
const SUBST = String.raw`.*\$\{.*`;
const DURATION = String.raw`^(?:${DURATION_TERMS}|0|${SUBST})$`;
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

