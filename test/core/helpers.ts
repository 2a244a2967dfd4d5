// Test helpers for the pure core: UnitSpecs with SPEC.md's defaults, the Topology of
// units/graph.ts (as the runtime builds it), and small drivers for a fleet.
import type {
  LbSpec, ReadySpec, Requirement, RestartSpec, RolloutSpec, SafeStopSpec, StopSpec, UnitSpec,
} from '../../units/types.js';
import { dispatch, type Fleet, type FleetEffect, type Topology } from '../../daemon/core/fleet.js';
import { newUnit, type Effect, type Unit, type UnitState } from '../../daemon/core/model.js';
import { topologyOf } from '../../daemon/topology.js';

export interface SpecOverrides extends Partial<Omit<UnitSpec, 'requires' | 'ready' | 'restart' | 'stop' | 'safeStop' | 'rollout' | 'lb'>> {
  /** A string is a unit requirement; `tcp://h:p` and `http(s)://…` strings are remote ones. */
  requires?: (Requirement | string)[];
  ready?: Partial<ReadySpec>;
  restart?: Partial<RestartSpec>;
  stop?: Partial<StopSpec>;
  safeStop?: Partial<SafeStopSpec> | null;
  rollout?: Partial<RolloutSpec>;
  lb?: Partial<LbSpec> | null;
}

function requirement(r: Requirement | string): Requirement {
  if (typeof r !== 'string') return r;
  const tcp = /^tcp:\/\/([^:]+):(\d+)$/.exec(r);
  if (tcp !== null) return { kind: 'tcp', host: tcp[1] as string, port: Number(tcp[2]), raw: r };
  if (/^https?:\/\//.test(r)) return { kind: 'http', url: r, raw: r };
  return { kind: 'unit', name: r };
}

/** A resolved unit with every field at its SPEC.md default, then the overrides. */
export function unitSpec(name: string, o: SpecOverrides = {}): UnitSpec {
  return {
    name,
    file: o.file ?? `/etc/supd/units/${name}.yaml`,
    template: o.template ?? null,
    instance: o.instance ?? null,
    description: o.description ?? '',
    argv: o.argv ?? ['/usr/bin/server', name],
    cwd: o.cwd ?? null,
    env: o.env ?? {},
    user: o.user ?? null,
    group: o.group ?? null,
    umask: o.umask ?? null,
    autostart: o.autostart ?? true,
    requires: (o.requires ?? []).map(requirement),
    after: o.after ?? [],
    ready: { check: null, timeout: 30_000, interval: 100, grace: 1000, ...o.ready },
    health: o.health ?? null,
    restart: { policy: 'on-failure', delay: 1000, maxDelay: 60_000, burst: 5, window: 60_000, ...o.restart },
    ports: o.ports ?? {},
    stop: { signal: 'SIGTERM', command: null, timeout: 30_000, ...o.stop },
    safeStop: o.safeStop == null ? null : { signal: null, command: null, http: null, waitConnections: [], timeout: 600_000, ...o.safeStop },
    metadata: o.metadata ?? [],
    follows: o.follows ?? null,
    rollout: { strategy: 'one-by-one', maxUnavailable: null, canary: null, debounce: 2000, auto: true, ...o.rollout },
    groups: o.groups ?? [],
    lb: o.lb == null ? null : { disable: null, enable: null, timeout: 30_000, ...o.lb },
    envFile: o.envFile ?? [],
    preStart: o.preStart ?? [],
    limits: o.limits ?? {},
    reload: o.reload ?? null,
  };
}

/** The requires/after graph of the specs: units/graph.ts's, as the runtime builds it. */
export function topology(specs: readonly UnitSpec[]): Topology {
  return topologyOf(specs).topo;
}

/** A unit in the given state, goal up, on its first process unless told otherwise. */
export function unitIn(s: UnitState, extra: Partial<Unit> = {}): Unit {
  return { ...newUnit('u', 0), goal: 'up', gen: 1, ...extra, s };
}

export function kinds(effects: readonly (Effect | FleetEffect)[]): string[] {
  return effects.map((e) => e.kind);
}

export function ofKind<K extends FleetEffect['kind']>(effects: readonly FleetEffect[], kind: K): Extract<FleetEffect, { kind: K }>[] {
  return effects.filter((e): e is Extract<FleetEffect, { kind: K }> => e.kind === kind);
}

export function stateOf(f: Fleet, name: string): string {
  return f.units.get(name)?.s.state ?? 'absent';
}

export function genOf(f: Fleet, name: string): number {
  return f.units.get(name)?.gen ?? -1;
}

/** A running process's pid, made up from its name and generation so each spawn differs. */
export function pidFor(f: Fleet, name: string): number {
  return 1000 + [...f.units.keys()].indexOf(name) * 100 + genOf(f, name);
}

/** The edge reports the process of the unit's current generation as spawned. */
export function spawned(f: Fleet, name: string, now: number): FleetEffect[] {
  return dispatch(f, { type: 'unit', unit: name, event: { type: 'spawned', gen: genOf(f, name), pid: pidFor(f, name) }, now });
}

/** The unit's current process exited; a spawn that follows is reported as done. */
export function exited(f: Fleet, name: string, now: number, code: number | null, signal: string | null = null): FleetEffect[] {
  return autoSpawn(f, dispatch(f, { type: 'unit', unit: name, event: { type: 'exited', gen: genOf(f, name), code, signal }, now }), now);
}

/** Acts as the edges would on a pass's effects: reports every spawn as done (recursively), and
 * returns everything seen. Probes, signals and commands are left to the test. */
export function autoSpawn(f: Fleet, effects: FleetEffect[], now: number): FleetEffect[] {
  const all = [...effects];
  for (let i = 0; i < all.length; i++) {
    const e = all[i] as FleetEffect;
    if (e.kind === 'spawn') all.push(...spawned(f, e.unit, now));
  }
  return all;
}

/** Ticks the fleet to `now`, reporting spawns as done: with grace readiness, units become ready. */
export function tick(f: Fleet, now: number): FleetEffect[] {
  return autoSpawn(f, dispatch(f, { type: 'tick', now }), now);
}

/** Ticks from timer to timer until nothing is due before `until`, reporting spawns as done: every
 * effect seen, in order. Units with grace readiness come up; the test plays any other edge. */
export function runUntil(f: Fleet, until: number): FleetEffect[] {
  const all: FleetEffect[] = [];
  for (;;) {
    const due = f.timers.nextDue();
    if (due === null || due > until) return all;
    all.push(...tick(f, due));
  }
}

/** A fleet event's `now` comes first in these tests; the rest reads as the command it is. */
export function send(f: Fleet, now: number, ev: DistributiveOmit<Parameters<typeof dispatch>[1], 'now'>): FleetEffect[] {
  return autoSpawn(f, dispatch(f, { ...ev, now }), now);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The unit names of the effects of one kind, in order. */
export function unitsOf(effects: readonly FleetEffect[], kind: FleetEffect['kind']): string[] {
  return effects.flatMap((e) => (e.kind === kind && 'unit' in e ? [e.unit] : []));
}
