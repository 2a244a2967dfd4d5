// The convict schema of supd's own configuration: keys, defaults, SUPD_* variables, flags, and
// the value formats (durations, sizes, host:port) with the messages a user sees when one is wrong.
import os from 'node:os';
import convict from 'convict';
import { parseDuration } from '../units/duration.js';
import { defaultStateDir } from './defaults.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The values convict holds once coerced: paths still as written, durations in ms, sizes in bytes. */
export interface RawConfig {
  unitsDir: string;
  stateDir: string;
  logDir: string;
  api: { socket: string; listen: string; tokensFile: string };
  log: { level: LogLevel };
  shutdown: { safe: boolean; timeout: number };
  logs: { maxSize: number; keep: number };
  stats: { interval: number };
  portWait: number;
  host: string;
  fleet: {
    etcd: string; host: string; advertise: string; prefix: string; ttl: number; token: string;
    etcdCa: string; etcdCert: string; etcdKey: string; etcdUser: string; etcdPassword: string;
  };
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** `64MB`, `512KB`, `1g`, `4096` to bytes, with binary multiples (1KB = 1024 bytes); null otherwise. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return null;
  const unit = SIZE_UNITS[(m[2] ?? '').toLowerCase()];
  return unit === undefined ? null : Math.round(Number(m[1]) * unit);
}

/** `http://a:2379,https://b:2379` to URLs; null when one is not an http(s) URL. */
export function parseEndpoints(text: string): string[] | null {
  const out: string[] = [];
  for (const part of text.split(',')) {
    const t = part.trim();
    let u: URL;
    try {
      u = new URL(t);
    } catch {
      return null;
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.host === '') return null;
    out.push(t.replace(/\/+$/, ''));
  }
  return out.length === 0 ? null : out;
}

export interface HostPort {
  host: string;
  port: number;
}

/** `127.0.0.1:7878`, `localhost:7878`, `[::1]:7878`; null when malformed. */
export function parseHostPort(text: string): HostPort | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? m[2] ?? '', port };
}

function shown(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function fail(expected: string, value: unknown): never {
  throw new Error(`must be ${expected}, got ${shown(value)}`);
}

/** Converters never throw: a value they cannot read is left as is, and its format rejects it
 * with a message naming the key (convict would otherwise throw a bare error from its constructor). */
const FORMATS: Record<string, convict.Format> = {
  'supd-path': {
    validate(v: unknown) {
      if (typeof v !== 'string' || v.trim() === '') fail('a path', v);
    },
  },
  'supd-optional-path': {
    validate(v: unknown) {
      if (typeof v !== 'string') fail('a path or empty', v);
    },
  },
  'supd-listen': {
    validate(v: unknown) {
      if (v === '') return;
      if (typeof v !== 'string' || parseHostPort(v) === null) fail('host:port (or empty to disable)', v);
    },
  },
  'supd-log-level': {
    validate(v: unknown) {
      if (typeof v !== 'string' || !(LOG_LEVELS as readonly string[]).includes(v)) fail(`one of ${LOG_LEVELS.join(', ')}`, v);
    },
    coerce: (v: string) => v.trim().toLowerCase(),
  },
  'supd-bool': {
    validate(v: unknown) {
      if (typeof v !== 'boolean') fail('true or false', v);
    },
    coerce(v: string): boolean | string {
      const s = v.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      return v;
    },
  },
  'supd-duration': {
    validate(v: unknown) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail('a duration such as 250ms, 5s, 15m or 1h', v);
    },
    coerce: (v: string) => parseDuration(v.trim()) ?? v,
  },
  'supd-size': {
    validate(v: unknown) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail('a size such as 64MB, 512KB or a number of bytes', v);
    },
    coerce: (v: string) => parseSize(v) ?? v,
  },
  'supd-count': {
    validate(v: unknown) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail('a whole number of at least 1', v);
    },
    coerce: (v: string) => (/^\s*\d+\s*$/.test(v) ? Number(v) : v),
  },
  'supd-endpoints': {
    validate(v: unknown) {
      if (v === '') return;
      if (typeof v !== 'string' || parseEndpoints(v) === null) fail('comma-separated http(s)://host:port URLs (or empty: no fleet)', v);
    },
  },
  'supd-optional-url': {
    validate(v: unknown) {
      if (v === '') return;
      if (typeof v !== 'string' || parseEndpoints(v)?.length !== 1) fail('an http(s):// URL (or empty)', v);
    },
  },
  'supd-key-prefix': {
    validate(v: unknown) {
      if (typeof v !== 'string' || !/^\/[^\s]*[^/\s]$/.test(v)) fail('an etcd key prefix such as /supd (starting with /, not ending with /)', v);
    },
  },
  'supd-optional-hostname': {
    validate(v: unknown) {
      if (typeof v !== 'string' || !/^[^\s/]*$/.test(v)) fail('a host name without / (or empty: the host setting)', v);
    },
  },
  'supd-text': {
    validate(v: unknown) {
      if (typeof v !== 'string') fail('a string', v);
    },
  },
  'supd-hostname': {
    validate(v: unknown) {
      if (typeof v !== 'string' || !/^[^\s/]+$/.test(v)) fail('a host name', v);
    },
  },
};

