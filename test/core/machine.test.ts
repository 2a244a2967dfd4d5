// One unit's transition table (DESIGN.md): each row is [state, event] → [state, effect kinds].
import t, { type Test } from 'tap';
import { onEvent, spawn, Step, stop, type StepResult } from '../../daemon/core/machine.js';
import type { Effect, TimerKind, Unit, UnitEvent, UnitState } from '../../daemon/core/model.js';
import type { UnitSpec } from '../../units/types.js';
import { kinds, unitIn, unitSpec } from './helpers.js';

const NOW = 100_000;
const plain = unitSpec('u');
const tcpReady = unitSpec('u', { ready: { check: { kind: 'tcp', host: '127.0.0.1', port: 8080 } } });
const logReady = unitSpec('u', { ready: { check: { kind: 'log', pattern: 'listening' } } });
const healthy = unitSpec('u', { health: { check: { kind: 'tcp', host: '127.0.0.1', port: 8080 }, interval: 10_000, timeout: 5000, failures: 3 } });
const stopCmd = unitSpec('u', { stop: { command: ['/usr/bin/ctl', 'shutdown', 'force'] } });
const never = unitSpec('u', { restart: { policy: 'never' } });
const always = unitSpec('u', { restart: { policy: 'always' } });
const burst3 = unitSpec('u', { restart: { burst: 3 } });
const drainSignal = unitSpec('u', { safeStop: { signal: 'SIGUSR1' } });
const drainCmd = unitSpec('u', { safeStop: { command: ['/usr/bin/ctl', 'drain'] } });
const drainConns = unitSpec('u', { safeStop: { signal: 'SIGUSR1', waitConnections: [8080], timeout: 60_000 } });
const drainLb = unitSpec('u', {
  safeStop: { command: ['/usr/bin/ctl', 'drain'] },
  lb: { disable: ['/usr/bin/lb', 'disable', 'u'], enable: ['/usr/bin/lb', 'enable', 'u'] },
});
const remote = unitSpec('u', { requires: ['tcp://archive:9000'] });
/** Every optional feature at once, so every conditional handler in the machine is reachable. */
const full = unitSpec('u', {
  requires: ['tcp://archive:9000'],
  ready: { check: { kind: 'tcp', host: '127.0.0.1', port: 8080 } },
  health: { check: { kind: 'tcp', host: '127.0.0.1', port: 8080 }, interval: 10_000, timeout: 5000, failures: 1 },
  safeStop: { command: ['/usr/bin/ctl', 'drain'], waitConnections: [8080] },
  lb: { disable: ['/usr/bin/lb', 'disable'], enable: ['/usr/bin/lb', 'enable'] },
});

const PID = 4242;
const timer = (kind: TimerKind): UnitEvent => ({ type: 'timer', kind });
const exitedEv = (code: number | null, signal: string | null = null): UnitEvent => ({ type: 'exited', gen: 1, code, signal });
const timers = (effects: Effect[], kind: 'setTimer' | 'clearTimer'): string[] =>
  effects.flatMap((e) => (e.kind === kind ? [e.timer] : []));

interface Row {
  name: string;
  spec: UnitSpec;
  unit: Unit;
  /** An event, or a call into spawn/stop (what the fleet does on start and stop). */
  act: UnitEvent | ((st: Step) => void);
  state: UnitState['state'];
  effects: string[];
  wantStart?: boolean;
  check?: (t: Test, r: StepResult) => void;
}

function run(row: Row): StepResult {
  if (typeof row.act === 'function') {
    const st = new Step(row.unit, row.spec, NOW);
    row.act(st);
    return st.done();
  }
  return onEvent(row.unit, row.spec, row.act, NOW);
}

const readyU = (extra: Partial<Unit> = {}): Unit => unitIn({ state: 'ready', pid: PID }, { readySince: NOW - 1000, spawnedAt: NOW - 2000, ...extra });
const startingU = (pid: number | null = PID): Unit => unitIn({ state: 'starting', pid }, { spawnedAt: pid === null ? null : NOW - 10 });
const stoppingU = (then: 'down' | 'restart' | 'recover', pid: number | null = PID): Unit => unitIn({ state: 'stopping', pid, then });
const drainingU = (step: 'lb-disable' | 'action' | 'connections', extra: Partial<Unit> = {}): Unit =>
  unitIn({ state: 'draining', pid: PID, then: 'down', step, connections: null }, extra);

