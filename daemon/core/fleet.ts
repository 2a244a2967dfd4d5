// The fleet: every unit, the graph between them, the timer queue and the pending jobs.
// dispatch(fleet, event) routes an event to units, wakes waiting units, orders stops
// (dependents first) and settles jobs. It mutates the fleet it is given, in place, so that one
// event costs O(units it touches), not O(fleet), with thousands of units; it does no I/O.
import type { UnitSpec } from '../../units/types.js';
import {
  isDown, isFailed, isReady, isRunning, isWaiting, settled, stateName, step, stopPending,
  type FleetView, type StepResult,
} from './machine.js';
import { newUnit, type Effect, type TimerKind, type Unit, type UnitEvent } from './model.js';
import { TimerQueue } from './timers.js';
import { JobBook, wantReady, type JobEffect, type JobEntry } from './jobs.js';
import { ROLLOUT_TIMER, RolloutBook, type OpenRollout, type RolloutDriver } from './rollout-book.js';
import type { Rollout } from './rollout.js';

/** What the fleet needs to know of the graph (units/graph.ts provides it). */
export interface Topology {
  requirements(name: string): readonly string[];
  dependents(name: string): readonly string[];
  afterOf(name: string): readonly string[];
  afterDependents(name: string): readonly string[];
  requiresClosure(names: readonly string[]): string[];
  dependentsClosure(names: readonly string[]): string[];
}

export interface Fleet {
  specs: Map<string, UnitSpec>;
  topo: Topology;
  units: Map<string, Unit>;
  timers: TimerQueue;
  jobs: JobBook;
  /** Rolling restarts, running and past. */
  rollouts: RolloutBook;
  /** Units dropped by a reload, kept until they are down. */
  removed: Set<string>;
  /** Units of other hosts (`HOST/UNIT`) as etcd last showed them: read-only records, absent while
   * unknown (never published, or their host unreachable). */
  remote: Map<string, RemoteUnit>;
  /** Why the fleet's store (etcd) cannot be reached now, or null while it answers (and on a host
   * with no fleet): remote requirements are then unknown, and waiting units say so. */
  storeDown: string | null;
}

/** A unit of another host, as its supd published it. */
export interface RemoteUnit {
  state: string;
  ready: boolean;
  /** A master's last metadata change (ms since the epoch), or null. */
  metadata: number | null;
}

/** Commands say who asked (`supctl`, `rollout r1`, `supd at boot`…): the units' transitions name it. */
export type FleetEvent =
  | { type: 'unit'; unit: string; event: UnitEvent; now: number }
  | { type: 'tick'; now: number }
  | { type: 'start'; units: string[]; job: string | null; by?: string; now: number }
  | { type: 'stop'; units: string[]; safe: boolean; job: string | null; by?: string; now: number }
  | { type: 'restart'; units: string[]; safe: boolean; withDependents: boolean; strictLb?: boolean; job: string | null; by?: string; now: number }
  | { type: 'reload'; specs: UnitSpec[]; topo: Topology; now: number }
  /** Files owned by a master changed; settles after its rollout debounce. */
  | { type: 'metadata'; unit: string; paths: string[]; now: number }
  /** A unit of another host changed (null: unknown now); wakes the units waiting on it. */
  | { type: 'remote'; name: string; unit: RemoteUnit | null; now: number }
  /** A master on another host published a newer metadata generation: its followers here roll. */
  | { type: 'remoteMetadata'; master: string; now: number }
  /** The fleet's store stopped answering (why) or answers again (null). */
  | { type: 'fleetStore'; down: string | null; now: number }
  /** A rolling restart (the caller checked that no rollout runs on these units). */
  | ({ type: 'rollout'; now: number } & OpenRollout)
  | { type: 'cancelRollout'; id: string; now: number };

/** A rollout changed (a copy as it is at the end of the pass). */
export type RolloutEffect = { kind: 'rollout'; rollout: Rollout };

export type FleetEffect = Exclude<Effect, { kind: 'setTimer' | 'clearTimer' }> | JobEffect | RolloutEffect;

export function createFleet(specs: UnitSpec[], topo: Topology, now: number): Fleet {
  const units = new Map<string, Unit>();
  for (const s of specs) units.set(s.name, newUnit(s.name, now));
  return {
    specs: new Map(specs.map((s) => [s.name, s])), topo, units, timers: new TimerQueue(), jobs: new JobBook(), rollouts: new RolloutBook(),
    removed: new Set(), remote: new Map(), storeDown: null,
  };
}

