// Loads supd's configuration: defaults, then the --config file (JSON or YAML), then SUPD_*
// variables, then flags; every problem becomes one ConfigError naming the key (main exits 78).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import convict from 'convict';
import YAML from 'yaml';
import { SupdError } from '../daemon/errors.js';
import { configSchema, parseEndpoints, parseHostPort, registerFormats, settingsOf, validatorOf } from './schema.js';
import type { HostPort, LogLevel, RawConfig, Setting } from './schema.js';

/** supd's configuration, resolved: absolute paths, durations in ms, sizes in bytes. */
export interface SupdConfig {
  /** The file given by --config or SUPD_CONFIG, absolute; null without one. */
  configFile: string | null;
  unitsDir: string;
  stateDir: string;
  logDir: string;
  api: {
    socket: string;
    /** null: TCP disabled (`--listen ''`). */
    listen: HostPort | null;
    tokensFile: string | null;
  };
  log: { level: LogLevel };
  shutdown: { safe: boolean; timeout: number };
  logs: { maxSize: number; keep: number };
  stats: { interval: number };
  portWait: number;
  host: string;
  /** null without `fleet.etcd`: a single-host supd. */
  fleet: FleetConfig | null;
}

export interface FleetConfig {
  etcd: string[];
  host: string;
  /** Base URL of this supd's TCP API for the other hosts. */
  advertise: string;
  prefix: string;
  /** Lease TTL in ms. */
  ttl: number;
  token: string | null;
  tls: { ca: string; cert: string | null; key: string | null } | null;
  auth: { user: string; password: string } | null;
}

export class ConfigError extends SupdError {
  constructor(message: string, hint = 'see supd --help') {
    super('SUPD_CONFIG', message, { hint });
  }
}

const CONFIG_ENV = 'SUPD_CONFIG';

function parseMapping(text: string, parse: (t: string) => unknown): Record<string, unknown> | null {
  const value = parse(text);
  if (value === null || value === undefined) return null; // an empty file sets nothing
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('must hold a mapping of settings (e.g. `unitsDir: /etc/supd/units`)');
  }
  return value as Record<string, unknown>;
}

let parsersAdded = false;
function registerParsers(): void {
  if (parsersAdded) return;
  convict.addParser([
    { extension: ['yaml', 'yml'], parse: (t) => parseMapping(t, (s) => YAML.parse(s)) },
    { extension: 'json', parse: (t) => parseMapping(t, (s) => JSON.parse(s)) },
  ]);
  parsersAdded = true;
}

interface ParsedArgs {
  configFile: string | null;
  flags: { setting: Setting; flag: string; value: string }[];
  help: boolean;
  version: boolean;
}

function parseArgs(argv: readonly string[], settings: readonly Setting[]): ParsedArgs {
  const byArg = new Map(settings.filter((s) => s.arg).map((s) => [s.arg, s]));
  const out: ParsedArgs = { configFile: null, flags: [], help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '-h' || token === '--help') { out.help = true; continue; }
    if (token === '-V' || token === '--version') { out.version = true; continue; }
    if (!token.startsWith('--')) throw new ConfigError(`config: unexpected argument ${JSON.stringify(token)}`);
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    let value: string | undefined = eq < 0 ? undefined : token.slice(eq + 1);
    const negated = name.startsWith('no-') ? byArg.get(name.slice(3)) : undefined;
    if (negated?.format === 'supd-bool' && value === undefined) {
      out.flags.push({ setting: negated, flag: token, value: 'false' });
      continue;
    }
    const s = name === 'config' ? null : byArg.get(name);
    if (name !== 'config' && s === undefined) throw new ConfigError(`config: unknown flag --${name}`);
    if (value === undefined) {
      if (s?.format === 'supd-bool') {
        value = 'true';
      } else {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) {
          throw new ConfigError(`config: flag --${name} needs a value`);
        }
        value = next;
        i++;
      }
    }
    if (s) out.flags.push({ setting: s, flag: `--${name}`, value });
    else out.configFile = value;
  }
  return out;
}