const rows: Row[] = [
  {
    name: 'inactive, spawn: starting and a spawn of the next generation',
    spec: plain, unit: unitIn({ state: 'inactive' }, { gen: 0 }), act: (st) => spawn(st, 'start requested'),
    state: 'starting', effects: ['transition', 'spawn'],
    check: (t, r) => {
      t.equal(r.unit.gen, 1);
      t.match(r.effects[1], { kind: 'spawn', unit: 'u', gen: 1 });
    },
  },
  {
    name: 'starting, spawned without a check: ready timer and grace timer',
    spec: plain, unit: startingU(null), act: { type: 'spawned', gen: 1, pid: PID },
    state: 'starting', effects: ['transition', 'setTimer', 'setTimer'],
    check: (t, r) => {
      t.same(r.unit.s, { state: 'starting', pid: PID });
      t.equal(r.unit.spawnedAt, NOW);
      t.match(r.effects.slice(1), [{ timer: 'ready-timeout', due: NOW + 30_000 }, { timer: 'grace', due: NOW + 1000 }]);
    },
  },
  {
    name: 'starting, spawned with a tcp check: the first ready probe is due at once',
    spec: tcpReady, unit: startingU(null), act: { type: 'spawned', gen: 1, pid: PID },
    state: 'starting', effects: ['transition', 'setTimer', 'setTimer'],
    check: (t, r) => t.match(r.effects.slice(1), [{ timer: 'ready-timeout' }, { timer: 'ready-probe', due: NOW }]),
  },
  {
    name: 'starting, spawned with a log check: the log is watched',
    spec: logReady, unit: startingU(null), act: { type: 'spawned', gen: 1, pid: PID },
    state: 'starting', effects: ['transition', 'setTimer', 'watchLog'],
    check: (t, r) => t.match(r.effects[2], { kind: 'watchLog', gen: 1, pattern: 'listening' }),
  },
  {
    name: 'starting, ready-probe timer: a ready probe runs',
    spec: tcpReady, unit: startingU(), act: timer('ready-probe'),
    state: 'starting', effects: ['probe'],
    check: (t, r) => t.match(r.effects[0], { purpose: 'ready', check: { kind: 'tcp', port: 8080 }, gen: 1 }),
  },
  {
    name: 'starting, ready probe fails: probe again after the interval',
    spec: tcpReady, unit: startingU(), act: { type: 'probeResult', gen: 1, purpose: 'ready', ok: false, message: 'refused' },
    state: 'starting', effects: ['setTimer'],
    check: (t, r) => t.match(r.effects[0], { timer: 'ready-probe', due: NOW + 100 }),
  },
  {
    name: 'starting, ready probe passes: ready, readiness timers cleared, health timer set',
    spec: { ...healthy, ready: tcpReady.ready }, unit: startingU(), act: { type: 'probeResult', gen: 1, purpose: 'ready', ok: true, message: 'tcp 8080' },
    state: 'ready', effects: ['clearTimer', 'clearTimer', 'clearTimer', 'unwatchLog', 'transition', 'setTimer'],
    check: (t, r) => {
      t.same(timers(r.effects, 'clearTimer').sort(), ['grace', 'ready-probe', 'ready-timeout']);
      t.match(r.effects[5], { timer: 'health', due: NOW + 10_000 });
      t.equal(r.unit.readySince, NOW);
      t.match(r.effects[4], { from: 'starting', to: 'ready', pid: PID });
    },
  },
  {
    name: 'starting, log line matched: ready',
    spec: logReady, unit: startingU(), act: { type: 'logMatched', gen: 1 },
    state: 'ready', effects: ['clearTimer', 'clearTimer', 'clearTimer', 'unwatchLog', 'transition'],
  },
  {
    name: 'starting, grace elapsed: ready',
    spec: plain, unit: startingU(), act: timer('grace'),
    state: 'ready', effects: ['clearTimer', 'clearTimer', 'clearTimer', 'unwatchLog', 'transition'],
    check: (t, r) => t.match(r.unit.reason, /running for 1s/),
  },
  {
    name: 'starting, ready timeout: stopping, then recover (stop signal and kill timer)',
    spec: plain, unit: startingU(), act: timer('ready-timeout'),
    state: 'stopping', effects: ['clearTimer', 'clearTimer', 'clearTimer', 'clearTimer', 'clearTimer', 'clearTimer', 'unwatchLog', 'transition', 'signal', 'setTimer'],
    check: (t, r) => {
      t.same(r.unit.s, { state: 'stopping', pid: PID, then: 'recover' });
      t.match(r.unit.reason, /not ready after 30s/);
      t.match(r.effects[8], { kind: 'signal', pid: PID, signal: 'SIGTERM' });
      t.match(r.effects[9], { timer: 'kill', due: NOW + 30_000 });
    },
  },
  {
    name: 'stopping (recover), exited: the restart policy applies as for a crash',
    spec: plain, unit: stoppingU('recover'), act: exitedEv(null, 'SIGTERM'),
    state: 'backoff', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition', 'setTimer'],
    check: (t, r) => {
      t.same(r.unit.s, { state: 'backoff', attempt: 1, until: NOW + 1000 });
      t.match(r.effects.at(-1), { timer: 'backoff', due: NOW + 1000 });
    },
  },
  {
    name: 'starting, spawn failed: backoff',
    spec: plain, unit: startingU(null), act: { type: 'spawnFailed', gen: 1, message: 'ENOENT' },
    state: 'backoff', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition', 'setTimer'],
    check: (t, r) => t.match(r.unit.reason, /spawn failed: ENOENT/),
  },
  {
    name: 'starting, exited: backoff with the base delay',
    spec: plain, unit: startingU(), act: exitedEv(1),
    state: 'backoff', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition', 'setTimer'],
    check: (t, r) => {
      t.match(r.unit.reason, /exited with code 1 before ready; restart 1 in 1s/);
      t.same(r.unit.lastExit, { code: 1, signal: null, at: NOW });
      t.equal(r.unit.restarts, 1);
    },
  },
  {
    name: 'ready, exited after earlier attempts: backoff grows (third attempt: 4s)',
    spec: plain, unit: readyU({ attempt: 2, crashes: [NOW - 5000, NOW - 3000] }), act: exitedEv(1),
    state: 'backoff', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition', 'setTimer'],
    check: (t, r) => t.same(r.unit.s, { state: 'backoff', attempt: 3, until: NOW + 4000 }),
  },
  {
    name: 'ready, exited past the burst inside the window: failed',
    spec: burst3, unit: readyU({ attempt: 3, crashes: [NOW - 30_000, NOW - 20_000, NOW - 10_000] }), act: exitedEv(null, 'SIGKILL'),
    state: 'failed', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition'],
    check: (t, r) => {
      t.same(r.unit.s, { state: 'failed', reason: 'killed by SIGKILL; 4 exits within 1m (burst 3): giving up' });
      t.equal(r.unit.reason, 'killed by SIGKILL; 4 exits within 1m (burst 3): giving up');
    },
  },
  {
    name: 'starting, exited past the burst: failed, the reason names the exit once',
    spec: burst3, unit: unitIn({ state: 'starting', pid: PID }, { attempt: 3, crashes: [NOW - 3000, NOW - 2000, NOW - 1000] }), act: exitedEv(3),
    state: 'failed', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition'],
    check: (t, r) => t.equal(r.unit.reason, 'exited with code 3 before ready; 4 exits within 1m (burst 3): giving up'),
  },
  {
    name: 'ready, exited 0 under on-failure: inactive and the goal goes down',
    spec: plain, unit: readyU(), act: exitedEv(0),
    state: 'inactive', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition'],
    check: (t, r) => {
      t.equal(r.unit.goal, 'down');
      t.equal(r.unit.reason, 'exited with code 0; restart policy on-failure', 'the exit is named once');
    },
  },
  {
    name: 'ready, exited 1 under never: inactive',
    spec: never, unit: readyU(), act: exitedEv(1),
    state: 'inactive', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition'],
    check: (t, r) => t.equal(r.unit.goal, 'down'),
  },
  {
    name: 'ready, exited 0 under always: backoff',
    spec: always, unit: readyU(), act: exitedEv(0),
    state: 'backoff', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition', 'setTimer'],
  },
  {
    name: 'ready, exited while the goal is down: inactive, never restarted',
    spec: always, unit: readyU({ goal: 'down' }), act: exitedEv(1),
    state: 'inactive', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition'],
  },
  {
    name: 'ready, health probe fails below the threshold: stays ready, probes again',
    spec: healthy, unit: readyU({ healthFails: 1 }), act: { type: 'probeResult', gen: 1, purpose: 'health', ok: false, message: 'refused' },
    state: 'ready', effects: ['setTimer'],
    check: (t, r) => t.equal(r.unit.healthFails, 2),
  },
  {
    name: 'ready, health probe fails `failures` times: stopping, then recover',
    spec: healthy, unit: readyU({ healthFails: 2 }), act: { type: 'probeResult', gen: 1, purpose: 'health', ok: false, message: 'refused' },
    state: 'stopping', effects: [...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'signal', 'setTimer'],
    check: (t, r) => {
      t.match(r.unit.s, { then: 'recover' });
      t.match(r.unit.reason, /liveness probe failed 3 times: refused/);
    },
  },
  {
    name: 'ready, health probe passes: the failure count resets',
    spec: healthy, unit: readyU({ healthFails: 2 }), act: { type: 'probeResult', gen: 1, purpose: 'health', ok: true, message: 'ok' },
    state: 'ready', effects: ['setTimer'],
    check: (t, r) => t.equal(r.unit.healthFails, 0),
  },
  {
    name: 'ready, stop: stopping with the stop signal and the kill timer',
    spec: plain, unit: readyU(), act: (st) => stop(st, { safe: false, then: 'down', reason: 'stop requested' }),
    state: 'stopping', effects: [...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'signal', 'setTimer'],
    check: (t, r) => {
      t.same(r.unit.s, { state: 'stopping', pid: PID, then: 'down' });
      t.match(r.effects.at(-1), { timer: 'kill', due: NOW + 30_000 });
    },
  },
  {
    name: 'ready, stop with a stop command: the command runs instead of the signal',
    spec: stopCmd, unit: readyU(), act: (st) => stop(st, { safe: false, then: 'down', reason: 'stop requested' }),
    state: 'stopping', effects: [...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'runCommand', 'setTimer'],
    check: (t, r) => t.match(r.effects[8], { purpose: 'stop', argv: ['/usr/bin/ctl', 'shutdown', 'force'] }),
  },
  {
    name: 'ready, safe stop without a safeStop: a normal stop',
    spec: plain, unit: readyU(), act: (st) => stop(st, { safe: true, then: 'down', reason: 'safe stop requested' }),
    state: 'stopping', effects: [...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'signal', 'setTimer'],
  },
  {
    name: 'starting before spawned, stop: stopping without a pid',
    spec: plain, unit: startingU(null), act: (st) => stop(st, { safe: false, then: 'down', reason: 'stop requested' }),
    state: 'stopping', effects: ['transition'],
    check: (t, r) => t.same(r.unit.s, { state: 'stopping', pid: null, then: 'down' }),
  },
  {
    name: 'stopping without a pid, spawned: the stop is sent to the new pid',
    spec: plain, unit: stoppingU('down', null), act: { type: 'spawned', gen: 1, pid: PID },
    state: 'stopping', effects: ['signal', 'setTimer'],
    check: (t, r) => t.same(r.unit.s, { state: 'stopping', pid: PID, then: 'down' }),
  },
  {
    name: 'stopping, kill timer: SIGKILL to the whole tree, still stopping',
    spec: plain, unit: stoppingU('down'), act: timer('kill'),
    state: 'stopping', effects: ['killTree'],
    check: (t, r) => t.match(r.unit.reason, /stop timeout 30s: SIGKILL/),
  },
  {
    name: 'stopping, stop command failed: falls back to the stop signal',
    spec: stopCmd, unit: stoppingU('down'), act: { type: 'commandDone', gen: 1, purpose: 'stop', ok: false, message: 'exit 1' },
    state: 'stopping', effects: ['signal'],
  },
  {
    name: 'stopping (down), exited: inactive',
    spec: plain, unit: stoppingU('down'), act: exitedEv(0),
    state: 'inactive', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition'],
    wantStart: false,
  },
  {
    name: 'stopping (restart), exited: inactive, and the unit wants to start again',
    spec: plain, unit: stoppingU('restart'), act: exitedEv(0),
    state: 'inactive', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition'],
    wantStart: true,
    check: (t, r) => t.equal(r.unit.restarts, 1),
  },
  {
    name: 'ready, safe stop with a signal drain: draining, drain timer, the drain signal',
    spec: drainSignal, unit: readyU(), act: (st) => stop(st, { safe: true, then: 'down', reason: 'safe stop requested' }),
    state: 'draining', effects: ['clearTimer', 'transition', 'setTimer', 'signal'],
    check: (t, r) => {
      t.match(r.unit.s, { step: 'action', then: 'down' });
      t.match(r.effects[2], { timer: 'drain', due: NOW + 600_000 });
      t.match(r.effects[3], { signal: 'SIGUSR1', pid: PID });
    },
  },
  {
    name: 'ready, safe stop with an lb hook: lb.disable runs first, before the drain action',
    spec: drainLb, unit: readyU(), act: (st) => stop(st, { safe: true, then: 'down', reason: 'safe stop requested' }),
    state: 'draining', effects: ['clearTimer', 'transition', 'setTimer', 'runCommand'],
    check: (t, r) => {
      t.match(r.unit.s, { step: 'lb-disable' });
      t.match(r.effects[3], { purpose: 'lb-disable', argv: ['/usr/bin/lb', 'disable', 'u'] });
    },
  },
  {
    name: 'draining, lb.disable done: out of the balancer, then the drain action',
    spec: drainLb, unit: drainingU('lb-disable'), act: { type: 'commandDone', gen: 1, purpose: 'lb-disable', ok: true, message: 'exit 0' },
    state: 'draining', effects: ['hookDone', 'runCommand'],
    check: (t, r) => {
      t.equal(r.unit.lbDisabled, true);
      t.match(r.unit.s, { step: 'action' });
      t.match(r.effects[1], { purpose: 'drain', argv: ['/usr/bin/ctl', 'drain'] });
    },
  },
  {
    name: 'draining, lb.disable failed outside a rollout: the drain carries on',
    spec: drainLb, unit: drainingU('lb-disable'), act: { type: 'commandDone', gen: 1, purpose: 'lb-disable', ok: false, message: 'exit 3' },
    state: 'draining', effects: ['hookDone', 'runCommand'],
    check: (t, r) => t.equal(r.unit.lbDisabled, false),
  },
  {
    name: 'draining, lb.disable failed in a rollout (strictLb): back to ready',
    spec: drainLb, unit: drainingU('lb-disable', { strictLb: true }), act: { type: 'commandDone', gen: 1, purpose: 'lb-disable', ok: false, message: 'exit 3' },
    state: 'ready', effects: ['hookDone', 'clearTimer', 'transition'],
    check: (t, r) => {
      t.same(r.unit.s, { state: 'ready', pid: PID });
      t.match(r.unit.reason, /lb.disable hook failed: exit 3/);
      t.match(r.effects[0], { kind: 'hookDone', ok: false });
    },
  },
  {
    name: 'draining, drain command done: stopping, not forced',
    spec: drainCmd, unit: drainingU('action'), act: { type: 'commandDone', gen: 1, purpose: 'drain', ok: true, message: 'exit 0' },
    state: 'stopping', effects: ['clearTimer', 'clearTimer', ...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'signal', 'setTimer'],
    check: (t, r) => t.equal(r.unit.forced, false),
  },
  {
    name: 'ready, safe stop waiting for connections: the first count is asked for',
    spec: drainConns, unit: readyU(), act: (st) => stop(st, { safe: true, then: 'down', reason: 'safe stop requested' }),
    state: 'draining', effects: ['clearTimer', 'transition', 'setTimer', 'signal', 'countConnections'],
    check: (t, r) => {
      t.match(r.unit.s, { step: 'connections' });
      t.match(r.effects[4], { ports: [8080] });
    },
  },
  {
    name: 'draining, connections left: polled again',
    spec: drainConns, unit: drainingU('connections'), act: { type: 'connections', gen: 1, count: 3 },
    state: 'draining', effects: ['setTimer'],
    check: (t, r) => {
      t.match(r.unit.s, { connections: 3 });
      t.match(r.effects[0], { timer: 'drain-poll' });
    },
  },
  {
    name: 'draining, drain-poll timer: connections counted again',
    spec: drainConns, unit: drainingU('connections'), act: timer('drain-poll'),
    state: 'draining', effects: ['countConnections'],
  },
  {
    name: 'draining, no connections left: stopping, not forced',
    spec: drainConns, unit: drainingU('connections'), act: { type: 'connections', gen: 1, count: 0 },
    state: 'stopping', effects: ['clearTimer', 'clearTimer', ...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'signal', 'setTimer'],
    check: (t, r) => {
      t.equal(r.unit.forced, false);
      t.match(r.effects.at(-2), { signal: 'SIGTERM' });
    },
  },
  {
    name: 'draining, drain timeout: stopping, forced',
    spec: drainConns, unit: drainingU('connections'), act: timer('drain'),
    state: 'stopping', effects: ['clearTimer', 'clearTimer', ...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'signal', 'setTimer'],
    check: (t, r) => {
      t.equal(r.unit.forced, true);
      t.match(r.unit.reason, /drain timeout 1m: forced/);
    },
  },
  {
    name: 'draining (down), exited: inactive',
    spec: drainSignal, unit: drainingU('action'), act: exitedEv(0),
    state: 'inactive', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition'],
    check: (t, r) => t.match(r.unit.reason, /while draining/),
  },
  {
    name: 'ready with the lb disabled, lb.enable done: back in the balancer',
    spec: drainLb, unit: readyU({ lbDisabled: true }), act: { type: 'commandDone', gen: 1, purpose: 'lb-enable', ok: true, message: 'exit 0' },
    state: 'ready', effects: ['hookDone'],
    check: (t, r) => t.equal(r.unit.lbDisabled, false),
  },
  {
    name: 'starting with the lb disabled, ready: lb.enable runs',
    spec: { ...drainLb, ready: plain.ready }, unit: unitIn({ state: 'starting', pid: PID }, { lbDisabled: true }), act: timer('grace'),
    state: 'ready', effects: ['clearTimer', 'clearTimer', 'clearTimer', 'unwatchLog', 'transition', 'runCommand'],
    check: (t, r) => t.match(r.effects[5], { purpose: 'lb-enable' }),
  },
  {
    name: 'backoff, timer: the unit wants to start (the fleet checks requirements)',
    spec: plain, unit: unitIn({ state: 'backoff', attempt: 1, until: NOW }), act: timer('backoff'),
    state: 'backoff', effects: [], wantStart: true,
  },
  {
    name: 'backoff, stop: inactive, the backoff timer cleared',
    spec: plain, unit: unitIn({ state: 'backoff', attempt: 1, until: NOW + 1000 }), act: (st) => stop(st, { safe: false, then: 'down', reason: 'stop requested' }),
    state: 'inactive', effects: ['clearTimer', 'clearTimer', 'transition'],
  },
  {
    name: 'waiting, stop: inactive',
    spec: plain, unit: unitIn({ state: 'waiting', missing: ['db'] }), act: (st) => stop(st, { safe: false, then: 'down', reason: 'stop requested' }),
    state: 'inactive', effects: ['clearTimer', 'clearTimer', 'transition'],
  },
  {
    name: 'failed, stop: inactive',
    spec: plain, unit: unitIn({ state: 'failed', reason: 'crash loop' }), act: (st) => stop(st, { safe: false, then: 'down', reason: 'stop requested' }),
    state: 'inactive', effects: ['transition'],
  },
  {
    name: 'inactive, stop then restart: wants to start',
    spec: plain, unit: unitIn({ state: 'inactive' }), act: (st) => stop(st, { safe: false, then: 'restart', reason: 'restart requested' }),
    state: 'inactive', effects: [], wantStart: true,
  },
  {
    name: 'stopping (down), stop then restart: the restart wins',
    spec: plain, unit: stoppingU('down'), act: (st) => stop(st, { safe: false, then: 'restart', reason: 'restart requested' }),
    state: 'stopping', effects: [],
    check: (t, r) => t.match(r.unit.s, { then: 'restart' }),
  },
  {
    name: 'waiting, remote timer: every remote requirement not yet seen is checked',
    spec: remote, unit: unitIn({ state: 'waiting', missing: ['tcp://archive:9000'] }), act: timer('remote'),
    state: 'waiting', effects: ['checkRemote'],
    check: (t, r) => t.match(r.effects[0], { requirement: { kind: 'tcp', host: 'archive', port: 9000 } }),
  },
  {
    name: 'waiting, remote requirement answers: wants to start',
    spec: remote, unit: unitIn({ state: 'waiting', missing: ['tcp://archive:9000'] }), act: { type: 'remoteResult', gen: 1, raw: 'tcp://archive:9000', ok: true, message: 'connected' },
    state: 'waiting', effects: [], wantStart: true,
    check: (t, r) => t.ok(r.unit.remoteOk.has('tcp://archive:9000')),
  },
  {
    name: 'waiting, remote requirement does not answer: checked again in 1s',
    spec: remote, unit: unitIn({ state: 'waiting', missing: ['tcp://archive:9000'] }), act: { type: 'remoteResult', gen: 1, raw: 'tcp://archive:9000', ok: false, message: 'refused' },
    state: 'waiting', effects: ['setTimer'],
    check: (t, r) => t.match(r.effects[0], { timer: 'remote', due: NOW + 1000 }),
  },
  {
    name: 'starting on generation 2, exited from generation 1: ignored',
    spec: plain, unit: unitIn({ state: 'starting', pid: PID }, { gen: 2 }), act: exitedEv(1),
    state: 'starting', effects: [],
    check: (t, r) => t.same(r.unit, unitIn({ state: 'starting', pid: PID }, { gen: 2 })),
  },
  {
    name: 'ready on generation 2, a stale probe result: ignored',
    spec: healthy, unit: readyU({ gen: 2, healthFails: 2 }), act: { type: 'probeResult', gen: 1, purpose: 'health', ok: false, message: 'refused' },
    state: 'ready', effects: [],
    check: (t, r) => t.equal(r.unit.healthFails, 2),
  },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    const before = structuredClone(row.unit);
    const r = run(row);
    t.equal(r.unit.s.state, row.state, 'state');
    t.same(kinds(r.effects), row.effects, 'effect kinds');
    t.equal(r.wantStart, row.wantStart ?? false, 'wantStart');
    t.same(row.unit, before, 'the input unit is not mutated');
    row.check?.(t, r);
  });
}

