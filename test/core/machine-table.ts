// Fixtures of the machine's table tests: specs, units in each state, and the row runner, so the
// table can live in a few files of one concern each.
import t, { type Test } from 'tap';
import { step, ALONE, type FleetView, type StepResult } from '../../daemon/core/machine.js';
import type { Effect, StopRequest, Unit, UnitEvent, UnitState, UnitTimer } from '../../daemon/core/model.js';
import type { UnitSpec } from '../../units/types.js';
import { kinds, unitIn, unitSpec } from './helpers.js';

export const NOW = 100_000;
export const plain = unitSpec('u');
export const tcpReady = unitSpec('u', { ready: { check: { kind: 'tcp', host: '127.0.0.1', port: 8080 } } });
export const logReady = unitSpec('u', { ready: { check: { kind: 'log', pattern: 'listening' } } });
export const healthy = unitSpec('u', { health: { check: { kind: 'tcp', host: '127.0.0.1', port: 8080 }, interval: 10_000, timeout: 5000, failures: 3 } });
export const stopCmd = unitSpec('u', { stop: { command: ['/usr/bin/ctl', 'shutdown', 'force'] } });
export const never = unitSpec('u', { restart: { policy: 'never' } });
export const always = unitSpec('u', { restart: { policy: 'always' } });
export const burst3 = unitSpec('u', { restart: { burst: 3 } });
export const drainSignal = unitSpec('u', { safeStop: { signal: 'SIGUSR1' } });
export const drainCmd = unitSpec('u', { safeStop: { command: ['/usr/bin/ctl', 'drain'] } });
export const drainConns = unitSpec('u', { safeStop: { signal: 'SIGUSR1', waitConnections: [8080], timeout: 60_000 } });
export const drainCmdConns = unitSpec('u', { safeStop: { command: ['/usr/bin/ctl', 'drain'], waitConnections: [8080], timeout: 60_000 } });
export const drainLb = unitSpec('u', {
  safeStop: { command: ['/usr/bin/ctl', 'drain'] },
  lb: { disable: ['/usr/bin/lb', 'disable', 'u'], enable: ['/usr/bin/lb', 'enable', 'u'] },
});
export const remote = unitSpec('u', { requires: ['tcp://archive:9000'] });
/** Every optional feature at once, so every conditional handler in the machine is reachable. */
export const full = unitSpec('u', {
  requires: ['tcp://archive:9000'],
  ready: { check: { kind: 'tcp', host: '127.0.0.1', port: 8080 } },
  health: { check: { kind: 'tcp', host: '127.0.0.1', port: 8080 }, interval: 10_000, timeout: 5000, failures: 1 },
  safeStop: { command: ['/usr/bin/ctl', 'drain'], waitConnections: [8080] },
  lb: { disable: ['/usr/bin/lb', 'disable'], enable: ['/usr/bin/lb', 'enable'] },
});

export const PID = 4242;
export const timer = (kind: UnitTimer): UnitEvent => ({ type: 'timer', kind });
/** The fleet's commands, as the fleet sends them. */
export const startEv = (reason = 'start requested by supctl'): UnitEvent => ({ type: 'start', reason });
export const stopEv = (o: Partial<StopRequest> = {}): UnitEvent => ({ type: 'stop', safe: false, strictLb: false, afterDependents: false, reason: 'stop requested by supctl', ...o });
export const restartEv = (o: Partial<StopRequest> = {}): UnitEvent => ({ type: 'restart', safe: false, strictLb: false, afterDependents: false, reason: 'restart requested by supctl', ...o });
export const exitedEv = (code: number | null, signal: string | null = null): UnitEvent => ({ type: 'exited', gen: 1, code, signal });
export const timers = (effects: Effect[], kind: 'setTimer' | 'clearTimer'): string[] =>
  effects.flatMap((e) => (e.kind === kind ? [e.timer] : []));

export interface Row {
  name: string;
  spec: UnitSpec;
  unit: Unit;
  act: UnitEvent;
  /** What the fleet answers (requirements missing, dependents running); alone by default. */
  fleet?: FleetView;
  state: UnitState['state'];
  effects: string[];
  check?: (t: Test, r: StepResult) => void;
}

export function run(row: Row): StepResult {
  return step(row.unit, row.spec, row.act, NOW, row.fleet ?? ALONE);
}

export const readyU = (extra: Partial<Unit> = {}, healthFails = 0): Unit => unitIn({ state: 'ready', pid: PID, healthFails }, { readySince: NOW - 1000, spawnedAt: NOW - 2000, ...extra });
export const startingU = (pid: number | null = PID): Unit => unitIn({ state: 'starting', pid }, { spawnedAt: pid === null ? null : NOW - 10 });
export const stoppingU = (then: 'down' | 'restart' | 'recover', pid: number | null = PID, request = `${then} requested by supctl`): Unit =>
  unitIn({ state: 'stopping', pid, then, request });
export const drainingU = (step: 'lb-disable' | 'action' | 'connections', strictLb = false): Unit =>
  unitIn({ state: 'draining', pid: PID, then: 'down', request: 'safe stop requested by supctl', step, connections: null, strictLb });
export const backoffU = (until = NOW, attempt = 1): Unit => unitIn({ state: 'backoff', attempt, until, cause: 'crash' });
export const waitingU = (missing: string[] = ['db']): Unit => unitIn({ state: 'waiting', missing, remoteOk: [] });

/** One tap test per row: state, effect kinds, the input left alone, then its own checks. */
export function runRows(rows: readonly Row[]): void {
  for (const row of rows) {
    t.test(row.name, async (t) => {
      const before = structuredClone(row.unit);
      const r = run(row);
      t.equal(r.unit.s.state, row.state, 'state');
      t.same(kinds(r.effects), row.effects, 'effect kinds');
      t.same(row.unit, before, 'the input unit is not mutated');
      row.check?.(t, r);
    });
  }
}
