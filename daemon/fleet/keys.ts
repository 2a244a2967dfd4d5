// The etcd key layout of a fleet, written down once: every key supd reads or writes under
// `fleet.prefix` is built (and parsed back) here. The README's "Fleet" section shows the same table.
//
//   <prefix>/hosts/<host>           host record {name, api, version, started}; kept after the host goes
//   <prefix>/alive/<host>           leased: present while the host's supd holds its lease
//   <prefix>/units/<host>/<unit>    unit record {state, ready, pid, generation, metadata, stale, reason, since}
//   <prefix>/rollout/lock           leased: the id of the running fleet rollout (one at a time)
//   <prefix>/rollouts/<id>          a fleet rollout: target, strategy, driver, steps and outcomes

export interface FleetKeys {
  readonly prefix: string;
  all(): string;
  hosts(): string;
  host(host: string): string;
  alive(host: string): string;
  aliveAll(): string;
  units(): string;
  unitsOf(host: string): string;
  unit(host: string, unit: string): string;
  rolloutLock(): string;
  rollouts(): string;
  rollout(id: string): string;
  /** What a key under the prefix is, or null for a key supd does not own. */
  parse(key: string): ParsedKey | null;
}

export type ParsedKey =
  | { kind: 'host'; host: string }
  | { kind: 'alive'; host: string }
  | { kind: 'unit'; host: string; unit: string }
  | { kind: 'rollout-lock' }
  | { kind: 'rollout'; id: string };

export function fleetKeys(prefix: string): FleetKeys {
  const p = prefix.replace(/\/+$/, '');
  return {
    prefix: p,
    all: () => `${p}/`,
    hosts: () => `${p}/hosts/`,
    host: (h) => `${p}/hosts/${h}`,
    alive: (h) => `${p}/alive/${h}`,
    aliveAll: () => `${p}/alive/`,
    units: () => `${p}/units/`,
    unitsOf: (h) => `${p}/units/${h}/`,
    unit: (h, u) => `${p}/units/${h}/${u}`,
    rolloutLock: () => `${p}/rollout/lock`,
    rollouts: () => `${p}/rollouts/`,
    rollout: (id) => `${p}/rollouts/${id}`,
    parse(key) {
      if (!key.startsWith(`${p}/`)) return null;
      const parts = key.slice(p.length + 1).split('/');
      const [kind, a, b] = parts;
      if (a === undefined || a === '') return null;
      switch (kind) {
        case 'hosts':
          return parts.length === 2 ? { kind: 'host', host: a } : null;
        case 'alive':
          return parts.length === 2 ? { kind: 'alive', host: a } : null;
        case 'units':
          return parts.length === 3 && b !== undefined && b !== '' ? { kind: 'unit', host: a, unit: b } : null;
        case 'rollout':
          return parts.length === 2 && a === 'lock' ? { kind: 'rollout-lock' } : null;
        case 'rollouts':
          return parts.length === 2 ? { kind: 'rollout', id: a } : null;
        default:
          return null;
      }
    },
  };
}
