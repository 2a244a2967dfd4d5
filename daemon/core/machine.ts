// One unit's lifecycle as one transition table: `table[event][state]` is the small pure handler
// that decides that pair, with the states it may move to, or `ignored`. Every pair is written out
// below, so the table is also the documentation (`npm run diagram` draws the README's diagram
// from it). Pure: time arrives in `now`, timers are effects, and what needs the whole graph
// (requirements ready, dependents running) is asked of the fleet through `FleetView`.
import type { UnitSpec } from '../../units/types.js';
import { afterExit, describeExit, fmtMs } from './policy.js';
import {
  assertNever, isDown as downState, isRunning as runningState, pidOf,
  type DrainStep, type Effect, type PendingStop, type StateName, type StopRequest, type Then, type TimerKind,
  type Unit, type UnitEvent, type UnitState, type UnitTimer,
} from './model.js';

/** What a unit may ask of the rest of the fleet; read-only answers from the graph. */
export interface FleetView {
  /** Local requirements (`requires`, and `after` units that start too) not ready yet, in order. */
  missing(name: string): string[];
  /** A unit that must stop before this one (a dependent) still runs. */
  dependentsRunning(name: string): boolean;
  /** How a wait for `missing` reads when something about it needs saying (the fleet's store is
   * unreachable, so remote requirements are unknown); null: the plain "waiting for …". */
  waitingFor?(missing: readonly string[]): string | null;
}

/** A unit with no neighbours: nothing missing, no dependents. */
export const ALONE: FleetView = { missing: () => [], dependentsRunning: () => false };

export interface StepResult {
  unit: Unit;
  effects: Effect[];
}

// ---- The table's columns: one per event, results told apart by what they report ----

export type EventKey =
  | 'goal' | 'start' | 'stop' | 'restart' | 'wake' | 'dependentsStopped'
  | 'spawned' | 'spawnFailed' | 'exited' | 'readyProbe' | 'healthProbe' | 'logMatched' | 'remoteResult'
  | 'stopCommand' | 'drainCommand' | 'lbDisable' | 'lbEnable' | 'connections'
  | `timer:${UnitTimer}`;

export function keyOf(ev: UnitEvent): EventKey {
  switch (ev.type) {
    case 'probeResult':
      return ev.purpose === 'ready' ? 'readyProbe' : 'healthProbe';
    case 'commandDone': {
      const purpose = ev.purpose;
      switch (purpose) {
        case 'stop': return 'stopCommand';
        case 'drain': return 'drainCommand';
        case 'lb-disable': return 'lbDisable';
        case 'lb-enable': return 'lbEnable';
        default: return assertNever(purpose);
      }
    }
    case 'timer':
      return `timer:${ev.kind}`;
    default:
      return ev.type;
  }
}

type StateOf<S extends StateName> = Extract<UnitState, { state: S }>;
type EventOf<K extends EventKey> =
  K extends `timer:${string}` ? Extract<UnitEvent, { type: 'timer' }>
    : K extends 'readyProbe' | 'healthProbe' ? Extract<UnitEvent, { type: 'probeResult' }>
      : K extends 'stopCommand' | 'drainCommand' | 'lbDisable' | 'lbEnable' ? Extract<UnitEvent, { type: 'commandDone' }>
        : Extract<UnitEvent, { type: K }>;

/** One (state, event) pair: the states it may move to (staying is always allowed) and its handler. */
export interface Cell<S extends StateName, K extends EventKey> {
  readonly to: readonly StateName[];
  readonly run: (st: Step, s: StateOf<S>, ev: EventOf<K>) => void;
}
type Row<K extends EventKey> = { readonly [S in StateName]: Cell<S, K> | null };
export type Table = { readonly [K in EventKey]: Row<K> };

/** A pair the machine does not act on: the unit is left unchanged, with no effects. */
const ignored = null;

/** A handled pair. The handler may be written for several states or a wider event: each cell is
 * checked against its own row and column. */
function on<H>(to: readonly StateName[], run: H): { to: readonly StateName[]; run: H } {
  return { to, run };
}

/** Timers that belong to one running process and die with it. */
const PROCESS_TIMERS: readonly TimerKind[] = ['ready-timeout', 'ready-probe', 'grace', 'health', 'kill', 'drain', 'drain-poll'];

/** Builds one step: a copy of the unit, the effects, and the events that follow in the same step. */
export class Step {
  readonly u: Unit;
  readonly effects: Effect[] = [];
  /** Where the pair being handled may go (from the table). */
  private allowed: readonly StateName[] = [];
  private readonly queue: UnitEvent[] = [];

  constructor(unit: Unit, readonly spec: UnitSpec, readonly now: number, readonly fleet: FleetView) {
    this.u = { ...unit };
  }

