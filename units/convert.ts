// One merged, substituted raw unit → its resolved UnitSpec: defaults, durations in ms, commands as
// argv, checks and requirements parsed, paths made absolute. Problems go to `report` with a path.
import path from 'node:path';
import { commandArgv, hookArgv } from './command.js';
import type { DiagnosticCode } from './diagnostics.js';
import { DiagnosticCodes } from './diagnostics.js';
import type { JsonPath } from './parse.js';
import { parseMaxUnavailable } from './budget.js';
import { parseDuration } from './duration.js';
import { formatPath, show } from './schema.js';
import type { RawUnit } from './schema.js';
import type {
  Check, EnvFileSpec, FleetDeps, FleetRef, HealthSpec, LbSpec, LimitsSpec, LimitValue, MaxUnavailable, Ms, PreStartSpec, ReadySpec,
  ReloadSpec, Requirement, RestartSpec, RolloutSpec, SafeStopSpec, Signal, StopSpec, UnitSpec,
} from './types.js';
import { LIMIT_NAMES } from './types.js';

export type Report = (path: JsonPath, message: string, code?: DiagnosticCode, at?: 'key' | 'value') => void;

export interface UnitIdentity {
  name: string;
  file: string;
  template: string | null;
  instance: string | null;
}

/** A raw unit after substitution: ports already numbers. */
export type SubstitutedUnit = Omit<RawUnit, 'ports'> & { ports?: Record<string, number> };

const SECOND = 1000;
const CHECK_KINDS = ['tcp', 'http', 'exec', 'log'] as const;
const DEFAULT_CHECK_HOST = '127.0.0.1';