const timerKey = (unit: string, timer: TimerKind): string => `${timer}\u0000${unit}`;

/** One pass of work: effects out, and the units whose state changed (to wake their neighbours).
 * It is also what a unit's step may ask of the fleet (FleetView). */
class Pass implements FleetView {
  readonly out: FleetEffect[] = [];
  private readonly changed: string[] = [];
  private drv: RolloutDriver | null = null;

  constructor(readonly f: Fleet, readonly now: number) {}

  /** How the rollouts reach the fleet during this pass; their requests name the rollout. */
  get driver(): RolloutDriver {
    if (this.drv !== null) return this.drv;
    const f = this.f;
    this.drv = {
      now: this.now,
      unit: (name) => f.units.get(name),
      hasLbEnable: (name) => f.specs.get(name)?.lb?.enable != null,
      start: (name, by) => startUnits(this, [name], null, by),
      restart: (name, safe, by) => restartUnits(this, { type: 'restart', units: [name], safe, withDependents: false, strictLb: true, job: null, by, now: this.now }),
      setTimer: (key, due) => f.timers.set(key, due),
    };
    return this.drv;
  }

  unit(name: string): Unit | undefined {
    return this.f.units.get(name);
  }

  /** Hands one event to one unit's machine and applies the result. */
  send(name: string, event: UnitEvent): void {
    const u = this.unit(name);
    const spec = this.f.specs.get(name);
    if (u !== undefined && spec !== undefined) this.apply(step(u, spec, event, this.now, this));
  }

  /** Stores a step's result and applies its timers. */
  private apply(r: StepResult): void {
    const f = this.f;
    f.units.set(r.unit.name, r.unit);
    for (const e of r.effects) {
      if (e.kind === 'setTimer') f.timers.set(timerKey(e.unit, e.timer), e.due);
      else if (e.kind === 'clearTimer') f.timers.clear(timerKey(e.unit, e.timer));
      else {
        this.out.push(e);
        if (e.kind === 'transition' && e.from !== e.to) this.changed.push(e.unit);
        else if (e.kind === 'hookDone') f.rollouts.onHook(this.driver, r.unit, e.purpose, e.ok, e.message);
      }
    }
  }

  missing(name: string): string[] {
    const missing: string[] = [];
    for (const r of this.f.topo.requirements(name)) {
      // A requirement about to stop (its dependents go down first) is not one to start against.
      const ru = this.unit(r);
      if (ru === undefined || !isReady(ru) || stopPending(ru)) missing.push(r);
    }
    for (const a of this.f.topo.afterOf(name)) {
      const au = this.unit(a);
      if (au !== undefined && au.goal === 'up' && !isReady(au) && !isFailed(au)) missing.push(a);
    }
    // Units of other hosts (HOST/UNIT): ready as etcd last showed them.
    const spec = this.f.specs.get(name);
    // While etcd cannot be reached, what it last showed may be stale: none counts as ready.
    for (const r of spec?.fleet?.requires ?? []) {
      if (this.f.storeDown !== null || this.f.remote.get(r.name)?.ready !== true) missing.push(r.name);
    }
    for (const a of spec?.fleet?.after ?? []) {
      const ru = this.f.remote.get(a.name);
      if (ru !== undefined && (ru.state === 'waiting' || ru.state === 'starting')) missing.push(a.name);
    }
    return missing;
  }

  /** While the fleet's store is unreachable, a wait that includes units of other hosts says so,
   * with what etcd last showed of each. */
  waitingFor(missing: readonly string[]): string | null {
    const down = this.f.storeDown;
    if (down === null || !missing.some((m) => m.includes('/'))) return null;
    const named = missing.map((m) => {
      if (!m.includes('/')) return m;
      const last = this.f.remote.get(m);
      return `${m} (${last === undefined ? 'never seen' : `last seen ${last.state}`})`;
    });
    return `waiting for ${named.join(', ')}: the fleet store (etcd) is unreachable (${down}), so units of other hosts cannot be known ready`;
  }