  /** The one place a unit's state is written. A change of state is a transition, with its reason,
   * and must be one the table declares for the pair being handled. */
  private write(next: UnitState, reason: string | null): void {
    const from = this.u.s.state;
    if (next.state !== from) {
      if (reason === null || !this.allowed.includes(next.state)) {
        throw new Error(`machine: ${from} → ${next.state} is not in the table's row for this event`);
      }
      this.u.since = this.now;
      this.u.reason = reason;
      this.effects.push({ kind: 'transition', unit: this.u.name, from, to: next.state, reason, pid: pidOf(next), at: this.now });
    }
    // eslint-disable-next-line no-restricted-syntax -- the one write of a unit's state (eslint.config.js)
    this.u.s = next;
  }

  /** A transition to another state, and why. */
  go(next: UnitState, reason: string): void {
    this.write(next, reason);
  }

  /** New data for the same state (no transition). */
  set(next: UnitState): void {
    this.write(next, null);
  }

  /** Says anew why a waiting unit waits (no transition): the part after "; waiting for" changes,
   * what asked for the start stays. */
  explain(why: string): void {
    const i = this.u.reason.indexOf('; waiting for');
    this.u.reason = `${i < 0 ? this.u.reason : this.u.reason.slice(0, i)}; ${why}`;
  }

  /** An event that follows from this one, handled through the table in this same step (a restart
   * after the exit, a start when the backoff is zero). */
  follow(ev: UnitEvent): void {
    this.queue.push(ev);
  }

  timer(timer: TimerKind, due: number): void {
    this.effects.push({ kind: 'setTimer', unit: this.u.name, timer, due });
  }

  clear(...timers: TimerKind[]): void {
    for (const timer of timers) this.effects.push({ kind: 'clearTimer', unit: this.u.name, timer });
  }

  emit(e: Effect): void {
    this.effects.push(e);
  }

  /** Handles one event through the table, then whatever follows from it. */
  handle(ev: UnitEvent): void {
    this.queue.push(ev);
    while (this.queue.length > 0) {
      const next = this.queue.shift() as UnitEvent;
      const cell = TABLE[keyOf(next)][this.u.s.state];
      if (cell === ignored) continue;
      this.allowed = cell.to;
      // The table is typed row by row; looked up by runtime values, the pair is correlated but
      // TypeScript cannot see it, so the cell's narrow handler is called through its wide type.
      (cell.run as (st: Step, s: UnitState, ev: UnitEvent) => void)(this, this.u.s, next);
    }
  }

  done(): StepResult {
    return { unit: this.u, effects: this.effects };
  }
}

/** Applies one event to one unit. */
export function step(unit: Unit, spec: UnitSpec, ev: UnitEvent, now: number, fleet: FleetView = ALONE): StepResult {
  const st = new Step(unit, spec, now, fleet);
  if ('gen' in ev && ev.gen !== unit.gen) return st.done(); // a result about an older process
  st.handle(ev);
  return st.done();
}

// ---- Handlers: commands ----

/** Records the goal; a start (goal up) cancels a stop still waiting for dependents. */
function setGoal(st: Step, s: UnitState, ev: { goal: 'up' | 'down' }): void {
  st.u.goal = ev.goal;
  if (ev.goal === 'up' && 'pendingStop' in s && s.pendingStop !== undefined) st.set(withoutPending(s));
}

/** Spawns the unit if its requirements are ready, otherwise makes it wait for them. */
function startOrWait(st: Step, s: StateOf<'inactive' | 'failed' | 'backoff' | 'waiting'>, reason: string): void {
  const { u, spec } = st;
  if (u.goal !== 'up') return;
  const missing = st.fleet.missing(u.name);
  const remoteOk = s.state === 'waiting' ? s.remoteOk : [];
  const remoteMissing = spec.requires.flatMap((r) => (r.kind !== 'unit' && !remoteOk.includes(r.raw) ? [r.raw] : []));
  if (missing.length === 0 && remoteMissing.length === 0) {
    st.clear('backoff', 'remote');
    spawn(st, reason);
    return;
  }
  const all = [...missing, ...remoteMissing];
  const noted = st.fleet.waitingFor?.(all) ?? null;
  const why = noted ?? `waiting for ${all.join(', ')}`;
  if (s.state === 'waiting') {
    // The reason is said anew only when the note comes or goes (etcd lost, etcd back).
    if (noted !== null || s.noted === true) st.explain(why);
    st.set({ state: 'waiting', missing: all, remoteOk: s.remoteOk, ...(noted !== null ? { noted: true } : {}) });
    return;
  }
  st.clear('backoff');
  st.go({ state: 'waiting', missing: all, remoteOk: [], ...(noted !== null ? { noted: true } : {}) }, `${reason}; ${why}`);
  if (remoteMissing.length > 0) st.timer('remote', st.now);
}

