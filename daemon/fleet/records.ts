// The records supd keeps in etcd (see keys.ts for where) and the fleet view read back from them.
// Pure: parsing tolerates a record from another supd version (unknown fields are ignored, a
// malformed one is reported, never thrown).
import { UNIT_STATES, type FleetHostView, type FleetUnitView, type FleetView, type UnitStateName } from '../control.js';
import type { FleetKeys } from './keys.js';

export interface HostRecord {
  name: string;
  /** Base URL of the host's TCP API. */
  api: string;
  version: string;
  /** ISO time this supd started. */
  started: string;
}

export interface UnitRecord {
  state: UnitStateName;
  ready: boolean;
  pid: number | null;
  /** Spawn generation: grows with every start of the unit on its host. */
  generation: number;
  /** A master's metadata generation (its last settled metadata change, ms since the epoch), or null. */
  metadata: number | null;
  stale: boolean;
  reason: string;
  /** ISO time of the last transition. */
  since: string;
  /** The `HOST/UNIT` units this one requires: a stop of one of them stops this one first. */
  requires: string[];
  /** Its groups: a fleet rollout over a group takes the group's units on every host. */
  groups: string[];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseHost(text: string): HostRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObj(v) || typeof v['name'] !== 'string' || typeof v['api'] !== 'string') return null;
  return { name: v['name'], api: v['api'], version: scalarText(v['version'], '?'), started: scalarText(v['started'], '') };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((r): r is string => typeof r === 'string') : [];
}

const STATES = new Set<string>(UNIT_STATES);

export function parseUnit(text: string): UnitRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObj(v) || typeof v['state'] !== 'string' || !STATES.has(v['state'])) return null;
  return {
    state: v['state'] as UnitStateName,
    ready: v['ready'] === true,
    pid: typeof v['pid'] === 'number' ? v['pid'] : null,
    generation: typeof v['generation'] === 'number' ? v['generation'] : 0,
    metadata: typeof v['metadata'] === 'number' ? v['metadata'] : null,
    stale: v['stale'] === true,
    reason: typeof v['reason'] === 'string' ? v['reason'] : '',
    since: typeof v['since'] === 'string' ? v['since'] : '',
    requires: strings(v['requires']),
    groups: strings(v['groups']),
  };
}

/** The fleet as one range read of the prefix shows it; hosts and units sorted by name. */
/** The `HOST/UNIT` names a fleet target stands for: itself when it is one; else, on every host, the
 * units of that name or in that group, by host then unit. */
export function expandTarget(keys: FleetKeys, kvs: ReadonlyMap<string, string>, target: string): string[] {
  if (target.includes('/')) return [target];
  const out: string[] = [];
  for (const [key, value] of kvs) {
    const k = keys.parse(key);
    if (k?.kind !== 'unit') continue;
    const rec = parseUnit(value);
    if (rec !== null && (k.unit === target || rec.groups.includes(target))) out.push(`${k.host}/${k.unit}`);
  }
  return out.sort();
}

export function viewOf(keys: FleetKeys, kvs: ReadonlyMap<string, string>, self: string): FleetView {
  const hosts = new Map<string, HostRecord>();
  const alive = new Set<string>();
  const units: { host: string; name: string; rec: UnitRecord }[] = [];
  for (const [key, value] of kvs) {
    const k = keys.parse(key);
    if (k === null) continue;
    if (k.kind === 'host') {
      const h = parseHost(value);
      if (h !== null) hosts.set(k.host, h);
    } else if (k.kind === 'alive') {
      alive.add(k.host);
    } else if (k.kind === 'unit') {
      const rec = parseUnit(value);
      if (rec !== null) units.push({ host: k.host, name: k.unit, rec });
    }
  }
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const hostViews: FleetHostView[] = [...hosts.entries()].sort((a, b) => byName(a[0], b[0]))
    .map(([name, h]) => ({ ...h, name, reachable: alive.has(name) }));
  const reachable = new Set(hostViews.filter((h) => h.reachable).map((h) => h.name));
  const unitViews = units
    .sort((a, b) => byName(a.host, b.host) || byName(a.name, b.name))
    .map(({ host, name, rec }): FleetUnitView => {
      const up = reachable.has(host);
      return {
        host, name,
        state: up ? rec.state : 'unknown',
        ready: up && rec.ready,
        pid: up ? rec.pid : null,
        generation: rec.generation,
        stale: up && rec.stale,
        reason: up ? rec.reason : `host ${host} is unreachable (its etcd lease expired)`,
        since: rec.since,
      };
    });
  return { self, hosts: hostViews, units: unitViews };
}

/** A scalar field as text (another supd version may write a number); anything else is `fallback`. */
function scalarText(v: unknown, fallback: string): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : fallback;
}

/** What changed between two views of the fleet, as the events /v1/fleet/events sends. */
export interface ViewChanges {
  units: FleetUnitView[];
  gone: { host: string; name: string }[];
  hosts: FleetHostView[];
}

export function changesOf(prev: FleetView, next: FleetView): ViewChanges {
  const key = (u: { host: string; name: string }): string => `${u.host}/${u.name}`;
  const before = new Map(prev.units.map((u) => [key(u), JSON.stringify(u)]));
  const hostsBefore = new Map(prev.hosts.map((h) => [h.name, JSON.stringify(h)]));
  const now = new Set(next.units.map(key));
  return {
    units: next.units.filter((u) => before.get(key(u)) !== JSON.stringify(u)),
    gone: prev.units.filter((u) => !now.has(key(u))).map((u) => ({ host: u.host, name: u.name })),
    hosts: next.hosts.filter((h) => hostsBefore.get(h.name) !== JSON.stringify(h)),
  };
}
