// One unit's state machine: (unit, event) → (unit, effects). Pure: time arrives in `now`, timers
// are effects, and the fleet decides what needs the whole graph (requirements, stop order).
// Every (state, event) pair not handled below is an explicit no-op.
import type { UnitSpec } from '../../units/types.js';
import { afterExit, describeExit, fmtMs } from './policy.js';
import {
  assertNever, pidOf,
  type DrainStep, type Effect, type Then, type TimerKind, type Unit, type UnitEvent, type UnitState,
} from './model.js';

export interface StepResult {
  unit: Unit;
  effects: Effect[];
  /** The unit wants to start now; the fleet checks its requirements and spawns or makes it wait. */
  wantStart: boolean;
}

/** Timers that belong to one running process and die with it. */
const PROCESS_TIMERS: readonly TimerKind[] = ['ready-timeout', 'ready-probe', 'grace', 'health', 'kill', 'drain', 'drain-poll'];

/** Builds one transition: a copy of the unit, the effects, and a transition record for each state change. */
export class Step {
  readonly u: Unit;
  readonly effects: Effect[] = [];
  wantStart = false;

  constructor(unit: Unit, readonly spec: UnitSpec, readonly now: number) {
    this.u = { ...unit };
  }

  go(s: UnitState, reason: string): void {
    const from = this.u.s.state;
    this.u.s = s;
    this.u.since = this.now;
    this.u.reason = reason;
    this.effects.push({ kind: 'transition', unit: this.u.name, from, to: s.state, reason, pid: pidOf(s), at: this.now });
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

  done(): StepResult {
    return { unit: this.u, effects: this.effects, wantStart: this.wantStart };
  }
}

/** Spawns the unit now (its requirements are the fleet's business and already met). */
export function spawn(st: Step, reason: string): void {
  const u = st.u;
  u.gen += 1;
  u.spawnedAt = null;
  u.readySince = null;
  u.healthFails = 0;
  u.forced = false;
  st.go({ state: 'starting', pid: null }, reason);
  st.emit({ kind: 'spawn', unit: u.name, gen: u.gen });
}

/** Begins stopping: a drain when asked for and the unit has a safeStop, otherwise the normal stop. */
export function stop(st: Step, opts: { safe: boolean; then: Then; reason: string }): void {
  const { u, spec } = st;
  const s = u.s;
  u.pendingStop = null;
  switch (s.state) {
    case 'inactive':
    case 'failed':
      if (opts.then === 'restart') st.wantStart = true;
      else if (s.state === 'failed') st.go({ state: 'inactive' }, opts.reason);
      return;
    case 'waiting':
    case 'backoff':
      st.clear('backoff', 'remote');
      st.go({ state: 'inactive' }, opts.reason);
      if (opts.then === 'restart') st.wantStart = true;
      return;
    case 'starting':
      if (s.pid === null) {
        st.go({ state: 'stopping', pid: null, then: opts.then }, opts.reason);
        return;
      }
      beginNormalStop(st, s.pid, opts.then, opts.reason);
      return;
    case 'ready':
      if (opts.safe && (spec.safeStop !== null || spec.lb?.disable)) beginDrain(st, s.pid, opts.then, opts.reason);
      else beginNormalStop(st, s.pid, opts.then, opts.reason);
      return;
    case 'draining':
    case 'stopping':
      // Already on the way down: only what happens afterwards can change (a restart wins over down).
      if (s.then !== 'recover') u.s = { ...s, then: opts.then };
      return;
    default:
      assertNever(s);
  }
}

function beginNormalStop(st: Step, pid: number, then: Then, reason: string): void {
  const { u, spec } = st;
  st.clear('ready-timeout', 'ready-probe', 'grace', 'health', 'drain', 'drain-poll');
  st.emit({ kind: 'unwatchLog', unit: u.name });
  st.go({ state: 'stopping', pid, then }, reason);
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

function beginDrain(st: Step, pid: number, then: Then, reason: string): void {
  const { u, spec } = st;
  st.clear('health');
  const first: DrainStep = spec.lb?.disable ? 'lb-disable' : 'action';
  st.go({ state: 'draining', pid, then, step: first, connections: null }, reason);
  st.timer('drain', st.now + (spec.safeStop?.timeout ?? (spec.lb?.timeout ?? 0) * 2));
  if (first === 'lb-disable' && spec.lb?.disable) {
    st.emit({ kind: 'runCommand', unit: u.name, gen: u.gen, purpose: 'lb-disable', argv: spec.lb.disable, timeout: spec.lb.timeout });
  } else {
    drainAction(st, pid);
  }
}

/** The safeStop action, then what the drain waits for: the command to return, then connections
 * to reach zero, or (signal/http alone) the process to exit by itself. */
function drainAction(st: Step, pid: number): void {
  const { u, spec } = st;
  const safe = spec.safeStop;
  const s = u.s;
  if (s.state !== 'draining') return;
  if (safe === null) {
    // Only an lb hook to run: the unit is out of the balancer, the normal stop follows.
    drainFinished(st, false, 'out of the load balancer');
    return;
  }
  // A drain command (e.g. `shutdown safe`) runs to its end before connections are counted: the
  // server stops accepting first, so a count of zero cannot come before it did.
  const waitCommand = safe.command !== null;
  u.s = { ...s, step: !waitCommand && safe.waitConnections.length > 0 ? 'connections' : 'action' };
  if (safe.signal !== null) st.emit({ kind: 'signal', unit: u.name, pid, signal: safe.signal });
  if (safe.http !== null) st.emit({ kind: 'postHttp', unit: u.name, gen: u.gen, url: safe.http, timeout: Math.min(safe.timeout, 30_000) });
  if (safe.command !== null) {
    st.emit({ kind: 'runCommand', unit: u.name, gen: u.gen, purpose: 'drain', argv: safe.command, timeout: safe.timeout });
  } else if (safe.waitConnections.length > 0) {
    st.emit({ kind: 'countConnections', unit: u.name, gen: u.gen, ports: safe.waitConnections });
  }
}

/** The drain command returned: wait for the connections if there are ports to watch (even when
 * the command failed, running work still deserves its time), otherwise the drain is over. */
function drainCommandDone(st: Step, ok: boolean, message: string): void {
  const { u, spec } = st;
  const s = u.s;
  if (s.state !== 'draining' || s.step !== 'action') return;
  const ports = spec.safeStop?.waitConnections ?? [];
  if (ports.length === 0) {
    drainFinished(st, false, ok ? 'drained' : `drain command failed: ${message}`);
    return;
  }
  u.s = { ...s, step: 'connections' };
  st.emit({ kind: 'countConnections', unit: u.name, gen: u.gen, ports });
}

function drainFinished(st: Step, forced: boolean, reason: string): void {
  const s = st.u.s;
  if (s.state !== 'draining') return;
  st.u.forced = forced;
  st.clear('drain', 'drain-poll');
  beginNormalStop(st, s.pid, s.then, reason);
}

function becomeReady(st: Step, pid: number, reason: string): void {
  const { u, spec } = st;
  st.clear('ready-timeout', 'ready-probe', 'grace');
  st.emit({ kind: 'unwatchLog', unit: u.name });
  u.readySince = st.now;
  st.go({ state: 'ready', pid }, reason);
  if (spec.health !== null) st.timer('health', st.now + spec.health.interval);
  if (u.lbDisabled && spec.lb?.enable) {
    st.emit({ kind: 'runCommand', unit: u.name, gen: u.gen, purpose: 'lb-enable', argv: spec.lb.enable, timeout: spec.lb.timeout });
  }
}

/** After the process is gone: down, start again, or what the restart policy says. */
function afterProcessExit(st: Step, then: Then | 'crash', exit: { code: number | null; signal: string | null }, why: string): void {
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
    st.wantStart = true;
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
    case 'restart':
      u.crashes = d.crashes;
      u.attempt = d.attempt;
      u.restarts += 1;
      st.go({ state: 'backoff', attempt: d.attempt, until: st.now + d.delay }, `${why}; restart ${d.attempt} in ${fmtMs(d.delay)}`);
      // No delay: start again in this same dispatch; a timer due now would cost a trip through
      // the clock (a millisecond or more) between the exit and the new process.
      if (d.delay <= 0) st.wantStart = true;
      else st.timer('backoff', st.now + d.delay);
      return;
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

/** Applies one event to one unit. */
export function onEvent(unit: Unit, spec: UnitSpec, ev: UnitEvent, now: number): StepResult {
  const st = new Step(unit, spec, now);
  const u = st.u;
  const s = u.s;
  if (ev.type !== 'timer' && ev.gen !== u.gen) return st.done(); // a result about an older process

  switch (ev.type) {
    case 'spawned':
      if (s.state === 'starting' && s.pid === null) {
        u.spawnedAt = now;
        u.s = { state: 'starting', pid: ev.pid };
        st.emit({ kind: 'transition', unit: u.name, from: 'starting', to: 'starting', reason: `spawned pid ${ev.pid}`, pid: ev.pid, at: now });
        armReadiness(st);
      } else if (s.state === 'stopping' && s.pid === null) {
        u.spawnedAt = now;
        u.s = { ...s, pid: ev.pid };
        sendStop(st, ev.pid);
        st.timer('kill', now + spec.stop.timeout);
      }
      break;
    case 'spawnFailed':
      if (s.state === 'starting') afterProcessExit(st, 'recover', { code: null, signal: null }, `spawn failed: ${ev.message}`);
      else if (s.state === 'stopping' && s.pid === null) afterProcessExit(st, 'down', { code: null, signal: null }, `spawn failed: ${ev.message}`);
      break;
    case 'exited': {
      const exit = { code: ev.code, signal: ev.signal };
      if (s.state === 'starting' || s.state === 'ready') {
        const why = s.state === 'starting' ? `${describeExit(exit)} before ready` : describeExit(exit);
        afterProcessExit(st, 'crash', exit, why);
      } else if (s.state === 'stopping' || s.state === 'draining') {
        const why = s.state === 'draining' ? `${describeExit(exit)} while draining` : s.then === 'recover' ? u.reason : `stopped (${describeExit(exit)})`;
        afterProcessExit(st, s.then, exit, why);
      }
      break;
    }
    case 'probeResult':
      if (ev.purpose === 'ready' && s.state === 'starting' && s.pid !== null) {
        if (ev.ok) becomeReady(st, s.pid, `ready: ${ev.message}`);
        else st.timer('ready-probe', now + spec.ready.interval);
      } else if (ev.purpose === 'health' && s.state === 'ready' && spec.health !== null) {
        if (ev.ok) {
          u.healthFails = 0;
        } else {
          u.healthFails += 1;
          if (u.healthFails >= spec.health.failures) {
            beginNormalStop(st, s.pid, 'recover', `liveness probe failed ${u.healthFails} times: ${ev.message}`);
            break;
          }
        }
        st.timer('health', now + spec.health.interval);
      }
      break;
    case 'logMatched':
      if (s.state === 'starting' && s.pid !== null) becomeReady(st, s.pid, 'ready: log line matched');
      break;
    case 'remoteResult':
      if (s.state === 'waiting') {
        if (ev.ok) {
          u.remoteOk = new Set(u.remoteOk).add(ev.raw);
          st.wantStart = true;
        } else {
          st.timer('remote', now + 1000);
        }
      }
      break;
    case 'commandDone':
      onCommandDone(st, ev);
      break;
    case 'connections':
      if (s.state === 'draining' && s.step === 'connections') {
        if (ev.count === 0) drainFinished(st, false, 'drained: no connections left');
        else {
          // An unreadable count keeps the drain waiting, to its timeout if need be.
          const { countError: _old, ...rest } = s;
          u.s = ev.count === null ? { ...rest, connections: null, countError: ev.error ?? 'unknown error' } : { ...rest, connections: ev.count };
          st.timer('drain-poll', now + 200);
        }
      }
      break;
    case 'timer':
      onTimer(st, ev.kind);
      break;
    default:
      assertNever(ev);
  }
  return st.done();
}

function armReadiness(st: Step): void {
  const { u, spec, now } = st;
  const check = spec.ready.check;
  st.timer('ready-timeout', now + spec.ready.timeout);
  if (check === null) st.timer('grace', now + spec.ready.grace);
  else if (check.kind === 'log') st.emit({ kind: 'watchLog', unit: u.name, gen: u.gen, pattern: check.pattern });
  else st.timer('ready-probe', now);
}

function onCommandDone(st: Step, ev: Extract<UnitEvent, { type: 'commandDone' }>): void {
  const { u, spec } = st;
  const s = u.s;
  switch (ev.purpose) {
    case 'stop':
      // A stop command that failed: fall back to the stop signal; the kill timer still runs.
      if (!ev.ok && s.state === 'stopping' && s.pid !== null) st.emit({ kind: 'signal', unit: u.name, pid: s.pid, signal: spec.stop.signal });
      return;
    case 'lb-disable':
      st.emit({ kind: 'hookDone', unit: u.name, purpose: ev.purpose, ok: ev.ok, message: ev.message });
      if (s.state !== 'draining' || s.step !== 'lb-disable') return;
      if (ev.ok) {
        u.lbDisabled = true;
      } else if (u.strictLb) {
        // In a rollout, draining a server the balancer still sends work to would drop requests.
        st.clear('drain');
        u.lbDisabled = true;
        becomeReadyAgain(st, s.pid, `lb.disable hook failed: ${ev.message}`);
        return;
      }
      drainAction(st, s.pid);
      return;
    case 'drain':
      drainCommandDone(st, ev.ok, ev.message);
      return;
    case 'lb-enable':
      if (ev.ok) u.lbDisabled = false;
      st.emit({ kind: 'hookDone', unit: u.name, purpose: ev.purpose, ok: ev.ok, message: ev.message });
      return;
    default:
      assertNever(ev.purpose);
  }
}

function becomeReadyAgain(st: Step, pid: number, reason: string): void {
  st.u.pendingStop = null;
  st.go({ state: 'ready', pid }, reason);
  if (st.spec.health !== null) st.timer('health', st.now + st.spec.health.interval);
}

function onTimer(st: Step, kind: TimerKind): void {
  const { u, spec } = st;
  const s = u.s;
  switch (kind) {
    case 'grace':
      if (s.state === 'starting' && s.pid !== null) becomeReady(st, s.pid, `ready: running for ${fmtMs(spec.ready.grace)}`);
      return;
    case 'ready-probe':
      if (s.state === 'starting' && s.pid !== null && spec.ready.check !== null && spec.ready.check.kind !== 'log') {
        st.emit({ kind: 'probe', unit: u.name, gen: u.gen, purpose: 'ready', check: spec.ready.check, timeout: Math.min(spec.ready.interval * 10, spec.ready.timeout, 5000) });
      }
      return;
    case 'ready-timeout':
      if (s.state === 'starting' && s.pid !== null) beginNormalStop(st, s.pid, 'recover', `not ready after ${fmtMs(spec.ready.timeout)}`);
      return;
    case 'health':
      if (s.state === 'ready' && spec.health !== null) {
        st.emit({ kind: 'probe', unit: u.name, gen: u.gen, purpose: 'health', check: spec.health.check, timeout: spec.health.timeout });
      }
      return;
    case 'kill':
      if ((s.state === 'stopping' || s.state === 'draining') && s.pid !== null) {
        st.emit({ kind: 'killTree', unit: u.name, pid: s.pid });
        u.reason = `${u.reason}; stop timeout ${fmtMs(spec.stop.timeout)}: SIGKILL`;
      }
      return;
    case 'backoff':
      if (s.state === 'backoff') st.wantStart = true;
      return;
    case 'drain':
      if (s.state === 'draining') {
        const why = s.countError === undefined ? '' : ` (connections could not be counted: ${s.countError})`;
        drainFinished(st, true, `drain timeout ${fmtMs(spec.safeStop?.timeout ?? 0)}: forced${why}`);
      }
      return;
    case 'metadata':
      // The fleet handles the master's settled metadata change; the unit itself does nothing.
      return;
    case 'drain-poll':
      if (s.state === 'draining' && s.step === 'connections' && spec.safeStop !== null) {
        st.emit({ kind: 'countConnections', unit: u.name, gen: u.gen, ports: spec.safeStop.waitConnections });
      }
      return;
    case 'remote':
      if (s.state === 'waiting') {
        for (const r of spec.requires) {
          if (r.kind !== 'unit' && !u.remoteOk.has(r.raw)) st.emit({ kind: 'checkRemote', unit: u.name, gen: u.gen, requirement: r });
        }
      }
      return;
    default:
      assertNever(kind);
  }
}