function start(st: Step, s: StateOf<'inactive' | 'backoff'>, ev: { reason: string }): void {
  startOrWait(st, s, ev.reason);
}

/** An explicit start clears a crash loop. */
function startFailed(st: Step, s: StateOf<'failed'>, ev: { reason: string }): void {
  st.u.crashes = [];
  st.u.attempt = 0;
  startOrWait(st, s, ev.reason);
}

/** On the way down: a start turns the stop into a restart. */
function startWhileStopping(st: Step, s: StateOf<'draining' | 'stopping'>, ev: { reason: string }): void {
  if (s.then === 'down') st.set({ ...s, then: 'restart', request: ev.reason });
}

function wake(st: Step, s: StateOf<'waiting'>, ev: { reason: string }): void {
  startOrWait(st, s, ev.reason);
}

/** stop and restart on a unit with no process. */
const stopIdle = (then: 'down' | 'restart') => (st: Step, s: StateOf<'inactive' | 'failed' | 'waiting' | 'backoff'>, ev: StopRequest): void => {
  if (s.state === 'waiting' || s.state === 'backoff') {
    st.clear('backoff', 'remote');
    st.go({ state: 'inactive' }, ev.reason);
  } else if (s.state === 'failed' && then === 'down') {
    st.go({ state: 'inactive' }, ev.reason);
  }
  if (then === 'restart') st.follow({ type: 'start', reason: ev.reason });
};

/** stop and restart on a unit with a process: held while dependents run, else begun. */
const stopRunning = (then: 'down' | 'restart') => (st: Step, s: StateOf<'starting' | 'ready' | 'draining' | 'stopping'>, ev: StopRequest): void => {
  if (ev.afterDependents && st.fleet.dependentsRunning(st.u.name)) {
    st.set({ ...s, pendingStop: { then, safe: ev.safe, strictLb: ev.strictLb, reason: ev.reason } });
    return;
  }
  beginStop(st, s, then, ev);
};

/** The dependents are down: the stop that waited for them goes ahead. */
function dependentsStopped(st: Step, s: StateOf<'starting' | 'ready' | 'draining' | 'stopping'>): void {
  const p = s.pendingStop;
  if (p === undefined) return;
  beginStop(st, withoutPending(s), p.then, { safe: p.safe, strictLb: p.strictLb, afterDependents: false, reason: `${p.reason}, after its dependents stopped` });
}

function beginStop(st: Step, s: StateOf<'starting' | 'ready' | 'draining' | 'stopping'>, then: 'down' | 'restart', req: StopRequest): void {
  const { spec } = st;
  switch (s.state) {
    case 'starting':
      if (s.pid === null) st.go({ state: 'stopping', pid: null, then, request: req.reason }, req.reason);
      else beginNormalStop(st, s.pid, then, req.reason);
      return;
    case 'ready':
      if (req.safe && (spec.safeStop !== null || spec.lb?.disable)) beginDrain(st, s.pid, then, req);
      else beginNormalStop(st, s.pid, then, req.reason);
      return;
    case 'draining':
    case 'stopping':
      // Already on the way down: only what happens afterwards can change (a restart wins over down).
      st.set(s.then === 'recover' ? withoutPending(s) : { ...withoutPending(s), then, request: req.reason });
      return;
    default:
      assertNever(s);
  }
}

/** `carry`: what the stop keeps of the state it leaves (the request a drain was for, a pending stop). */
function beginNormalStop(st: Step, pid: number, then: Then, reason: string, carry: { request?: string; pendingStop?: PendingStop } = {}): void {
  const { u, spec } = st;
  st.clear('ready-timeout', 'ready-probe', 'grace', 'health', 'drain', 'drain-poll');
  st.emit({ kind: 'unwatchLog', unit: u.name });
  st.go({ state: 'stopping', pid, then, request: carry.request ?? reason, ...pendingOf(carry) }, reason);
  sendStop(st, pid);
  st.timer('kill', st.now + spec.stop.timeout);
}

function sendStop(st: Step, pid: number): void {
  const { u, spec } = st;
  if (spec.stop.command !== null) {
    st.emit({ kind: 'runCommand', unit: u.name, gen: u.gen, purpose: 'stop', argv: spec.stop.command, timeout: spec.stop.timeout });
  } else {
    st.emit({ kind: 'signal', unit: u.name, pid, signal: spec.stop.signal });
  }
}

function beginDrain(st: Step, pid: number, then: 'down' | 'restart', req: StopRequest): void {
  const { u, spec } = st;
  st.clear('health');
  const first: DrainStep = spec.lb?.disable ? 'lb-disable' : 'action';
  st.go({ state: 'draining', pid, then, request: req.reason, step: first, connections: null, strictLb: req.strictLb }, req.reason);
  st.timer('drain', st.now + (spec.safeStop?.timeout ?? (spec.lb?.timeout ?? 0) * 2));
  if (first === 'lb-disable' && spec.lb?.disable) {
    st.emit({ kind: 'runCommand', unit: u.name, gen: u.gen, purpose: 'lb-disable', argv: spec.lb.disable, timeout: spec.lb.timeout });
  } else {
    drainAction(st);
  }
}

