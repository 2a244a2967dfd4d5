// supctl's fleet side: `HOST/UNIT` targets and the API paths that reach them through any supd of
// the fleet, and the `--fleet status` table (a HOST column; unreachable hosts listed below it).
import type { FleetUnitView, FleetView } from '../daemon/api/contract.js';
import { SupdError } from '../daemon/errors.js';
import { table } from './render.js';

/** `HOST/UNIT` split; null for a plain unit (or group) name. */
export function fleetTarget(text: string): { host: string; unit: string } | null {
  const i = text.indexOf('/');
  if (i < 0) return null;
  const host = text.slice(0, i);
  const unit = text.slice(i + 1);
  if (host === '' || unit === '' || unit.includes('/')) {
    throw new SupdError('SUPD_USAGE', `"${text}" is not a fleet target: fleet targets are HOST/UNIT`);
  }
  return { host, unit };
}

/** The API path of a target: `/v1/fleet/units/HOST/UNIT…` for a fleet target, else `/v1/units/…`. */
export function targetPath(target: string, fleet: boolean, tail = ''): string {
  const ft = fleetTarget(target);
  if (ft === null) {
    if (fleet) throw new SupdError('SUPD_USAGE', `with --fleet, name units as HOST/UNIT (got "${target}")`, { hint: 'supctl --fleet status lists them' });
    return `/v1/units/${encodeURIComponent(target)}${tail}`;
  }
  return `/v1/fleet/units/${encodeURIComponent(ft.host)}/${encodeURIComponent(ft.unit)}${tail}`;
}

/** The units a list of targets names: `HOST/UNIT`, a host (all its units), a unit name on any host, or `all`. */
export function selectFleetUnits(view: FleetView, targets: readonly string[]): { selected: FleetUnitView[]; unknown: string[] } {
  if (targets.length === 0 || targets.includes('all')) return { selected: view.units, unknown: [] };
  const wanted = new Set<FleetUnitView>();
  const unknown: string[] = [];
  for (const t of targets) {
    const hits = view.units.filter((u) => `${u.host}/${u.name}` === t || u.host === t || u.name === t);
    if (hits.length === 0) unknown.push(t);
    for (const u of hits) wanted.add(u);
  }
  return { selected: view.units.filter((u) => wanted.has(u)), unknown };
}

export const FLEET_HEADERS = ['HOST', 'UNIT', 'STATE', 'PID', 'GEN', 'REASON'] as const;

export function fleetTable(view: FleetView, units: readonly FleetUnitView[]): string {
  const rows = units.map((u) => [
    u.host, u.name, u.stale ? `${u.state},stale` : u.state, u.pid === null ? '-' : String(u.pid), String(u.generation), u.reason,
  ]);
  const down = view.hosts.filter((h) => !h.reachable).map((h) => h.name);
  const tail = down.length > 0 ? `unreachable: ${down.join(', ')} (their units are shown unknown)\n` : '';
  return table(FLEET_HEADERS, rows) + tail;
}