export function toUnitSpec(raw: SubstitutedUnit, id: UnitIdentity, report: Report): UnitSpec | null {
  let ok = true;
  const fail: Report = (p, message, code = DiagnosticCodes.badValue, at = 'value') => {
    ok = false;
    report(p, message, code, at);
  };
  const dir = path.dirname(id.file);
  const duration = (value: string | number | undefined, p: JsonPath, fallback: Ms): Ms => {
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === null) {
      fail(p, `${formatPath(p)}: expected a duration with a unit, like 250ms, 2s, 5m or 1h, got ${show(value)}`);
      return fallback;
    }
    return ms;
  };

  if (raw.command === undefined) {
    fail([], `${id.instance !== null ? 'instance' : 'unit'} "${id.name}" has no command`, DiagnosticCodes.missingCommand);
  }
  const ports = raw.ports ?? {};

  const readyCheck = raw.ready ? parseCheck(raw.ready, ['ready'], false, fail) : null;
  const ready: ReadySpec = {
    check: readyCheck ?? null,
    timeout: duration(raw.ready?.timeout, ['ready', 'timeout'], 30 * SECOND),
    interval: duration(raw.ready?.interval, ['ready', 'interval'], 100),
    grace: duration(raw.ready?.grace, ['ready', 'grace'], SECOND),
  };

  let health: HealthSpec | null = null;
  if (raw.health) {
    const check = parseCheck(raw.health, ['health'], true, fail);
    if (check) {
      health = {
        check,
        interval: duration(raw.health.interval, ['health', 'interval'], 10 * SECOND),
        timeout: duration(raw.health.timeout, ['health', 'timeout'], 5 * SECOND),
        failures: raw.health.failures ?? 3,
      };
    }
  }

  const restart: RestartSpec = {
    policy: raw.restart?.policy ?? 'on-failure',
    delay: duration(raw.restart?.delay, ['restart', 'delay'], SECOND),
    maxDelay: duration(raw.restart?.maxDelay, ['restart', 'maxDelay'], 60 * SECOND),
    burst: raw.restart?.burst ?? 5,
    window: duration(raw.restart?.window, ['restart', 'window'], 60 * SECOND),
  };

  const stop: StopSpec = {
    signal: raw.stop?.signal !== undefined ? normaliseSignal(raw.stop.signal) : 'SIGTERM',
    command: raw.stop?.command !== undefined ? commandArgv(raw.stop.command) : null,
    timeout: duration(raw.stop?.timeout, ['stop', 'timeout'], 30 * SECOND),
  };

  let safeStop: SafeStopSpec | null = null;
  if (raw.safeStop) {
    const s = raw.safeStop;
    if (s.http !== undefined && !isHttpUrl(s.http)) {
      fail(['safeStop', 'http'], `safeStop.http: expected an http:// or https:// URL, got ${show(s.http)}`);
    }
    safeStop = {
      signal: s.signal !== undefined ? normaliseSignal(s.signal) : null,
      command: s.command !== undefined ? commandArgv(s.command) : null,
      http: s.http ?? null,
      waitConnections: (s.waitConnections ?? []).flatMap((entry, i) => {
        const port = waitPort(entry, ports);
        if (port !== null) return [port];
        const known = Object.keys(ports);
        fail(
          ['safeStop', 'waitConnections', i],
          `safeStop.waitConnections[${i}]: ${show(entry)} is neither a port number nor a name in ports ` +
            `(${known.length > 0 ? `ports: ${known.join(', ')}` : 'the unit declares no ports'})`,
          DiagnosticCodes.unknownPort,
        );
        return [];
      }),
      timeout: duration(s.timeout, ['safeStop', 'timeout'], 600 * SECOND),
    };
  }

  const rollout: RolloutSpec = {
    strategy: raw.rollout?.strategy ?? 'one-by-one',
    maxUnavailable: maxUnavailableOf(raw.rollout?.maxUnavailable, fail),
    canary: raw.rollout?.canary === undefined ? null : duration(raw.rollout.canary, ['rollout', 'canary'], 0),
    debounce: duration(raw.rollout?.debounce, ['rollout', 'debounce'], 2 * SECOND),
    auto: raw.rollout?.auto ?? true,
  };

  const lb: LbSpec | null = raw.lb
    ? {
        disable: raw.lb.disable !== undefined ? hookArgv(raw.lb.disable) : null,
        enable: raw.lb.enable !== undefined ? hookArgv(raw.lb.enable) : null,
        timeout: duration(raw.lb.timeout, ['lb', 'timeout'], 30 * SECOND),
      }
    : null;

  const fleet: FleetDeps = { requires: [], after: [], follows: null };
  const requires: Requirement[] = [];
  (raw.requires ?? []).forEach((text, i) => {
    const ref = fleetRef(text);
    if (ref !== null) {
      fleet.requires.push(ref);
      return;
    }
    const r = parseRequirement(text);
    if (typeof r === 'string') fail(['requires', i], `requires[${i}]: ${r}`);
    else requires.push(r);
  });

  const envFile: EnvFileSpec[] = (raw.envFile === undefined ? [] : typeof raw.envFile === 'string' ? [raw.envFile] : raw.envFile)
    .map((f) => (f.startsWith('-') ? { path: path.resolve(dir, f.slice(1)), optional: true } : { path: path.resolve(dir, f), optional: false }));

  const preStartItems = raw.preStart === undefined ? [] : typeof raw.preStart === 'string' ? [raw.preStart] : raw.preStart;
  const preStart: PreStartSpec[] = preStartItems.map((item, i) => {
    const p: JsonPath = typeof raw.preStart === 'string' ? ['preStart'] : ['preStart', i];
    if (typeof item === 'string' || Array.isArray(item)) return { argv: commandArgv(item), timeout: 30 * SECOND };
    return { argv: commandArgv(item.command), timeout: duration(item.timeout, [...p, 'timeout'], 30 * SECOND) };
  });

  const limits: LimitsSpec = {};
  for (const name of LIMIT_NAMES) {
    const v = raw.limits?.[name];
    if (v === undefined) continue;
    const limit = typeof v === 'object' ? { soft: v.soft, hard: v.hard } : { soft: v, hard: v };
    if (limitAbove(limit.soft, limit.hard)) {
      fail(['limits', name, 'soft'], `limits.${name}: soft limit ${limit.soft} is above the hard limit ${limit.hard}`);
    }
    limits[name] = limit;
  }

  let reload: ReloadSpec | null = null;
  if (raw.reload !== undefined) {
    const r = raw.reload;
    if ((r.signal === undefined) === (r.command === undefined)) {
      fail(['reload'], `reload: give one of signal or command${r.signal !== undefined ? ' (found both)' : ''}`, DiagnosticCodes.badValue, 'key');
    }
    reload = {
      signal: r.signal !== undefined ? normaliseSignal(r.signal) : null,
      command: r.command !== undefined ? commandArgv(r.command) : null,
      timeout: duration(r.timeout, ['reload', 'timeout'], 30 * SECOND),
    };
  }

  let umask: number | null = null;
  if (raw.umask !== undefined) umask = typeof raw.umask === 'number' ? raw.umask : Number.parseInt(raw.umask, 8);

  const metadata = raw.metadata === undefined ? [] : typeof raw.metadata === 'string' ? [raw.metadata] : raw.metadata;
  const spec: UnitSpec = {
    name: id.name,
    file: id.file,
    template: id.template,
    instance: id.instance,
    description: raw.description ?? '',
    argv: raw.command !== undefined ? commandArgv(raw.command) : [],
    cwd: raw.cwd !== undefined ? path.resolve(dir, raw.cwd) : null,
    env: Object.fromEntries(Object.entries(raw.env ?? {}).map(([k, v]) => [k, String(v)])),
    user: raw.user !== undefined ? String(raw.user) : null,
    group: raw.group !== undefined ? String(raw.group) : null,
    umask,
    autostart: raw.autostart ?? true,
    requires,
    after: (raw.after ?? []).filter((a) => {
      const ref = fleetRef(a);
      if (ref !== null) fleet.after.push(ref);
      return ref === null;
    }),
    ready,
    health,
    restart,
    ports: { ...ports },
    stop,
    safeStop,
    metadata: metadata.map((g) => path.resolve(dir, g)),
    follows: raw.follows !== undefined && fleetRef(raw.follows) === null ? raw.follows : null,
    rollout,
    groups: raw.groups ?? [],
    lb,
    envFile,
    preStart,
    limits,
    reload,
  };
  fleet.follows = raw.follows === undefined ? null : fleetRef(raw.follows);
  if (fleet.requires.length > 0 || fleet.after.length > 0 || fleet.follows !== null) spec.fleet = fleet;
  return ok ? spec : null;
}