/** What main should do before loading anything: print usage or the version. */
export function requestedInfo(argv: readonly string[]): 'help' | 'version' | null {
  if (argv.includes('-h') || argv.includes('--help')) return 'help';
  if (argv.includes('-V') || argv.includes('--version')) return 'version';
  return null;
}

export function usage(): string {
  const settings = settingsOf(configSchema({}));
  const rows: [string, string][] = [['--config FILE', `configuration file, JSON or YAML [${CONFIG_ENV}]`]];
  for (const s of settings) {
    const flag = s.placeholder === null ? `--[no-]${s.arg}` : `--${s.arg} ${s.placeholder}`;
    rows.push([flag, `${s.doc} [${s.env}]`]);
  }
  rows.push(['-h, --help', 'print this help'], ['-V, --version', 'print the version']);
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  return [
    'Usage: supd [options]',
    '',
    'Runs the units in --units-dir. Settings come from defaults, then --config, then SUPD_*',
    'variables, then flags. Durations: 250ms, 5s, 15m, 1h. Sizes: 512KB, 64MB, 1GB.',
    '',
    'Options:',
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}${d}`),
    '',
  ].join('\n');
}

/** The package version, read from the package.json above this module (source or dist). */
export function supdVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first place where the values do not fit the schema's shape: a key it does not declare
 * (a typo in the file, usually) or a scalar where a section belongs. */
function shapeProblem(values: Record<string, unknown>, known: ReadonlySet<string>, where: string, prefix = ''): string | null {
  for (const [name, v] of Object.entries(values)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (known.has(key)) continue;
    if (![...known].some((k) => k.startsWith(`${key}.`))) return `unknown key ${JSON.stringify(key)} in ${where}`;
    if (!isRecord(v)) return `${key}: must be a section of settings, got ${JSON.stringify(v) ?? String(v)} (in ${where})`;
    const inner = shapeProblem(v, known, where, key);
    if (inner !== null) return inner;
  }
  return null;
}

function valueAt(values: Record<string, unknown>, key: string): unknown {
  let node: unknown = values;
  for (const part of key.split('.')) node = isRecord(node) ? node[part] : undefined;
  return node;
}

export interface LoadOptions {
  /** Relative paths resolve against this folder (default: the process's cwd). */
  cwd?: string;
}

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv, opts: LoadOptions = {}): SupdConfig {
  registerFormats();
  registerParsers();
  const cwd = opts.cwd ?? process.cwd();
  const schema = configSchema(env);
  const settings = settingsOf(schema);
  const args = parseArgs(argv, settings);
  const config = convict<RawConfig>(schema, { env, args: [] });

  const fileArg = args.configFile ?? env[CONFIG_ENV] ?? '';
  const configFile = fileArg === '' ? null : path.resolve(cwd, fileArg);
  if (configFile !== null) {
    try {
      fs.accessSync(configFile, fs.constants.R_OK);
    } catch (e) {
      throw new ConfigError(`config: cannot read ${configFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    try {
      config.loadFile(configFile);
    } catch (e) {
      throw new ConfigError(`config: ${configFile}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  for (const f of args.flags) config.set(f.setting.key, f.value);

  const values = config.getProperties() as unknown as Record<string, unknown>;
  const shape = shapeProblem(values, new Set(settings.map((s) => s.key)), configFile ?? 'the configuration');
  if (shape !== null) throw new ConfigError(`config: ${shape}`);
  for (const s of settings) {
    const check = validatorOf(s.format);
    try {
      check?.(valueAt(values, s.key));
    } catch (e) {
      const flag = [...args.flags].reverse().find((f) => f.setting.key === s.key);
      const source = flag ? `from ${flag.flag}` : env[s.env] !== undefined ? `from ${s.env}` : configFile ? `in ${configFile}` : 'default';
      throw new ConfigError(`config: ${s.key}: ${e instanceof Error ? e.message : String(e)} (${source})`);
    }
  }
  try {
    config.validate({ allowed: 'strict' });
  } catch (e) {
    // Our own checks above should have caught everything; keep convict's word as a backstop.
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new ConfigError(`config: ${first}`);
  }
  return resolve(config.getProperties(), cwd, configFile);
}

/** Loopback only: 127.0.0.0/8, ::1 (also as ::ffff:127.x) and the name localhost. Any other
 * name might resolve anywhere, so it counts as not loopback. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.exec(h);
  return v4 !== null && v4[1] === '127';
}

function resolve(raw: RawConfig, cwd: string, configFile: string | null): SupdConfig {
  const abs = (p: string): string => path.resolve(cwd, p);
  const stateDir = abs(raw.stateDir);
  const listen = raw.api.listen === '' ? null : parseHostPort(raw.api.listen);
  // Secure by default: without tokens, the TCP API is reachable only from this host.
  if (listen !== null && raw.api.tokensFile === '' && !isLoopback(listen.host)) {
    throw new ConfigError(
      `config: api.listen: ${raw.api.listen} is not a loopback address and api.tokensFile is not set, so anyone who can reach it ` +
        'could start and stop units; set api.tokensFile (bearer tokens with roles) or listen on 127.0.0.1',
    );
  }
  return {
    configFile,
    unitsDir: abs(raw.unitsDir),
    stateDir,
    logDir: raw.logDir === '' ? path.join(stateDir, 'logs') : abs(raw.logDir),
    api: {
      socket: raw.api.socket === '' ? path.join(stateDir, 'supd.sock') : abs(raw.api.socket),
      listen,
      tokensFile: raw.api.tokensFile === '' ? null : abs(raw.api.tokensFile),
    },
    log: { level: raw.log.level },
    shutdown: { safe: raw.shutdown.safe, timeout: raw.shutdown.timeout },
    logs: { maxSize: raw.logs.maxSize, keep: raw.logs.keep },
    stats: { interval: raw.stats.interval },
    portWait: raw.portWait,
    host: raw.host,
    fleet: fleetOf(raw, abs),
  };
}

function fleetOf(raw: RawConfig, abs: (p: string) => string): FleetConfig | null {
  const f = raw.fleet;
  const etcd = f.etcd === '' ? null : parseEndpoints(f.etcd);
  if (etcd === null) return null;
  if ((f.etcdCert === '') !== (f.etcdKey === '')) throw new ConfigError('config: fleet.etcdCert and fleet.etcdKey go together: set both or neither');
  if (f.etcdCert !== '' && f.etcdCa === '') throw new ConfigError('config: fleet.etcdCert needs fleet.etcdCa (the CA of etcd\'s TLS)');
  if ((f.etcdUser === '') !== (f.etcdPassword === '')) throw new ConfigError('config: fleet.etcdUser and fleet.etcdPassword go together: set both or neither');
  if (f.ttl < 2000) throw new ConfigError(`config: fleet.ttl: must be at least 2s (etcd's shortest lease), got ${f.ttl}ms`);
  let advertise = f.advertise;
  if (advertise === '') {
    const listen = raw.api.listen === '' ? null : parseHostPort(raw.api.listen);
    if (listen === null) throw new ConfigError('config: fleet.advertise: needed when api.listen is empty (the other hosts reach this supd over TCP)');
    const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host === '0.0.0.0' ? raw.host : listen.host;
    advertise = `http://${host}:${listen.port}`;
  }
  return {
    etcd,
    host: f.host === '' ? raw.host : f.host,
    advertise: advertise.replace(/\/+$/, ''),
    prefix: f.prefix,
    ttl: f.ttl,
    token: f.token === '' ? null : f.token,
    tls: f.etcdCa === '' ? null : { ca: abs(f.etcdCa), cert: f.etcdCert === '' ? null : abs(f.etcdCert), key: f.etcdKey === '' ? null : abs(f.etcdKey) },
    auth: f.etcdUser === '' ? null : { user: f.etcdUser, password: f.etcdPassword },
  };
}