// ---- Handlers: the process ----

/** Spawns the unit now (its requirements are met). */
function spawn(st: Step, reason: string): void {
  const u = st.u;
  u.gen += 1;
  u.spawnedAt = null;
  u.readySince = null;
  u.forced = false;
  st.go({ state: 'starting', pid: null }, reason);
  st.emit({ kind: 'spawn', unit: u.name, gen: u.gen });
}

/** The process runs: readiness is checked from now on. */
function spawned(st: Step, s: StateOf<'starting'>, ev: { pid: number }): void {
  if (s.pid !== null) return;
  const { u, spec, now } = st;
  u.spawnedAt = now;
  st.set({ ...s, pid: ev.pid });
  st.emit({ kind: 'spawned', unit: u.name, gen: u.gen, pid: ev.pid, at: now });
  const check = spec.ready.check;
  st.timer('ready-timeout', now + spec.ready.timeout);
  if (check === null) st.timer('grace', now + spec.ready.grace);
  else if (check.kind === 'log') st.emit({ kind: 'watchLog', unit: u.name, gen: u.gen, pattern: check.pattern });
  else st.timer('ready-probe', now);
}

/** Stopped before the spawn was reported: the stop goes to the new pid. */
function spawnedWhileStopping(st: Step, s: StateOf<'stopping'>, ev: { pid: number }): void {
  if (s.pid !== null) return;
  const { u, now } = st;
  u.spawnedAt = now;
  st.set({ ...s, pid: ev.pid });
  st.emit({ kind: 'spawned', unit: u.name, gen: u.gen, pid: ev.pid, at: now });
  sendStop(st, ev.pid);
  st.timer('kill', now + st.spec.stop.timeout);
}

function spawnFailed(st: Step, _s: StateOf<'starting'>, ev: { message: string }): void {
  afterProcessExit(st, 'recover', { code: null, signal: null }, `spawn failed: ${ev.message}`);
}

function spawnFailedWhileStopping(st: Step, s: StateOf<'stopping'>, ev: { message: string }): void {
  if (s.pid === null) afterProcessExit(st, 'down', { code: null, signal: null }, `spawn failed: ${ev.message}`);
}

function crashed(st: Step, s: StateOf<'starting' | 'ready'>, ev: { code: number | null; signal: string | null }): void {
  const exit = { code: ev.code, signal: ev.signal };
  afterProcessExit(st, 'crash', exit, s.state === 'starting' ? `${describeExit(exit)} before ready` : describeExit(exit));
}

function exitedWhileStopping(st: Step, s: StateOf<'draining' | 'stopping'>, ev: { code: number | null; signal: string | null }): void {
  const exit = { code: ev.code, signal: ev.signal };
  const why = s.state === 'draining' ? `${describeExit(exit)} while draining` : s.then === 'recover' ? st.u.reason : `stopped (${describeExit(exit)})`;
  afterProcessExit(st, s.then, exit, why, s.request);
}

/** After the process is gone: down, start again, or what the restart policy says. */
function afterProcessExit(st: Step, then: Then | 'crash', exit: { code: number | null; signal: string | null }, why: string, request = ''): void {
  const u = st.u;
  st.clear(...PROCESS_TIMERS);
  st.emit({ kind: 'unwatchLog', unit: u.name });
  u.lastExit = { code: exit.code, signal: exit.signal, at: st.now };
  if (then === 'down' || u.goal === 'down') {
    st.go({ state: 'inactive' }, why);
    return;
  }
  if (then === 'restart') {
    u.restarts += 1;
    st.go({ state: 'inactive' }, why);
    st.follow({ type: 'start', reason: request });
    return;
  }
  const d = afterExit(u, st.spec.restart, { ...exit, failure: then === 'recover' }, st.now);
  switch (d.kind) {
    case 'stay-down':
      u.goal = 'down';
      st.go({ state: 'inactive' }, withPolicy(why, exit, d.reason));
      return;
    case 'give-up':
      u.crashes = d.crashes;
      st.go({ state: 'failed', reason: d.reason }, withPolicy(why, exit, d.reason));
      return;
    case 'restart': {
      u.crashes = d.crashes;
      u.attempt = d.attempt;
      u.restarts += 1;
      const cause = then === 'crash' ? 'crash' : why.startsWith('spawn failed') ? 'spawn failure' : 'failure';
      st.go({ state: 'backoff', attempt: d.attempt, until: st.now + d.delay, cause }, `${why}; restart ${d.attempt} in ${fmtMs(d.delay)}`);
      // No delay: start again in this same step; a timer due now would cost a trip through the
      // clock (a millisecond or more) between the exit and the new process.
      if (d.delay <= 0) st.follow({ type: 'timer', kind: 'backoff' });
      else st.timer('backoff', st.now + d.delay);
      return;
    }
    default:
      assertNever(d);
  }
}