  /** A running unit whose dependents still run waits (a pending stop) until they are down. */
  dependentsRunning(name: string): boolean {
    for (const d of this.f.topo.dependents(name)) {
      const du = this.unit(d);
      if (du !== undefined && isRunning(du)) return true;
    }
    for (const d of this.f.topo.afterDependents(name)) {
      const du = this.unit(d);
      if (du !== undefined && isRunning(du) && (du.goal === 'down' || stopPending(du))) return true;
    }
    return false;
  }

  /** Follows up on state changes: wakes waiting dependents and pending stops of requirements. */
  settle(): void {
    const f = this.f;
    for (let i = 0; i < this.changed.length; i++) {
      const name = this.changed[i] as string;
      const u = this.unit(name);
      if (u === undefined) continue;
      f.jobs.observe(u, this.out, (n) => this.unit(n));
      f.rollouts.onUnit(this.driver, u);
      if (settled(u)) {
        const state = stateName(u);
        for (const d of f.topo.dependents(name)) this.wake(d, `requirement ${name} ${state}`);
        for (const d of f.topo.afterDependents(name)) this.wake(d, `${name} (started after it) ${state}`);
      }
      if (!isRunning(u)) {
        for (const r of [...f.topo.requirements(name), ...f.topo.afterOf(name)]) {
          const ru = this.unit(r);
          if (ru !== undefined && stopPending(ru) && !this.dependentsRunning(r)) this.send(r, { type: 'dependentsStopped' });
        }
        if (isDown(u) && f.removed.has(name)) {
          f.removed.delete(name);
          f.units.delete(name);
          f.specs.delete(name);
        }
      }
    }
    this.changed.length = 0;
  }

  /** Tells a waiting unit that one of its requirements changed. */
  wake(name: string, reason: string): void {
    const u = this.unit(name);
    if (u !== undefined && isWaiting(u)) this.send(name, { type: 'wake', reason });
  }
}

export function dispatch(f: Fleet, ev: FleetEvent): FleetEffect[] {
  const p = new Pass(f, ev.now);
  switch (ev.type) {
    case 'unit':
      p.send(ev.unit, ev.event);
      if (ev.event.type === 'probeResult' && ev.event.purpose === 'health') {
        const u = f.units.get(ev.unit);
        if (u !== undefined) f.rollouts.onHealth(p.driver, u);
      }
      break;
    case 'tick':
      for (const key of f.timers.popDue(ev.now)) {
        const sep = key.indexOf('\u0000');
        if (key.slice(0, sep) === ROLLOUT_TIMER) {
          f.rollouts.onTimer(p.driver, key.slice(sep + 1));
          p.settle();
          continue;
        }
        const timer = key.slice(0, sep) as TimerKind;
        const unit = key.slice(sep + 1);
        const u = f.units.get(unit);
        if (u === undefined) continue;
        if (timer === 'metadata') metadataSettled(p, u);
        else p.send(unit, { type: 'timer', kind: timer });
        p.settle();
      }
      break;
    case 'start':
      startUnits(p, ev.units, ev.job, ev.by ?? 'supd');
      break;
    case 'stop':
      stopUnits(p, ev.units, ev.safe, ev.job, ev.by ?? 'supd');
      break;
    case 'restart':
      restartUnits(p, ev);
      break;
    case 'reload':
      reload(p, ev.specs, ev.topo);
      break;
    case 'remote':
      remoteChanged(p, ev.name, ev.unit);
      break;
    case 'fleetStore': {
      if (f.storeDown === ev.down) break;
      f.storeDown = ev.down;
      const why = ev.down === null ? 'the fleet store (etcd) answers again' : `the fleet store (etcd) is unreachable (${ev.down})`;
      for (const spec of f.specs.values()) {
        if ((spec.fleet?.requires.length ?? 0) > 0 || (spec.fleet?.after.length ?? 0) > 0) p.wake(spec.name, why);
      }
      break;
    }
    case 'remoteMetadata': {
      const first = [...f.specs.values()].find((s) => s.fleet?.follows?.name === ev.master);
      if (first !== undefined) rollFollowers(p, ev.master, first.rollout, `metadata:${ev.master}`);
      break;
    }
    case 'metadata': {
      const u = f.units.get(ev.unit);
      const spec = f.specs.get(ev.unit);
      if (u === undefined || spec === undefined) break;
      // A burst of writes is one change: each write pushes the settle time out by the debounce.
      u.metaPending = [...new Set([...u.metaPending, ...ev.paths])];
      f.timers.set(timerKey(ev.unit, 'metadata'), ev.now + spec.rollout.debounce);
      break;
    }
    case 'rollout': {
      const { type: _t, now: _n, ...init } = ev;
      f.rollouts.open(p.driver, init);
      break;
    }
    case 'cancelRollout':
      f.rollouts.cancel(p.driver, ev.id);
      break;
  }
  p.settle();
  for (const r of f.rollouts.takeChanged()) p.out.push({ kind: 'rollout', rollout: { ...r, steps: r.steps.map((x) => ({ ...x })) } });
  return p.out;
}

