// The link between this host's runtime and its fleet member: each unit's record made from the
// core's state with a change notice on each transition, stale flag or reload; and back, the remote
// units this host's units name, fed into the core as they change.
import type { Runtime } from '../runtime.js';
import { isStale } from '../core/fleet.js';
import { pidOf } from '../core/model.js';
import type { FleetMember, LocalUnits } from './member.js';
import type { FleetRef } from '../../units/types.js';
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
        requires: (rt.fleet.specs.get(name)?.fleet?.requires ?? []).map((r) => r.name),
        groups: rt.fleet.specs.get(name)?.groups ?? [],
      };
    },
    subscribe(onChange) {
      const offEvents = rt.subscribe((e) => {
        if (e.type === 'transition' || e.type === 'stale') onChange(e.unit);
        else if (e.type === 'reload') onChange(null);
      });
      // A master's metadata change is no transition: without this its record (and the generation
      // followers on other hosts compare) was published only at its next transition.
      const offMetadata = rt.onMetadata((master) => onChange(master));
      return () => {
        offEvents();
        offMetadata();
      };
    },
  };
}

/** The `HOST/UNIT` names this host's units refer to (requires, after, follows). */
function referenced(rt: Runtime): Map<string, FleetRef> {
  const out = new Map<string, FleetRef>();
  for (const spec of rt.fleet.specs.values()) {
    const deps = spec.fleet;
    if (deps === undefined) continue;
    for (const r of [...deps.requires, ...deps.after, ...(deps.follows === null ? [] : [deps.follows])]) out.set(r.name, r);
  }
  return out;
}

/** Feeds the remote units this host's units refer to into the core as read-only records, on each
 * etcd watch event (no polling); a newer metadata generation of a remote master makes its followers
 * here stale; a stop first stops the units of other hosts that require what stops. */
export function bridgeRemote(rt: Runtime, member: FleetMember): () => void {
  let refs = referenced(rt);
  const metadata = new Map<string, number | null>();
  const push = (ref: FleetRef): void => {
    const rec = member.remote(ref.host, ref.unit);
    rt.dispatch({ type: 'remote', name: ref.name, unit: rec === null ? null : { state: rec.state, ready: rec.ready, metadata: rec.metadata }, now: rt.now() });
    const before = metadata.get(ref.name) ?? null;
    const now = rec?.metadata ?? null;
    if (rec !== null) metadata.set(ref.name, now);
    if (now !== null && now !== before) rt.remoteMetadataChanged(ref.name, now);
  };
  const offRemote = member.onRemote((host, unit) => {
    for (const ref of refs.values()) if (ref.host === host && (unit === null || ref.unit === unit)) push(ref);
  });
  const offReload = rt.subscribe((e) => {
    if (e.type !== 'reload' || !e.result.ok) return;
    refs = referenced(rt);
    for (const ref of refs.values()) push(ref);
  });
  for (const ref of refs.values()) push(ref);
  // etcd unreachable: remote requirements are unknown, and the units waiting on them say so.
  const offStore = member.onStore((down) => rt.dispatch({ type: 'fleetStore', down, now: rt.now() }));
  rt.dispatch({ type: 'fleetStore', down: member.unreachable, now: rt.now() });
  rt.setStopGuard((units) => member.stopRemoteDependents(units));
  return () => {
    offRemote();
    offReload();
    offStore();
  };
}