t.test('a spawn arms the same readiness again on every generation', async (t) => {
  let r = run({ name: '', spec: plain, unit: unitIn({ state: 'backoff', attempt: 1, until: NOW }), act: (st) => spawn(st, 'restart'), state: 'starting', effects: [] });
  t.equal(r.unit.gen, 2);
  r = onEvent(r.unit, plain, { type: 'spawned', gen: 1, pid: 1 }, NOW);
  t.same(r.effects, [], 'the old generation is not this process');
  r = onEvent(r.unit, plain, { type: 'spawned', gen: 2, pid: 2 }, NOW);
  t.same(r.unit.s, { state: 'starting', pid: 2 });
});

// ----- every pair the table does not handle is a no-op -----

const STATES: Record<string, UnitState> = {
  inactive: { state: 'inactive' },
  waiting: { state: 'waiting', missing: ['tcp://archive:9000'] },
  'starting (no pid)': { state: 'starting', pid: null },
  starting: { state: 'starting', pid: PID },
  ready: { state: 'ready', pid: PID },
  'draining (lb-disable)': { state: 'draining', pid: PID, then: 'down', step: 'lb-disable', connections: null },
  'draining (action)': { state: 'draining', pid: PID, then: 'down', step: 'action', connections: null },
  'draining (connections)': { state: 'draining', pid: PID, then: 'down', step: 'connections', connections: 2 },
  'stopping (no pid)': { state: 'stopping', pid: null, then: 'down' },
  stopping: { state: 'stopping', pid: PID, then: 'down' },
  backoff: { state: 'backoff', attempt: 1, until: NOW },
  failed: { state: 'failed', reason: 'crash loop' },
};

