// The machine on the way down: stop, the kill timer, safe stop (lb hook, drain action,
// connections, timeout), remote requirements and stale results. Rows as in machine-up.
import t from 'tap';
import { step } from '../../daemon/core/machine.js';
import { unitIn } from './helpers.js';
import { NOW, startEv, stopEv, restartEv, backoffU, waitingU, plain, healthy, stopCmd, drainSignal, drainCmd, drainCmdConns, drainConns, drainLb, remote, PID, timer, exitedEv, readyU, startingU, stoppingU, drainingU, run, runRows } from './machine-table.js';

runRows([
  {
    name: 'ready, stop: stopping with the stop signal and the kill timer',
    spec: plain, unit: readyU(), act: stopEv(),
    state: 'stopping', effects: [...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'signal', 'setTimer'],
    check: (t, r) => {
      t.same(r.unit.s, { state: 'stopping', pid: PID, then: 'down', request: 'stop requested by supctl' });
      t.match(r.effects.at(-1), { timer: 'kill', due: NOW + 30_000 });
      t.match(r.effects[7], { kind: 'transition', from: 'ready', to: 'stopping', reason: 'stop requested by supctl' });
    },
  },
  {
    name: 'ready, stop with a stop command: the command runs instead of the signal',
    spec: stopCmd, unit: readyU(), act: stopEv(),
    state: 'stopping', effects: [...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'runCommand', 'setTimer'],
    check: (t, r) => t.match(r.effects[8], { purpose: 'stop', argv: ['/usr/bin/ctl', 'shutdown', 'force'] }),
  },
  {
    name: 'ready, safe stop without a safeStop: a normal stop',
    spec: plain, unit: readyU(), act: stopEv({ safe: true, reason: 'safe stop requested by supctl' }),
    state: 'stopping', effects: [...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'signal', 'setTimer'],
  },
  {
    name: 'starting before spawned, stop: stopping without a pid',
    spec: plain, unit: startingU(null), act: stopEv(),
    state: 'stopping', effects: ['transition'],
    check: (t, r) => t.same(r.unit.s, { state: 'stopping', pid: null, then: 'down', request: 'stop requested by supctl' }),
  },
  {
    name: 'stopping without a pid, spawned: the stop is sent to the new pid',
    spec: plain, unit: stoppingU('down', null), act: { type: 'spawned', gen: 1, pid: PID },
    state: 'stopping', effects: ['spawned', 'signal', 'setTimer'],
    check: (t, r) => t.same(r.unit.s, { state: 'stopping', pid: PID, then: 'down', request: 'down requested by supctl' }),
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
  },
  {
    name: 'stopping (restart), exited: inactive, then started again for the restart that asked for it',
    spec: plain, unit: stoppingU('restart', PID, 'restart requested by supctl'), act: exitedEv(0),
    state: 'starting', effects: [...Array<string>(7).fill('clearTimer'), 'unwatchLog', 'transition', 'clearTimer', 'clearTimer', 'transition', 'spawn'],
    check: (t, r) => {
      t.equal(r.unit.restarts, 1);
      t.match(r.effects[8], { from: 'stopping', to: 'inactive', reason: 'stopped (exited with code 0)' });
      t.match(r.effects[11], { from: 'inactive', to: 'starting', reason: 'restart requested by supctl' });
    },
  },
  {
    name: 'ready, safe stop with a signal drain: draining, drain timer, the drain signal',
    spec: drainSignal, unit: readyU(), act: stopEv({ safe: true, reason: 'safe stop requested by supctl' }),
    state: 'draining', effects: ['clearTimer', 'transition', 'setTimer', 'signal'],
    check: (t, r) => {
      t.match(r.unit.s, { step: 'action', then: 'down', request: 'safe stop requested by supctl' });
      t.match(r.effects[2], { timer: 'drain', due: NOW + 600_000 });
      t.match(r.effects[3], { signal: 'SIGUSR1', pid: PID });
    },
  },
  {
    name: 'ready, safe stop with an lb hook: lb.disable runs first, before the drain action',
    spec: drainLb, unit: readyU(), act: stopEv({ safe: true, reason: 'safe stop requested by supctl' }),
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
    spec: drainLb, unit: drainingU('lb-disable', true), act: { type: 'commandDone', gen: 1, purpose: 'lb-disable', ok: false, message: 'exit 3' },
    state: 'ready', effects: ['hookDone', 'clearTimer', 'transition'],
    check: (t, r) => {
      t.same(r.unit.s, { state: 'ready', pid: PID, healthFails: 0 });
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
    name: 'ready, safe stop with a drain command and ports: the command runs first, no count yet',
    spec: drainCmdConns, unit: readyU(), act: stopEv({ safe: true, reason: 'safe stop requested by supctl' }),
    state: 'draining', effects: ['clearTimer', 'transition', 'setTimer', 'runCommand'],
    check: (t, r) => t.match(r.unit.s, { step: 'action' }),
  },
  {
    name: 'draining, drain command done with ports to watch: connections counted next',
    spec: drainCmdConns, unit: drainingU('action'), act: { type: 'commandDone', gen: 1, purpose: 'drain', ok: true, message: 'exit 0' },
    state: 'draining', effects: ['countConnections'],
    check: (t, r) => t.match(r.unit.s, { step: 'connections' }),
  },
  {
    name: 'draining, drain command failed with ports to watch: running work still gets its time',
    spec: drainCmdConns, unit: drainingU('action'), act: { type: 'commandDone', gen: 1, purpose: 'drain', ok: false, message: 'exit 1' },
    state: 'draining', effects: ['countConnections'],
  },
  {
    name: 'ready, safe stop waiting for connections: the first count is asked for',
    spec: drainConns, unit: readyU(), act: stopEv({ safe: true, reason: 'safe stop requested by supctl' }),
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
    name: 'backoff, timer, nothing missing: starting, the reason names the attempt',
    spec: plain, unit: backoffU(), act: timer('backoff'),
    state: 'starting', effects: ['clearTimer', 'clearTimer', 'transition', 'spawn'],
    check: (t, r) => t.match(r.effects[2], { from: 'backoff', to: 'starting', reason: 'restart after crash (attempt 1)' }),
  },
  {
    name: 'backoff, timer, a requirement not ready: waiting for it',
    spec: plain, unit: backoffU(), act: timer('backoff'), fleet: { missing: () => ['db'], dependentsRunning: () => false },
    state: 'waiting', effects: ['clearTimer', 'transition'],
    check: (t, r) => {
      t.same(r.unit.s, { state: 'waiting', missing: ['db'], remoteOk: [] });
      t.match(r.effects[1], { reason: 'restart after crash (attempt 1); waiting for db' });
    },
  },
  {
    name: 'backoff, stop: inactive, the backoff timer cleared',
    spec: plain, unit: backoffU(NOW + 1000), act: stopEv(),
    state: 'inactive', effects: ['clearTimer', 'clearTimer', 'transition'],
  },
  {
    name: 'waiting, stop: inactive',
    spec: plain, unit: waitingU(), act: stopEv(),
    state: 'inactive', effects: ['clearTimer', 'clearTimer', 'transition'],
  },
  {
    name: 'failed, stop: inactive',
    spec: plain, unit: unitIn({ state: 'failed', reason: 'crash loop' }), act: stopEv(),
    state: 'inactive', effects: ['transition'],
  },
  {
    name: 'inactive, restart: started',
    spec: plain, unit: unitIn({ state: 'inactive' }), act: restartEv(),
    state: 'starting', effects: ['clearTimer', 'clearTimer', 'transition', 'spawn'],
    check: (t, r) => t.match(r.effects[2], { reason: 'restart requested by supctl' }),
  },
  {
    name: 'stopping (down), stop then restart: the restart wins',
    spec: plain, unit: stoppingU('down'), act: restartEv(),
    state: 'stopping', effects: [],
    check: (t, r) => t.match(r.unit.s, { then: 'restart', request: 'restart requested by supctl' }),
  },
  {
    name: 'waiting, remote timer: every remote requirement not yet seen is checked',
    spec: remote, unit: waitingU(['tcp://archive:9000']), act: timer('remote'),
    state: 'waiting', effects: ['checkRemote'],
    check: (t, r) => t.match(r.effects[0], { requirement: { kind: 'tcp', host: 'archive', port: 9000 } }),
  },
  {
    name: 'waiting, remote requirement answers: started, the reason names it',
    spec: remote, unit: waitingU(['tcp://archive:9000']), act: { type: 'remoteResult', gen: 1, raw: 'tcp://archive:9000', ok: true, message: 'connected' },
    state: 'starting', effects: ['clearTimer', 'clearTimer', 'transition', 'spawn'],
    check: (t, r) => t.match(r.effects[2], { from: 'waiting', to: 'starting', reason: 'requirement tcp://archive:9000 answered' }),
  },
  {
    name: 'waiting, remote requirement answers while a unit requirement is missing: still waiting, the answer kept',
    spec: remote, unit: waitingU(['db', 'tcp://archive:9000']), act: { type: 'remoteResult', gen: 1, raw: 'tcp://archive:9000', ok: true, message: 'connected' },
    fleet: { missing: () => ['db'], dependentsRunning: () => false },
    state: 'waiting', effects: [],
    check: (t, r) => t.same(r.unit.s, { state: 'waiting', missing: ['db'], remoteOk: ['tcp://archive:9000'] }),
  },
  {
    name: 'waiting, remote requirement does not answer: checked again in 1s',
    spec: remote, unit: waitingU(['tcp://archive:9000']), act: { type: 'remoteResult', gen: 1, raw: 'tcp://archive:9000', ok: false, message: 'refused' },
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
    spec: healthy, unit: readyU({ gen: 2 }, 2), act: { type: 'probeResult', gen: 1, purpose: 'health', ok: false, message: 'refused' },
    state: 'ready', effects: [],
    check: (t, r) => t.match(r.unit.s, { healthFails: 2 }),
  },
]);

t.test('a spawn arms the same readiness again on every generation', async (t) => {
  let r = run({ name: '', spec: plain, unit: backoffU(), act: startEv(), state: 'starting', effects: [] });
  t.equal(r.unit.gen, 2);
  r = step(r.unit, plain, { type: 'spawned', gen: 1, pid: 1 }, NOW);
  t.same(r.effects, [], 'the old generation is not this process');
  r = step(r.unit, plain, { type: 'spawned', gen: 2, pid: 2 }, NOW);
  t.same(r.unit.s, { state: 'starting', pid: 2 });
});