/** `why` for a unit a command reaches through the graph rather than by name. */
function through(targets: ReadonlySet<string>, name: string, related: readonly string[], how: string): string {
  if (targets.has(name)) return '';
  const via = related.find((n) => targets.has(n)) ?? related[0];
  return via === undefined ? '' : ` (${how} ${via})`;
}

function startUnits(p: Pass, targets: string[], job: string | null, by: string): void {
  const f = p.f;
  const closure = f.topo.requiresClosure(targets).filter((n) => f.units.has(n));
  const named = new Set(targets);
  const entries = new Map<string, JobEntry>();
  // Every goal first, so no unit is judged against a neighbour the same command is about to start.
  for (const name of closure) {
    p.send(name, { type: 'goal', goal: 'up' });
    const u = f.units.get(name) as Unit;
    entries.set(name, { want: wantReady(u, 'start'), role: named.has(name) ? 'target' : 'requirement', already: isReady(u) });
  }
  const inClosure = new Set(closure);
  for (const name of closure) {
    const deps = f.topo.dependents(name).filter((d) => inClosure.has(d));
    p.send(name, { type: 'start', reason: `start requested by ${by}${through(named, name, deps, 'required by')}` });
  }
  // Opened once the starts are under way, so a unit leaving `failed` is judged on its new run.
  if (job !== null) f.jobs.open(job, entries, p.out, (n) => f.units.get(n));
}

function stopUnits(p: Pass, targets: string[], safe: boolean, job: string | null, by: string): void {
  const f = p.f;
  const closure = f.topo.dependentsClosure(targets).filter((n) => f.units.has(n));
  const named = new Set(targets);
  const entries = new Map<string, JobEntry>();
  for (const name of closure) {
    const u = f.units.get(name) as Unit;
    const already = isDown(u);
    p.send(name, { type: 'goal', goal: 'down' });
    entries.set(name, { want: { kind: 'down' }, role: named.has(name) ? 'target' : 'dependent', already });
  }
  if (job !== null) f.jobs.open(job, entries, p.out, (n) => f.units.get(n));
  const inClosure = new Set(closure);
  // Dependents first: a unit whose dependents still run holds its stop until they are down.
  for (const name of closure) {
    const reqs = f.topo.requirements(name).filter((r) => inClosure.has(r));
    const reason = `${safe ? 'safe stop' : 'stop'} requested by ${by}${through(named, name, reqs, 'requires')}`;
    p.send(name, { type: 'stop', safe, strictLb: false, afterDependents: true, reason });
  }
}

function restartUnits(p: Pass, ev: Extract<FleetEvent, { type: 'restart' }>): void {
  const f = p.f;
  const names = (ev.withDependents ? f.topo.dependentsClosure(ev.units) : ev.units).filter((n) => f.units.has(n));
  const named = new Set(ev.units);
  const entries = new Map<string, JobEntry>();
  for (const name of names) {
    p.send(name, { type: 'goal', goal: 'up' });
    entries.set(name, { want: wantReady(f.units.get(name) as Unit, 'restart'), role: named.has(name) ? 'target' : 'dependent', already: false });
  }
  const inSet = new Set(names);
  for (const name of names) {
    const reqs = f.topo.requirements(name).filter((r) => inSet.has(r));
    const reason = `${ev.safe ? 'safe restart' : 'restart'} requested by ${ev.by ?? 'supd'}${through(named, name, reqs, 'requires')}`;
    p.send(name, { type: 'restart', safe: ev.safe, strictLb: ev.strictLb ?? false, afterDependents: ev.withDependents, reason });
  }
  if (ev.job !== null) f.jobs.open(ev.job, entries, p.out, (n) => f.units.get(n));
}

