// The table itself: every (event, state) pair is either `ignored` — the unit is unchanged and
// there are no effects, whatever the state's data — or handled, and then it does something for
// some unit in that state and moves only to the states its cell declares.
import t from 'tap';
import { ALONE, Step, TABLE, step, type EventKey, type FleetView } from '../../daemon/core/machine.js';
import type { StateName, Unit, UnitEvent, UnitState } from '../../daemon/core/model.js';
import { unitIn } from './helpers.js';
import { NOW, full, PID, timer, exitedEv, startEv, stopEv, restartEv } from './machine-table.js';

const pending = { then: 'down', safe: false, strictLb: false, reason: 'stop requested by supctl' } as const;
const drain = { pid: PID, then: 'down', request: 'safe stop requested by supctl', strictLb: false } as const;

/** Each state with the data variants its handlers tell apart. */
const STATES: Record<StateName, UnitState[]> = {
  inactive: [{ state: 'inactive' }],
  waiting: [{ state: 'waiting', missing: ['tcp://archive:9000'], remoteOk: [] }, { state: 'waiting', missing: ['db'], remoteOk: ['tcp://archive:9000'] }],
  starting: [{ state: 'starting', pid: null }, { state: 'starting', pid: PID }, { state: 'starting', pid: PID, pendingStop: pending }],
  ready: [{ state: 'ready', pid: PID, healthFails: 0 }, { state: 'ready', pid: PID, healthFails: 0, pendingStop: pending }],
  draining: [
    { state: 'draining', ...drain, step: 'lb-disable', connections: null },
    { state: 'draining', ...drain, step: 'action', connections: null },
    { state: 'draining', ...drain, step: 'connections', connections: 2, pendingStop: pending },
  ],
  stopping: [
    { state: 'stopping', pid: null, then: 'down', request: 'stop requested by supctl' },
    { state: 'stopping', pid: PID, then: 'down', request: 'stop requested by supctl', pendingStop: { ...pending, then: 'restart' } },
  ],
  backoff: [{ state: 'backoff', attempt: 1, until: NOW, cause: 'crash' }],
  failed: [{ state: 'failed', reason: 'crash loop' }],
};

/** A sample of every column; the type makes a new event kind show up here. */
const EVENTS: Record<EventKey, UnitEvent[]> = {
  goal: [{ type: 'goal', goal: 'up' }, { type: 'goal', goal: 'down' }],
  start: [startEv()],
  stop: [stopEv(), stopEv({ safe: true, afterDependents: true })],
  restart: [restartEv(), restartEv({ safe: true })],
  wake: [{ type: 'wake', reason: 'requirement db ready' }],
  dependentsStopped: [{ type: 'dependentsStopped' }],
  spawned: [{ type: 'spawned', gen: 1, pid: PID + 1 }],
  spawnFailed: [{ type: 'spawnFailed', gen: 1, message: 'ENOENT' }],
  exited: [exitedEv(1)],
  readyProbe: [true, false].map((ok) => ({ type: 'probeResult', gen: 1, purpose: 'ready', ok, message: '' })),
  healthProbe: [true, false].map((ok) => ({ type: 'probeResult', gen: 1, purpose: 'health', ok, message: '' })),
  logMatched: [{ type: 'logMatched', gen: 1 }],
  remoteResult: [true, false].map((ok) => ({ type: 'remoteResult', gen: 1, raw: 'tcp://archive:9000', ok, message: '' })),
  stopCommand: [true, false].map((ok) => ({ type: 'commandDone', gen: 1, purpose: 'stop', ok, message: '' })),
  drainCommand: [{ type: 'commandDone', gen: 1, purpose: 'drain', ok: true, message: '' }],
  lbDisable: [true, false].map((ok) => ({ type: 'commandDone', gen: 1, purpose: 'lb-disable', ok, message: '' })),
  lbEnable: [{ type: 'commandDone', gen: 1, purpose: 'lb-enable', ok: true, message: '' }],
  connections: [{ type: 'connections', gen: 1, count: 0 }],
  'timer:ready-timeout': [timer('ready-timeout')],
  'timer:ready-probe': [timer('ready-probe')],
  'timer:grace': [timer('grace')],
  'timer:health': [timer('health')],
  'timer:kill': [timer('kill')],
  'timer:backoff': [timer('backoff')],
  'timer:drain': [timer('drain')],
  'timer:drain-poll': [timer('drain-poll')],
  'timer:remote': [timer('remote')],
};

const FLEETS: FleetView[] = [ALONE, { missing: () => [], dependentsRunning: () => true }];
const snapshot = (u: Unit): string => JSON.stringify(u);

t.test('every pair is ignored (no change, no effects) or does something, only to the states its cell names', async (t) => {
  const changedByIgnored: string[] = [];
  const idleHandled: string[] = [];
  const undeclared: string[] = [];
  let ignoredPairs = 0;
  let handledPairs = 0;
  for (const key of Object.keys(EVENTS) as EventKey[]) {
    for (const state of Object.keys(STATES) as StateName[]) {
      const cell = TABLE[key][state];
      if (cell === null) ignoredPairs++;
      else handledPairs++;
      let acted = false;
      for (const s of STATES[state]) {
        for (const ev of EVENTS[key]) {
          for (const fleet of FLEETS) {
            const unit = unitIn(s, { lbDisabled: true });
            let r;
            try {
              r = step(unit, full, ev, NOW, fleet);
            } catch (err) {
              undeclared.push(`${key} in ${state}: ${String(err)}`);
              continue;
            }
            const changed = r.effects.length > 0 || snapshot(r.unit) !== snapshot(unit);
            if (cell === null && changed) changedByIgnored.push(`${key} in ${JSON.stringify(s)}: ${JSON.stringify(r.effects)}`);
            acted ||= changed;
          }
        }
      }
      if (cell !== null && !acted) idleHandled.push(`${key} in ${state}`);
    }
  }
  t.same(changedByIgnored, [], 'no ignored pair changes the unit or emits effects');
  t.same(idleHandled, [], 'every handled pair does something for some unit in that state');
  t.same(undeclared, [], 'no handler moves to a state its cell does not declare');
  t.equal(ignoredPairs + handledPairs, 27 * 8, 'every one of 27 events × 8 states is in the table');
  t.ok(ignoredPairs > 120, `${ignoredPairs} ignored pairs, ${handledPairs} handled`);
});

t.test('a state change the table does not declare for the pair being handled is refused', async (t) => {
  // A wrong table would document a lifecycle the code does not have: the one state write refuses.
  const st = new Step(unitIn({ state: 'inactive' }), full, NOW, ALONE);
  t.throws(() => st.go({ state: 'ready', pid: PID, healthFails: 0 }, 'no such transition'), /inactive → ready is not in the table/);
  t.equal(st.u.s.state, 'inactive', 'the state is not written');
  t.same(st.done().effects, [], 'no transition is emitted');
});
