// What `supctl top` shows, as plain data, and the pure functions that change it: a status
// snapshot, each event of /v1/events, the keys' effects on selection and filter. No I/O and no
// clock (times come in as arguments), so the whole view is tested without a terminal or a daemon.
import type { RolloutView, SupdEvent, UnitStatus } from '../../daemon/api/contract.js';

/** One row: the unit as the API shows it, with what top derives from events. `host` is set by a
 * fleet-wide source (several supd); a single supd leaves it out. */
export interface TopUnit {
  status: UnitStatus;
  host?: string;
  /** Epoch ms when the current process was spawned (uptime counts from here), null when none. */
  spawnedAt: number | null;
  /** Epoch ms of the last change seen through an event (the row is highlighted for a moment). */
  changedAt: number | null;
  /** The unit file changed on reload while it ran: `restart to apply`. Cleared by its next spawn. */
  changed: boolean;
}

export type Connection =
  | { kind: 'connecting' }
  | { kind: 'live' }
  | { kind: 'down'; reason: string; retryAt: number; since: number };

export type Prompt =
  | { kind: 'none' }
  | { kind: 'filter'; text: string }
  | { kind: 'confirm'; action: UnitAction; unit: string };

export type UnitAction = 'start' | 'stop' | 'safe-stop' | 'restart';

export interface TopModel {
  /** In the daemon's order. */
  units: TopUnit[];
  /** Newest first, as /v1/rollouts lists them. */
  rollouts: RolloutView[];
  selected: string | null;
  filter: string;
  prompt: Prompt;
  /** The full-screen log of the selected unit (`l`), with how many lines it is scrolled up. */
  fullLog: { scroll: number } | null;
  /** The selected unit's log tail: the unit it belongs to, its last whole lines, the start of a
   * line not ended yet, and a note when the tail cannot be read. */
  log: { unit: string; lines: string[]; rest: string; note: string | null };
  connection: Connection;
  message: { text: string; error: boolean; at: number } | null;
}

export const LOG_KEEP = 2000;

export function emptyModel(): TopModel {
  return {
    units: [], rollouts: [], selected: null, filter: '', prompt: { kind: 'none' }, fullLog: null,
    log: { unit: '', lines: [], rest: '', note: null }, connection: { kind: 'connecting' }, message: null,
  };
}

function spawnedAt(u: UnitStatus, now: number): number | null {
  return u.pid === null || u.uptime === null ? null : now - u.uptime;
}

/** A fresh status list replaces the rows; what only events told (changed markers, highlights) stays. */
export function withStatus(m: TopModel, units: readonly UnitStatus[], now: number, host?: string): TopModel {
  const before = new Map(m.units.map((u) => [u.status.name, u]));
  const rows = units.map((status): TopUnit => {
    const old = before.get(status.name);
    const row: TopUnit = {
      status,
      spawnedAt: spawnedAt(status, now),
      changedAt: old?.changedAt ?? null,
      changed: old?.changed ?? false,
    };
    if (host !== undefined) row.host = host;
    return row;
  });
  return keepSelection({ ...m, units: rows });
}

export function withRollouts(m: TopModel, rollouts: readonly RolloutView[]): TopModel {
  return { ...m, rollouts: [...rollouts] };
}

function upsertRollout(list: readonly RolloutView[], r: RolloutView): RolloutView[] {
  const i = list.findIndex((x) => x.id === r.id);
  if (i < 0) return [r, ...list];
  const out = [...list];
  out[i] = r;
  return out;
}

/** What an event changes. `refresh` says the rows need a status read: a unit top does not know
 * yet (added by a reload), or a reload's result. */