function reload(p: Pass, specs: UnitSpec[], topo: Topology): void {
  const f = p.f;
  const next = new Map(specs.map((s) => [s.name, s]));
  const gone = [...f.specs.keys()].filter((n) => !next.has(n));
  // Stop what was removed under its old spec and graph, then switch to the new ones.
  stopUnits(p, gone, false, null, 'reload (unit removed)');
  // A unit added back before it was down is no longer on its way out.
  for (const s of specs) f.removed.delete(s.name);
  for (const n of gone) {
    const u = f.units.get(n);
    if (u === undefined || isDown(u)) {
      f.units.delete(n);
      continue;
    }
    f.removed.add(n);
    const old = f.specs.get(n);
    if (old !== undefined) next.set(n, old);
  }
  const added = specs.filter((s) => !f.units.has(s.name));
  for (const s of added) f.units.set(s.name, newUnit(s.name, p.now));
  f.specs = next;
  f.topo = topo;
  const auto = added.filter((s) => s.autostart).map((s) => s.name);
  if (auto.length > 0) startUnits(p, auto, null, 'reload (unit added)');
}

/** The debounce is over: followers started before now are stale, unless the master is not ready
 * (then nothing happens: followers start after it anyway and read the files fresh). */
function metadataSettled(p: Pass, master: Unit): void {
  const paths = master.metaPending;
  master.metaPending = [];
  if (!isReady(master) || paths.length === 0) return;
  master.metaChangedAt = p.now;
  p.out.push({ kind: 'metadataChanged', unit: master.name, paths, at: p.now });
  const spec = p.f.specs.get(master.name);
  const more = paths.length > 1 ? ` (+${paths.length - 1})` : '';
  if (spec !== undefined) rollFollowers(p, master.name, spec.rollout, `metadata:${paths[0] ?? '?'}${more}`);
}

/** With the master's `rollout.auto`: one rollout of its followers running on the old metadata and
 * of those already down (a failed follower is part of it: started, not skipped), not of those an
 * operator stopped; or one more pass of the rollout already running over them. */
function rollFollowers(p: Pass, master: string, rollout: UnitSpec['rollout'], trigger: string): void {
  if (!rollout.auto) return;
  const followers: string[] = [];
  for (const s of p.f.specs.values()) {
    const u = p.f.units.get(s.name);
    if ((s.follows !== master && s.fleet?.follows?.name !== master) || u === undefined || u.goal !== 'up' || p.f.removed.has(s.name)) continue;
    if (!isReady(u) || isStale(p.f, s.name)) followers.push(s.name);
  }
  p.f.rollouts.onMetadata(p.driver, `${master}:followers`, followers, rollout, trigger);
}

/** A remote unit's new record: units waiting on it (requires or after) try to start again. */
function remoteChanged(p: Pass, name: string, unit: RemoteUnit | null): void {
  const f = p.f;
  if (unit === null) f.remote.delete(name);
  else f.remote.set(name, unit);
  for (const spec of f.specs.values()) {
    const deps = spec.fleet;
    if (deps === undefined) continue;
    if (deps.requires.some((r) => r.name === name)) p.wake(spec.name, `requirement ${name} ${unit === null ? 'unknown' : unit.state}`);
    else if (deps.after.some((a) => a.name === name)) p.wake(spec.name, `${name} (started after it) ${unit === null ? 'unknown' : unit.state}`);
  }
}

/** A follower is stale while it runs a process spawned before its master's last metadata change
 * (a master on another host: its published metadata generation). */
export function isStale(f: Fleet, name: string): boolean {
  const spec = f.specs.get(name);
  const u = f.units.get(name);
  const remoteMaster = spec?.fleet?.follows ?? null;
  if (remoteMaster !== null && u !== undefined && u.spawnedAt !== null && isRunning(u)) {
    const changed = f.remote.get(remoteMaster.name)?.metadata ?? null;
    return changed !== null && u.spawnedAt < changed;
  }
  if (spec?.follows == null || u === undefined || u.spawnedAt === null || !isRunning(u)) return false;
  const changed = f.units.get(spec.follows)?.metaChangedAt ?? null;
  return changed !== null && u.spawnedAt < changed;
}

export function nextDue(f: Fleet): number | null {
  return f.timers.nextDue();
}

/** Every unit is down (inactive or failed): what shutdown waits for. */
export function allDown(f: Fleet): boolean {
  for (const u of f.units.values()) if (isRunning(u)) return false;
  return true;
}