/** The policy's reason starts with the exit; `why` often does too, so say it once. */
function withPolicy(why: string, exit: { code: number | null; signal: string | null }, policyReason: string): string {
  const head = describeExit(exit);
  if (!why.startsWith(head) || !policyReason.startsWith(`${head}; `)) return `${why}; ${policyReason}`;
  return why === head ? policyReason : `${why}; ${policyReason.slice(head.length + 2)}`;
}

function backoffOver(st: Step, s: StateOf<'backoff'>): void {
  startOrWait(st, s, `restart after ${s.cause} (attempt ${s.attempt})`);
}

// ---- Handlers: readiness and liveness ----

function becomeReady(st: Step, s: StateOf<'starting'>, reason: string): void {
  const { u, spec } = st;
  if (s.pid === null) return;
  st.clear('ready-timeout', 'ready-probe', 'grace');
  st.emit({ kind: 'unwatchLog', unit: u.name });
  u.readySince = st.now;
  st.go({ state: 'ready', pid: s.pid, healthFails: 0, ...pendingOf(s) }, reason);
  if (spec.health !== null) st.timer('health', st.now + spec.health.interval);
  if (u.lbDisabled && spec.lb?.enable) {
    st.emit({ kind: 'runCommand', unit: u.name, gen: u.gen, purpose: 'lb-enable', argv: spec.lb.enable, timeout: spec.lb.timeout });
  }
}

function readyProbe(st: Step, s: StateOf<'starting'>, ev: { ok: boolean; message: string }): void {
  if (s.pid === null) return;
  if (ev.ok) becomeReady(st, s, `ready: ${ev.message}`);
  else st.timer('ready-probe', st.now + st.spec.ready.interval);
}

function logMatched(st: Step, s: StateOf<'starting'>): void {
  becomeReady(st, s, 'ready: log line matched');
}

function graceOver(st: Step, s: StateOf<'starting'>): void {
  becomeReady(st, s, `ready: running for ${fmtMs(st.spec.ready.grace)}`);
}

function probeReady(st: Step, s: StateOf<'starting'>): void {
  const { u, spec } = st;
  const check = spec.ready.check;
  if (s.pid === null || check === null || check.kind === 'log') return;
  st.emit({ kind: 'probe', unit: u.name, gen: u.gen, purpose: 'ready', check, timeout: Math.min(spec.ready.interval * 10, spec.ready.timeout, 5000) });
}

function readyTimeout(st: Step, s: StateOf<'starting'>): void {
  if (s.pid !== null) beginNormalStop(st, s.pid, 'recover', `not ready after ${fmtMs(st.spec.ready.timeout)}`, pendingOf(s));
}

function probeHealth(st: Step): void {
  const { u, spec } = st;
  if (spec.health !== null) st.emit({ kind: 'probe', unit: u.name, gen: u.gen, purpose: 'health', check: spec.health.check, timeout: spec.health.timeout });
}

function healthProbe(st: Step, s: StateOf<'ready'>, ev: { ok: boolean; message: string }): void {
  const health = st.spec.health;
  if (health === null) return;
  const fails = ev.ok ? 0 : s.healthFails + 1;
  st.set({ ...s, healthFails: fails });
  if (!ev.ok && fails >= health.failures) {
    beginNormalStop(st, s.pid, 'recover', `liveness probe failed ${fails} times: ${ev.message}`, pendingOf(s));
    return;
  }
  st.timer('health', st.now + health.interval);
}

// ---- Handlers: remote requirements ----

function checkRemote(st: Step, s: StateOf<'waiting'>): void {
  const { u, spec } = st;
  for (const r of spec.requires) {
    if (r.kind !== 'unit' && !s.remoteOk.includes(r.raw)) st.emit({ kind: 'checkRemote', unit: u.name, gen: u.gen, requirement: r });
  }
}

function remoteResult(st: Step, s: StateOf<'waiting'>, ev: { raw: string; ok: boolean }): void {
  if (!ev.ok) {
    st.timer('remote', st.now + 1000);
    return;
  }
  st.set({ ...s, remoteOk: [...s.remoteOk, ev.raw] });
  st.follow({ type: 'wake', reason: `requirement ${ev.raw} answered` });
}

// ---- Handlers: stopping and draining ----