const TIMER_KINDS: TimerKind[] = ['ready-timeout', 'ready-probe', 'grace', 'health', 'kill', 'backoff', 'drain', 'drain-poll', 'remote', 'metadata'];
const EVENTS: Record<string, UnitEvent> = {
  spawned: { type: 'spawned', gen: 1, pid: PID + 1 },
  spawnFailed: { type: 'spawnFailed', gen: 1, message: 'ENOENT' },
  exited: exitedEv(1),
  'probe ready ok': { type: 'probeResult', gen: 1, purpose: 'ready', ok: true, message: '' },
  'probe ready fail': { type: 'probeResult', gen: 1, purpose: 'ready', ok: false, message: '' },
  'probe health ok': { type: 'probeResult', gen: 1, purpose: 'health', ok: true, message: '' },
  'probe health fail': { type: 'probeResult', gen: 1, purpose: 'health', ok: false, message: '' },
  logMatched: { type: 'logMatched', gen: 1 },
  'remote ok': { type: 'remoteResult', gen: 1, raw: 'tcp://archive:9000', ok: true, message: '' },
  'remote fail': { type: 'remoteResult', gen: 1, raw: 'tcp://archive:9000', ok: false, message: '' },
  'stop command ok': { type: 'commandDone', gen: 1, purpose: 'stop', ok: true, message: '' },
  'stop command fail': { type: 'commandDone', gen: 1, purpose: 'stop', ok: false, message: '' },
  'drain command': { type: 'commandDone', gen: 1, purpose: 'drain', ok: true, message: '' },
  'lb-disable done': { type: 'commandDone', gen: 1, purpose: 'lb-disable', ok: true, message: '' },
  'lb-enable done': { type: 'commandDone', gen: 1, purpose: 'lb-enable', ok: true, message: '' },
  connections: { type: 'connections', gen: 1, count: 0 },
  ...Object.fromEntries(TIMER_KINDS.map((k) => [`timer ${k}`, timer(k)])),
};

