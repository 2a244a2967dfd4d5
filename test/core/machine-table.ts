// Fixtures of the machine's table tests: specs, units in each state, and the row runner, so the
// table can live in a few files of one concern each.
import t, { type Test } from 'tap';
import { onEvent, Step, type StepResult } from '../../daemon/core/machine.js';
import type { Effect, TimerKind, Unit, UnitEvent, UnitState } from '../../daemon/core/model.js';
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
export const timer = (kind: TimerKind): UnitEvent => ({ type: 'timer', kind });
export const exitedEv = (code: number | null, signal: string | null = null): UnitEvent => ({ type: 'exited', gen: 1, code, signal });
export const timers = (effects: Effect[], kind: 'setTimer' | 'clearTimer'): string[] =>
  effects.flatMap((e) => (e.kind === kind ? [e.timer] : []));

export interface Row {
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

export function run(row: Row): StepResult {
  if (typeof row.act === 'function') {
    const st = new Step(row.unit, row.spec, NOW);
    row.act(st);
    return st.done();
  }
  return onEvent(row.unit, row.spec, row.act, NOW);
}

export const readyU = (extra: Partial<Unit> = {}): Unit => unitIn({ state: 'ready', pid: PID }, { readySince: NOW - 1000, spawnedAt: NOW - 2000, ...extra });
export const startingU = (pid: number | null = PID): Unit => unitIn({ state: 'starting', pid }, { spawnedAt: pid === null ? null : NOW - 10 });
export const stoppingU = (then: 'down' | 'restart' | 'recover', pid: number | null = PID): Unit => unitIn({ state: 'stopping', pid, then });
export const drainingU = (step: 'lb-disable' | 'action' | 'connections', extra: Partial<Unit> = {}): Unit =>
  unitIn({ state: 'draining', pid: PID, then: 'down', step, connections: null }, extra);

/** One tap test per row: state, effect kinds, wish to start, the input left alone, then its own checks. */
export function runRows(rows: readonly Row[]): void {
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
}