/** A stop command that failed: fall back to the stop signal; the kill timer still runs. */
function stopCommandDone(st: Step, s: StateOf<'stopping'>, ev: { ok: boolean }): void {
  if (!ev.ok && s.pid !== null) st.emit({ kind: 'signal', unit: st.u.name, pid: s.pid, signal: st.spec.stop.signal });
}

function killTimeout(st: Step, s: StateOf<'stopping' | 'draining'>): void {
  if (s.pid === null) return;
  st.emit({ kind: 'killTree', unit: st.u.name, pid: s.pid });
  st.u.reason = `${st.u.reason}; stop timeout ${fmtMs(st.spec.stop.timeout)}: SIGKILL`;
}

/** lb hooks are reported whatever the unit did meanwhile: the rollout waits on them. */
function lbDisableDone(st: Step, s: UnitState, ev: { ok: boolean; message: string }): void {
  const u = st.u;
  st.emit({ kind: 'hookDone', unit: u.name, purpose: 'lb-disable', ok: ev.ok, message: ev.message });
  if (s.state !== 'draining' || s.step !== 'lb-disable') return;
  if (!ev.ok && s.strictLb) {
    // In a rollout, draining a server the balancer still sends work to would drop requests.
    st.clear('drain');
    u.lbDisabled = true;
    st.go({ state: 'ready', pid: s.pid, healthFails: 0 }, `lb.disable hook failed: ${ev.message}`);
    if (st.spec.health !== null) st.timer('health', st.now + st.spec.health.interval);
    return;
  }
  if (ev.ok) u.lbDisabled = true;
  drainAction(st);
}

function lbEnableDone(st: Step, _s: UnitState, ev: { ok: boolean; message: string }): void {
  if (ev.ok) st.u.lbDisabled = false;
  st.emit({ kind: 'hookDone', unit: st.u.name, purpose: 'lb-enable', ok: ev.ok, message: ev.message });
}

/** The safeStop action, then what the drain waits for: the command to return, then connections
 * to reach zero, or (signal/http alone) the process to exit by itself. */
function drainAction(st: Step): void {
  const { u, spec } = st;
  const safe = spec.safeStop;
  const s = u.s;
  if (s.state !== 'draining') return;
  if (safe === null) {
    // Only an lb hook to run: the unit is out of the balancer, the normal stop follows.
    drainFinished(st, s, false, 'out of the load balancer');
    return;
  }
  // A drain command (e.g. `shutdown safe`) runs to its end before connections are counted: the
  // server stops accepting first, so a count of zero cannot come before it did.
  const waitCommand = safe.command !== null;
  st.set({ ...s, step: !waitCommand && safe.waitConnections.length > 0 ? 'connections' : 'action' });
  if (safe.signal !== null) st.emit({ kind: 'signal', unit: u.name, pid: s.pid, signal: safe.signal });
  if (safe.http !== null) st.emit({ kind: 'postHttp', unit: u.name, gen: u.gen, url: safe.http, timeout: Math.min(safe.timeout, 30_000) });
  if (safe.command !== null) {
    st.emit({ kind: 'runCommand', unit: u.name, gen: u.gen, purpose: 'drain', argv: safe.command, timeout: safe.timeout });
  } else if (safe.waitConnections.length > 0) {
    st.emit({ kind: 'countConnections', unit: u.name, gen: u.gen, ports: safe.waitConnections });
  }
}

/** The drain command returned: wait for the connections if there are ports to watch (even when
 * the command failed, running work still deserves its time), otherwise the drain is over. */
function drainCommandDone(st: Step, s: StateOf<'draining'>, ev: { ok: boolean; message: string }): void {
  if (s.step !== 'action') return;
  const ports = st.spec.safeStop?.waitConnections ?? [];
  if (ports.length === 0) {
    drainFinished(st, s, false, ev.ok ? 'drained' : `drain command failed: ${ev.message}`);
    return;
  }
  st.set({ ...s, step: 'connections' });
  st.emit({ kind: 'countConnections', unit: st.u.name, gen: st.u.gen, ports });
}

function connections(st: Step, s: StateOf<'draining'>, ev: { count: number | null; error?: string }): void {
  if (s.step !== 'connections') return;
  if (ev.count === 0) {
    drainFinished(st, s, false, 'drained: no connections left');
    return;
  }
  // An unreadable count keeps the drain waiting, to its timeout if need be.
  const { countError: _old, ...rest } = s;
  st.set(ev.count === null ? { ...rest, connections: null, countError: ev.error ?? 'unknown error' } : { ...rest, connections: ev.count });
  st.timer('drain-poll', st.now + 200);
}

function countAgain(st: Step, s: StateOf<'draining'>): void {
  if (s.step === 'connections' && st.spec.safeStop !== null) {
    st.emit({ kind: 'countConnections', unit: st.u.name, gen: st.u.gen, ports: st.spec.safeStop.waitConnections });
  }
}