function limitAbove(soft: LimitValue, hard: LimitValue): boolean {
  return hard !== 'infinity' && (soft === 'infinity' || soft > hard);
}

function maxUnavailableOf(value: string | number | undefined, fail: Report): MaxUnavailable | null {
  if (value === undefined) return null;
  const m = parseMaxUnavailable(value);
  if (m === null) fail(['rollout', 'maxUnavailable'], `rollout.maxUnavailable: expected a count of units (1 or more) or a percentage like 25%, got ${show(value)}`);
  return m;
}

export function normaliseSignal(name: string): Signal {
  return (name.startsWith('SIG') ? name : `SIG${name}`) as Signal;
}

/** A whole-field port: a number, or a string of digits left by a substitution. */
export function toPort(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : null;
}

function waitPort(entry: string | number, ports: Record<string, number>): number | null {
  return toPort(entry) ?? ports[String(entry)] ?? null;
}

type CheckBlock = { tcp?: string | number; http?: string; exec?: string | string[]; log?: string };

function parseCheck(block: CheckBlock, at: JsonPath, required: boolean, fail: Report): Check | null {
  const kinds = CHECK_KINDS.filter((k) => block[k] !== undefined);
  const where = formatPath(at);
  if (kinds.length > 1) {
    fail(at, `${where}: give at most one of tcp, http, exec, log (found ${kinds.join(' and ')})`, DiagnosticCodes.badValue, 'key');
    return null;
  }
  const kind = kinds[0];
  if (kind === undefined) {
    if (required) fail(at, `${where}: give one of tcp, http, exec, log`, DiagnosticCodes.badValue, 'key');
    return null;
  }
  const p = [...at, kind];
  switch (kind) {
    case 'tcp': {
      const target = parseHostPort(String(block.tcp), true);
      if (target === null) fail(p, `${formatPath(p)}: expected a port number or host:port, got ${show(block.tcp)}`);
      return target && { kind: 'tcp', host: target.host, port: target.port };
    }
    case 'http': {
      const url = block.http ?? '';
      if (!isHttpUrl(url)) {
        fail(p, `${formatPath(p)}: expected an http:// or https:// URL, got ${show(url)}`);
        return null;
      }
      return { kind: 'http', url };
    }
    case 'exec':
      return { kind: 'exec', argv: commandArgv(block.exec ?? []) };
    case 'log': {
      const pattern = block.log ?? '';
      try {
        new RegExp(pattern);
      } catch (e) {
        fail(p, `${formatPath(p)}: not a valid regular expression (${e instanceof Error ? e.message : String(e)})`);
        return null;
      }
      return { kind: 'log', pattern };
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function parseHostPort(text: string, hostOptional: boolean): { host: string; port: number } | null {
  const bare = toPort(text);
  if (bare !== null) return hostOptional ? { host: DEFAULT_CHECK_HOST, port: bare } : null;
  const m = /^(?:\[([^\]]+)\]|([^:/\s]+)):(\d+)$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = toPort(m?.[3]);
  return host !== undefined && port !== null ? { host, port } : null;
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `HOST/UNIT` (a unit of another host of the fleet), or null for anything else. */
export function fleetRef(text: string): FleetRef | null {
  const m = /^([^\s/:]+)\/([A-Za-z0-9_][A-Za-z0-9_.@-]*)$/.exec(text);
  return m === null ? null : { host: m[1] as string, unit: m[2] as string, name: text };
}

/** A requirement, or the reason it is not one. */
export function parseRequirement(text: string): Requirement | string {
  if (text.startsWith('tcp://')) {
    const target = parseHostPort(text.slice('tcp://'.length), false);
    return target ? { kind: 'tcp', host: target.host, port: target.port, raw: text } : `expected tcp://host:port, got ${show(text)}`;
  }
  if (/^https?:\/\//.test(text)) {
    return isHttpUrl(text) ? { kind: 'http', url: text, raw: text } : `not a valid URL: ${show(text)}`;
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    return `unsupported requirement ${show(text)} (use a unit name, tcp://host:port or an http(s):// URL)`;
  }
  return { kind: 'unit', name: text };
}
