// The machine on the way up: spawn, readiness (grace, probe, log), crashes and the restart policy,
// and the liveness probe. Each row is [state, event] → [state, effect kinds].
import { unitIn } from './helpers.js';
import { NOW, startEv, plain, tcpReady, logReady, healthy, never, always, burst3, PID, timer, exitedEv, timers, readyU, startingU, stoppingU, runRows } from './machine-table.js';

runRows([
  {
    name: 'inactive, start with nothing missing: starting and a spawn of the next generation',
    spec: plain, unit: unitIn({ state: 'inactive' }, { gen: 0 }), act: startEv(),
    state: 'starting', effects: ['clearTimer', 'clearTimer', 'transition', 'spawn'],
    check: (t, r) => {
      t.equal(r.unit.gen, 1);
      t.match(r.effects[2], { kind: 'transition', from: 'inactive', to: 'starting', reason: 'start requested by supctl' });
      t.match(r.effects[3], { kind: 'spawn', unit: 'u', gen: 1 });
    },
  },
  {
    name: 'starting, spawned without a check: the pid is reported (no transition), ready timer and grace timer',
    spec: plain, unit: startingU(null), act: { type: 'spawned', gen: 1, pid: PID },
    state: 'starting', effects: ['spawned', 'setTimer', 'setTimer'],
    check: (t, r) => {
      t.same(r.unit.s, { state: 'starting', pid: PID });
      t.match(r.effects[0], { kind: 'spawned', unit: 'u', gen: 1, pid: PID, at: NOW });
      t.equal(r.unit.spawnedAt, NOW);
      t.match(r.effects.slice(1), [{ timer: 'ready-timeout', due: NOW + 30_000 }, { timer: 'grace', due: NOW + 1000 }]);
    },
  },
  {
    name: 'starting, spawned with a tcp check: the first ready probe is due at once',
    spec: tcpReady, unit: startingU(null), act: { type: 'spawned', gen: 1, pid: PID },
    state: 'starting', effects: ['spawned', 'setTimer', 'setTimer'],
    check: (t, r) => t.match(r.effects.slice(1), [{ timer: 'ready-timeout' }, { timer: 'ready-probe', due: NOW }]),
  },
  {
    name: 'starting, spawned with a log check: the log is watched',
    spec: logReady, unit: startingU(null), act: { type: 'spawned', gen: 1, pid: PID },
    state: 'starting', effects: ['spawned', 'setTimer', 'watchLog'],
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
      t.same(r.unit.s, { state: 'stopping', pid: PID, then: 'recover', request: 'not ready after 30s' });
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
      t.same(r.unit.s, { state: 'backoff', attempt: 1, until: NOW + 1000, cause: 'failure' });
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
    check: (t, r) => t.same(r.unit.s, { state: 'backoff', attempt: 3, until: NOW + 4000, cause: 'crash' }),
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
    spec: healthy, unit: readyU({}, 1), act: { type: 'probeResult', gen: 1, purpose: 'health', ok: false, message: 'refused' },
    state: 'ready', effects: ['setTimer'],
    check: (t, r) => t.match(r.unit.s, { healthFails: 2 }),
  },
  {
    name: 'ready, health probe fails `failures` times: stopping, then recover',
    spec: healthy, unit: readyU({}, 2), act: { type: 'probeResult', gen: 1, purpose: 'health', ok: false, message: 'refused' },
    state: 'stopping', effects: [...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'signal', 'setTimer'],
    check: (t, r) => {
      t.match(r.unit.s, { then: 'recover' });
      t.match(r.unit.reason, /liveness probe failed 3 times: refused/);
    },
  },
  {
    name: 'ready, health probe passes: the failure count resets',
    spec: healthy, unit: readyU({}, 2), act: { type: 'probeResult', gen: 1, purpose: 'health', ok: true, message: 'ok' },
    state: 'ready', effects: ['setTimer'],
    check: (t, r) => t.match(r.unit.s, { healthFails: 0 }),
  },
]);