function drainTimeout(st: Step, s: StateOf<'draining'>): void {
  const why = s.countError === undefined ? '' : ` (connections could not be counted: ${s.countError})`;
  drainFinished(st, s, true, `drain timeout ${fmtMs(st.spec.safeStop?.timeout ?? 0)}: forced${why}`);
}

function drainFinished(st: Step, s: StateOf<'draining'>, forced: boolean, reason: string): void {
  st.u.forced = forced;
  st.clear('drain', 'drain-poll');
  beginNormalStop(st, s.pid, s.then, reason, { request: s.request, ...pendingOf(s) });
}

// ---- Pending stops ----

function pendingOf(s: { pendingStop?: PendingStop }): { pendingStop?: PendingStop } {
  return s.pendingStop === undefined ? {} : { pendingStop: s.pendingStop };
}

function withoutPending<S extends UnitState>(s: S): S {
  if (!('pendingStop' in s)) return s;
  const copy = { ...s };
  delete copy.pendingStop;
  return copy;
}

// ---- The table ----

const DOWN_OR_AGAIN: readonly StateName[] = ['inactive', 'backoff', 'failed'];
const SPAWN_OR_WAIT: readonly StateName[] = ['starting', 'waiting'];

/** Every (event, state) pair of the unit's lifecycle. */
export const TABLE: Table = {
  goal: {
    inactive: on([], setGoal), waiting: on([], setGoal), starting: on([], setGoal), ready: on([], setGoal),
    draining: on([], setGoal), stopping: on([], setGoal), backoff: on([], setGoal), failed: on([], setGoal),
  },
  start: {
    inactive: on(SPAWN_OR_WAIT, start), waiting: ignored, starting: ignored, ready: ignored,
    draining: on([], startWhileStopping), stopping: on([], startWhileStopping), backoff: on(SPAWN_OR_WAIT, start), failed: on(SPAWN_OR_WAIT, startFailed),
  },
  stop: {
    inactive: ignored, waiting: on(['inactive'], stopIdle('down')), starting: on(['stopping'], stopRunning('down')), ready: on(['draining', 'stopping'], stopRunning('down')),
    draining: on([], stopRunning('down')), stopping: on([], stopRunning('down')), backoff: on(['inactive'], stopIdle('down')), failed: on(['inactive'], stopIdle('down')),
  },
  restart: {
    inactive: on([], stopIdle('restart')), waiting: on(['inactive'], stopIdle('restart')), starting: on(['stopping'], stopRunning('restart')), ready: on(['draining', 'stopping'], stopRunning('restart')),
    draining: on([], stopRunning('restart')), stopping: on([], stopRunning('restart')), backoff: on(['inactive'], stopIdle('restart')), failed: on([], stopIdle('restart')),
  },
  wake: {
    inactive: ignored, waiting: on(['starting'], wake), starting: ignored, ready: ignored,
    draining: ignored, stopping: ignored, backoff: ignored, failed: ignored,
  },
  dependentsStopped: {
    inactive: ignored, waiting: ignored, starting: on(['stopping'], dependentsStopped), ready: on(['draining', 'stopping'], dependentsStopped),
    draining: on([], dependentsStopped), stopping: on([], dependentsStopped), backoff: ignored, failed: ignored,
  },
  spawned: {
    inactive: ignored, waiting: ignored, starting: on([], spawned), ready: ignored,
    draining: ignored, stopping: on([], spawnedWhileStopping), backoff: ignored, failed: ignored,
  },
  spawnFailed: {
    inactive: ignored, waiting: ignored, starting: on(DOWN_OR_AGAIN, spawnFailed), ready: ignored,
    draining: ignored, stopping: on(['inactive'], spawnFailedWhileStopping), backoff: ignored, failed: ignored,
  },
  exited: {
    inactive: ignored, waiting: ignored, starting: on(DOWN_OR_AGAIN, crashed), ready: on(DOWN_OR_AGAIN, crashed),
    draining: on(['inactive'], exitedWhileStopping), stopping: on(DOWN_OR_AGAIN, exitedWhileStopping), backoff: ignored, failed: ignored,
  },
  readyProbe: {
    inactive: ignored, waiting: ignored, starting: on(['ready'], readyProbe), ready: ignored,
    draining: ignored, stopping: ignored, backoff: ignored, failed: ignored,
  },
  healthProbe: {
    inactive: ignored, waiting: ignored, starting: ignored, ready: on(['stopping'], healthProbe),
    draining: ignored, stopping: ignored, backoff: ignored, failed: ignored,
  },
  logMatched: {
    inactive: ignored, waiting: ignored, starting: on(['ready'], logMatched), ready: ignored,
    draining: ignored, stopping: ignored, backoff: ignored, failed: ignored,
  },
  remoteResult: {
    inactive: ignored, waiting: on([], remoteResult), starting: ignored, ready: ignored,
    draining: ignored, stopping: ignored, backoff: ignored, failed: ignored,
  },
  stopCommand: {
    inactive: ignored, waiting: ignored, starting: ignored, ready: ignored,
    draining: ignored, stopping: on([], stopCommandDone), backoff: ignored, failed: ignored,
  },
  drainCommand: {
    inactive: ignored, waiting: ignored, starting: ignored, ready: ignored,
    draining: on(['stopping'], drainCommandDone), stopping: ignored, backoff: ignored, failed: ignored,
  },
  lbDisable: {
    inactive: on([], lbDisableDone), waiting: on([], lbDisableDone), starting: on([], lbDisableDone), ready: on([], lbDisableDone),
    draining: on(['ready', 'stopping'], lbDisableDone), stopping: on([], lbDisableDone), backoff: on([], lbDisableDone), failed: on([], lbDisableDone),
  },
  lbEnable: {
    inactive: on([], lbEnableDone), waiting: on([], lbEnableDone), starting: on([], lbEnableDone), ready: on([], lbEnableDone),
    draining: on([], lbEnableDone), stopping: on([], lbEnableDone), backoff: on([], lbEnableDone), failed: on([], lbEnableDone),
  },
  connections: {
    inactive: ignored, waiting: ignored, starting: ignored, ready: ignored,
    draining: on(['stopping'], connections), stopping: ignored, backoff: ignored, failed: ignored,
  },
  'timer:ready-timeout': {
    inactive: ignored, waiting: ignored, starting: on(['stopping'], readyTimeout), ready: ignored,
    draining: ignored, stopping: ignored, backoff: ignored, failed: ignored,
  },
  'timer:ready-probe': {
    inactive: ignored, waiting: ignored, starting: on([], probeReady), ready: ignored,
    draining: ignored, stopping: ignored, backoff: ignored, failed: ignored,
  },
  'timer:grace': {
    inactive: ignored, waiting: ignored, starting: on(['ready'], graceOver), ready: ignored,
    draining: ignored, stopping: ignored, backoff: ignored, failed: ignored,
  },
  'timer:health': {
    inactive: ignored, waiting: ignored, starting: ignored, ready: on([], probeHealth),
    draining: ignored, stopping: ignored, backoff: ignored, failed: ignored,
  },
  'timer:kill': {
    inactive: ignored, waiting: ignored, starting: ignored, ready: ignored,
    draining: on([], killTimeout), stopping: on([], killTimeout), backoff: ignored, failed: ignored,
  },
  'timer:backoff': {
    inactive: ignored, waiting: ignored, starting: ignored, ready: ignored,
    draining: ignored, stopping: ignored, backoff: on(SPAWN_OR_WAIT, backoffOver), failed: ignored,
  },
  'timer:drain': {
    inactive: ignored, waiting: ignored, starting: ignored, ready: ignored,
    draining: on(['stopping'], drainTimeout), stopping: ignored, backoff: ignored, failed: ignored,
  },
  'timer:drain-poll': {
    inactive: ignored, waiting: ignored, starting: ignored, ready: ignored,
    draining: on([], countAgain), stopping: ignored, backoff: ignored, failed: ignored,
  },
  'timer:remote': {
    inactive: ignored, waiting: on([], checkRemote), starting: ignored, ready: ignored,
    draining: ignored, stopping: ignored, backoff: ignored, failed: ignored,
  },
};

