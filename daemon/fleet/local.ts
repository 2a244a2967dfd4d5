// This host's units as the fleet member publishes them: each unit's record made from the runtime's
// core state, and a change notice on each transition, stale flag or reload.
import type { Runtime } from '../runtime.js';
import { isStale } from '../core/fleet.js';
import { pidOf } from '../core/model.js';
import type { LocalUnits } from './member.js';
import type { UnitRecord } from './records.js';

export function localUnits(rt: Runtime): LocalUnits {
  return {
    names: () => [...rt.fleet.specs.keys()],
    record(name): UnitRecord | null {
      const u = rt.fleet.units.get(name);
      if (u === undefined || !rt.fleet.specs.has(name)) return null;
      return {
        state: u.s.state,
        ready: u.s.state === 'ready',
        pid: pidOf(u.s),
        generation: u.gen,
        metadata: u.metaChangedAt,
        stale: isStale(rt.fleet, name),
        reason: u.reason,
        since: new Date(u.since).toISOString(),
      };
    },
    subscribe(onChange) {
      return rt.subscribe((e) => {
        if (e.type === 'transition' || e.type === 'stale') onChange(e.unit);
        else if (e.type === 'reload') onChange(null);
      });
    },
  };
}