/** The pairs the machine acts on (with the `full` spec). lb hook results are reported in every
 * state, since the rollout manager waits on them whatever the unit did meanwhile. */
const HANDLED: Record<string, string[]> = {
  inactive: [],
  waiting: ['remote ok', 'remote fail', 'timer remote'],
  'starting (no pid)': ['spawned', 'spawnFailed', 'exited'],
  starting: ['spawnFailed', 'exited', 'probe ready ok', 'probe ready fail', 'logMatched', 'timer ready-timeout', 'timer ready-probe', 'timer grace'],
  ready: ['exited', 'probe health ok', 'probe health fail', 'timer health'],
  'draining (lb-disable)': ['exited', 'timer kill', 'timer drain'],
  'draining (action)': ['exited', 'drain command', 'timer kill', 'timer drain'],
  'draining (connections)': ['exited', 'connections', 'timer kill', 'timer drain', 'timer drain-poll'],
  'stopping (no pid)': ['spawned', 'spawnFailed', 'exited'],
  stopping: ['exited', 'stop command fail', 'timer kill'],
  backoff: ['timer backoff'],
  failed: [],
};
const EVERYWHERE = ['lb-disable done', 'lb-enable done'];
const snapshot = (u: Unit): string => JSON.stringify({ ...u, remoteOk: [...u.remoteOk] });

t.test('every (state, event) pair not in the table leaves the unit unchanged with no effects', async (t) => {
  const changedByNoop: string[] = [];
  const ignoredHandled: string[] = [];
  let noops = 0;
  for (const [sName, s] of Object.entries(STATES)) {
    const handled = new Set([...(HANDLED[sName] ?? []), ...EVERYWHERE]);
    for (const [eName, ev] of Object.entries(EVENTS)) {
      const unit = unitIn(s, { healthFails: 0, lbDisabled: true });
      const r = onEvent(unit, full, ev, NOW);
      const acted = r.effects.length > 0 || r.wantStart || snapshot(r.unit) !== snapshot(unit);
      if (handled.has(eName)) {
        if (!acted) ignoredHandled.push(`${sName} + ${eName}`);
      } else {
        noops++;
        if (acted) changedByNoop.push(`${sName} + ${eName}: ${JSON.stringify(r.effects)}`);
      }
    }
  }
  t.same(changedByNoop, [], 'no unhandled pair changes the unit or emits effects');
  t.same(ignoredHandled, [], 'every handled pair does something');
  t.ok(noops > 150, `${noops} no-op pairs checked`);
});