// ---- What the rest of the core may ask of a unit (fleet.ts never reads `u.s` itself) ----

export function stateName(u: Unit): StateName {
  return u.s.state;
}

export function isReady(u: Unit): boolean {
  return u.s.state === 'ready';
}

/** Starting or ready: a process of the current generation is on its way up or up. */
export function isUp(u: Unit): boolean {
  return u.s.state === 'starting' || u.s.state === 'ready';
}

export function isWaiting(u: Unit): boolean {
  return u.s.state === 'waiting';
}

export function isFailed(u: Unit): boolean {
  return u.s.state === 'failed';
}

/** A process exists or is being spawned. */
export function isRunning(u: Unit): boolean {
  return runningState(u.s);
}

/** inactive or failed. */
export function isDown(u: Unit): boolean {
  return downState(u.s);
}

/** A stop waits for the unit's dependents to go down. */
export function stopPending(u: Unit): boolean {
  return 'pendingStop' in u.s && u.s.pendingStop !== undefined;
}

/** The unit settled where its waiting dependents should look again (ready, down, backing off). */
export function settled(u: Unit): boolean {
  return u.s.state === 'ready' || u.s.state === 'backoff' || downState(u.s);
}

/** Liveness probes failed in a row (0 unless ready). */
export function healthFails(u: Unit): number {
  return u.s.state === 'ready' ? u.s.healthFails : 0;
}