export type FormatName = keyof typeof FORMATS;

let registered = false;
/** Adds supd's formats to convict's global registry, once. */
export function registerFormats(): void {
  if (registered) return;
  convict.addFormats(FORMATS);
  registered = true;
}

/** The validator of a format, so the loader can name the first bad key itself. */
export function validatorOf(format: string): ((value: unknown) => void) | null {
  const f = FORMATS[format];
  return f?.validate ? (v: unknown) => f.validate?.(v, { default: null }) : null;
}

/** One setting as the flag parser and `usage()` see it. */
export interface Setting {
  key: string;
  format: string;
  env: string;
  arg: string;
  /** What the flag's value looks like in `--help`; null for a boolean flag. */
  placeholder: string | null;
  doc: string;
}

function setting<T>(format: string, def: T, env: string, arg: string, placeholder: string | null, doc: string): convict.SchemaObj<T> {
  return { format, default: def, env, arg, placeholder, doc };
}

/** Defaults that depend on the machine (state dir, host name) are computed from `env` here. */
export function configSchema(env: NodeJS.ProcessEnv): convict.Schema<RawConfig> {
  return {
    unitsDir: setting('supd-path', './units', 'SUPD_UNITS_DIR', 'units-dir', 'DIR', 'folder of unit files'),
    stateDir: setting('supd-path', defaultStateDir(env), 'SUPD_STATE_DIR', 'state-dir', 'DIR', 'state folder (socket, logs)'),
    logDir: setting('supd-optional-path', '', 'SUPD_LOG_DIR', 'log-dir', 'DIR', 'unit logs folder; empty: <stateDir>/logs'),
    api: {
      socket: setting('supd-optional-path', '', 'SUPD_API_SOCKET', 'socket', 'PATH', 'API unix socket; empty: <stateDir>/supd.sock'),
      listen: setting('supd-listen', '127.0.0.1:7878', 'SUPD_API_LISTEN', 'listen', 'HOST:PORT', "API TCP address; '' disables it"),
      tokensFile: setting('supd-optional-path', '', 'SUPD_API_TOKENS_FILE', 'tokens-file', 'FILE', 'JSON map of bearer token to role'),
    },
    log: {
      level: setting<LogLevel>('supd-log-level', 'info', 'SUPD_LOG_LEVEL', 'log-level', 'LEVEL', LOG_LEVELS.join('|')),
    },
    shutdown: {
      safe: setting('supd-bool', false, 'SUPD_SHUTDOWN_SAFE', 'safe-shutdown', null, 'drain units (safeStop) when supd stops'),
      timeout: setting('supd-duration', 15 * 60_000, 'SUPD_SHUTDOWN_TIMEOUT', 'shutdown-timeout', 'DURATION', 'bound on stopping every unit at exit'),
    },
    logs: {
      maxSize: setting('supd-size', 64 * 1024 ** 2, 'SUPD_LOGS_MAX_SIZE', 'logs-max-size', 'SIZE', "rotate a unit's log past this size"),
      keep: setting('supd-count', 5, 'SUPD_LOGS_KEEP', 'logs-keep', 'N', 'rotated log files kept per unit'),
    },
    stats: {
      interval: setting('supd-duration', 5000, 'SUPD_STATS_INTERVAL', 'stats-interval', 'DURATION', 'cpu/memory are read when status or metrics are asked for, at most once per this period'),
    },
    portWait: setting('supd-duration', 10_000, 'SUPD_PORT_WAIT', 'port-wait', 'DURATION', "how long to wait for a unit's ports to be free"),
    host: setting('supd-hostname', os.hostname(), 'SUPD_HOST', 'host', 'NAME', 'host name substituted for ${host}'),
    fleet: {
      etcd: setting('supd-endpoints', '', 'SUPD_FLEET_ETCD', 'fleet-etcd', 'URLS', 'etcd endpoints of the fleet (comma-separated); empty: single host'),
      host: setting('supd-optional-hostname', '', 'SUPD_FLEET_HOST', 'fleet-host', 'NAME', "this host's name in the fleet; empty: the host setting"),
      advertise: setting('supd-optional-url', '', 'SUPD_FLEET_ADVERTISE', 'fleet-advertise', 'URL', "this supd's TCP API as other hosts reach it; empty: http://<api.listen>"),
      prefix: setting('supd-key-prefix', '/supd', 'SUPD_FLEET_PREFIX', 'fleet-prefix', 'PREFIX', 'etcd key prefix of the fleet'),
      ttl: setting('supd-duration', 10_000, 'SUPD_FLEET_TTL', 'fleet-ttl', 'DURATION', "etcd lease: a host silent this long is unreachable"),
      token: setting('supd-text', '', 'SUPD_FLEET_TOKEN', 'fleet-token', 'TOKEN', 'token presented to the other supd (role fleet or admin there)'),
      etcdCa: setting('supd-optional-path', '', 'SUPD_FLEET_ETCD_CA', 'fleet-etcd-ca', 'FILE', "CA certificate of etcd's TLS (https endpoints)"),
      etcdCert: setting('supd-optional-path', '', 'SUPD_FLEET_ETCD_CERT', 'fleet-etcd-cert', 'FILE', 'client certificate for etcd (with --fleet-etcd-key)'),
      etcdKey: setting('supd-optional-path', '', 'SUPD_FLEET_ETCD_KEY', 'fleet-etcd-key', 'FILE', 'client key for etcd'),
      etcdUser: setting('supd-text', '', 'SUPD_FLEET_ETCD_USER', 'fleet-etcd-user', 'NAME', 'etcd user (etcd auth enabled)'),
      etcdPassword: setting('supd-text', '', 'SUPD_FLEET_ETCD_PASSWORD', 'fleet-etcd-password', 'PASSWORD', 'password of the etcd user'),
    },
  };
}

function isLeaf(node: unknown): node is convict.SchemaObj {
  return typeof node === 'object' && node !== null && 'default' in node;
}

/** The schema's settings in declaration order, keyed by their dotted path. */
export function settingsOf(schema: convict.Schema<RawConfig>): Setting[] {
  const out: Setting[] = [];
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [name, child] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (isLeaf(child)) {
        out.push({
          key,
          format: typeof child.format === 'string' ? child.format : String(child.format as unknown),
          env: child.env ?? '',
          arg: child.arg ?? '',
          placeholder: typeof child['placeholder'] === 'string' ? child['placeholder'] : null,
          doc: child.doc ?? '',
        });
      } else if (typeof child === 'object' && child !== null) {
        walk(child as Record<string, unknown>, key);
      }
    }
  };
  walk(schema, '');
  return out;
}