export function withEvent(m: TopModel, e: SupdEvent): { model: TopModel; refresh: boolean } {
  const at = Date.parse(e.at);
  switch (e.type) {
    case 'transition': {
      const i = m.units.findIndex((u) => u.status.name === e.unit);
      const row = m.units[i];
      if (row === undefined) return { model: m, refresh: true };
      const respawned = e.pid !== null && e.pid !== row.status.pid;
      const status: UnitStatus = { ...row.status, state: e.to, reason: e.reason, since: e.at, pid: e.pid };
      if (e.pid === null) {
        status.uptime = null;
        status.cpu = null;
        status.memory = null;
      }
      if (e.to !== 'draining') status.connections = null;
      const next: TopUnit = {
        ...row,
        status,
        changedAt: at,
        spawnedAt: e.pid === null ? null : respawned ? at : row.spawnedAt,
        changed: respawned ? false : row.changed,
      };
      const units = [...m.units];
      units[i] = next;
      return { model: { ...m, units }, refresh: false };
    }
    case 'spawned': {
      // The process exists (the unit stays starting): uptime counts from here.
      const units = m.units.map((u) => (u.status.name === e.unit ? { ...u, status: { ...u.status, pid: e.pid }, spawnedAt: at, changed: false, changedAt: at } : u));
      return { model: { ...m, units }, refresh: false };
    }
    case 'stale': {
      const units = m.units.map((u) => (u.status.name === e.unit ? { ...u, status: { ...u.status, stale: e.stale }, changedAt: at } : u));
      return { model: { ...m, units }, refresh: false };
    }
    case 'rollout':
      return { model: { ...m, rollouts: upsertRollout(m.rollouts, e.rollout) }, refresh: false };
    case 'reload': {
      const changed = new Set(e.result.changed);
      const units = m.units.map((u) => (changed.has(u.status.name) && u.status.pid !== null ? { ...u, changed: true, changedAt: at } : u));
      return { model: { ...m, units }, refresh: true };
    }
    default:
      return { model: m, refresh: false };
  }
}

/** Whether a unit's row passes the `/` filter: a substring of its name, a group, its state or host. */
export function matches(u: TopUnit, filter: string): boolean {
  if (filter === '') return true;
  const f = filter.toLowerCase();
  return [u.status.name, u.status.state, ...u.status.groups, u.host ?? ''].some((s) => s.toLowerCase().includes(f));
}

export function visibleUnits(m: TopModel): TopUnit[] {
  const filter = m.prompt.kind === 'filter' ? m.prompt.text : m.filter;
  return m.units.filter((u) => matches(u, filter));
}

/** The selection stays on its unit while it is visible, else moves to the first visible one. */
export function keepSelection(m: TopModel): TopModel {
  const shown = visibleUnits(m);
  if (m.selected !== null && shown.some((u) => u.status.name === m.selected)) return m;
  return { ...m, selected: shown[0]?.status.name ?? null };
}

export function moveSelection(m: TopModel, by: number): TopModel {
  const shown = visibleUnits(m);
  if (shown.length === 0) return { ...m, selected: null };
  const at = shown.findIndex((u) => u.status.name === m.selected);
  const next = Math.min(shown.length - 1, Math.max(0, (at < 0 ? 0 : at) + by));
  return { ...m, selected: shown[next]?.status.name ?? null };
}

/** Rollouts worth a line: every running one, and the newest finished one for context. */
export function shownRollouts(m: TopModel): RolloutView[] {
  const running = m.rollouts.filter((r) => r.state === 'running');
  const last = m.rollouts.find((r) => r.state !== 'running');
  return last === undefined ? running : [...running, last];
}

/** Appends log text to the tail of the unit it belongs to, keeping whole lines and at most LOG_KEEP. */
export function withLogText(m: TopModel, unit: string, text: string): TopModel {
  if (m.log.unit !== unit) return m;
  const parts = (m.log.rest + text).split('\n');
  const rest = parts.pop() ?? '';
  const lines = parts.length === 0 ? m.log.lines : [...m.log.lines, ...parts];
  return { ...m, log: { unit, lines: lines.length > LOG_KEEP ? lines.slice(-LOG_KEEP) : lines, rest, note: null } };
}

/** The tail now belongs to `unit` (or to none): its lines start afresh. */
export function withLogUnit(m: TopModel, unit: string, note: string | null = null): TopModel {
  return { ...m, log: { unit, lines: [], rest: '', note } };
}

/** The API body and path for a unit action. */
export function actionRequest(action: UnitAction, unit: string): { path: string; body: Record<string, unknown> } {
  const target = encodeURIComponent(unit);
  switch (action) {
    case 'start':
      return { path: `/v1/units/${target}/start`, body: { wait: false } };
    case 'stop':
      return { path: `/v1/units/${target}/stop`, body: { wait: false } };
    case 'safe-stop':
      return { path: `/v1/units/${target}/stop`, body: { wait: false, safe: true } };
    case 'restart':
      return { path: `/v1/units/${target}/restart`, body: { wait: false } };
  }
}

export const ACTION_WORDS: Record<UnitAction, string> = {
  start: 'start', stop: 'stop', 'safe-stop': 'safe stop (drain)', restart: 'restart',
};
