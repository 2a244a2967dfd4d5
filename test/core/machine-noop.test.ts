// Every (state, event) pair the machine does not handle is a no-op: the unit is unchanged and
// there are no effects. The pairs it does handle must each do something.
import t from 'tap';
import { onEvent } from '../../daemon/core/machine.js';
import type { TimerKind, Unit, UnitEvent, UnitState } from '../../daemon/core/model.js';
import { unitIn } from './helpers.js';
import { NOW, full, PID, timer, exitedEv } from './machine-table.js';

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
