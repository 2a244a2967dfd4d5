// Turns a unit's core record into the status view the API and supctl show.
import type { UnitSpec } from '../units/types.js';
import type { RolloutStepState, UnitStatus } from './control.js';
import { pidOf, type Unit } from './core/model.js';

export interface Sample {
  cpu: number;
  memory: number;
}

export function toStatus(
  u: Unit, spec: UnitSpec, now: number, sample: Sample | undefined, rollout: { id: string; step: RolloutStepState } | null, stale: boolean,
  log: { failure: string | null; dropped: number } = { failure: null, dropped: 0 },
  changed = false,
): UnitStatus {
  const pid = pidOf(u.s);
  return {
    name: u.name,
    state: u.s.state,
    goal: u.goal,
    pid,
    restarts: u.restarts,
    reason: u.reason,
    since: new Date(u.since).toISOString(),
    uptime: pid !== null && u.spawnedAt !== null ? Math.max(0, now - u.spawnedAt) : null,
    stale,
    cpu: sample?.cpu ?? null,
    memory: sample?.memory ?? null,
    lastExit: u.lastExit === null ? null : { code: u.lastExit.code, signal: u.lastExit.signal, at: new Date(u.lastExit.at).toISOString() },
    groups: spec.groups,
    connections: u.s.state === 'draining' ? u.s.connections : null,
    lbDisabled: u.lbDisabled,
    forced: u.forced,
    rollout,
    logError: log.failure === null ? null : `${log.failure} (${log.dropped} bytes lost so far)`,
    retryIn: u.s.state === 'backoff' ? Math.max(0, u.s.until - now) : null,
    changed: changed && pid !== null,
  };
}
