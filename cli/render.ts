// Pure renderers: API data in, text out (tables, durations, sizes, shell-quoted argv, failures).
// No I/O here, so every format supctl prints is tested without a daemon.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type {
  CommandResult, ReloadPlan, ReloadResult, RolloutView, UnitFailure, UnitOutcome, UnitSpec, UnitStatus,
} from '../daemon/api/contract.js';
import { formatMs } from '../units/duration.js';

/** 45s, 3m12s, 2h05m, 3d04h: two units at most, like `ps` and `systemctl` show ages. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** 15:04:05.123, local time: when a followed log line arrived. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Decimal units, one decimal place: 512B, 12.3MB, 1.2GB. */
export function formatBytes(n: number | null): string {
  if (n === null || !Number.isFinite(n) || n < 0) return '-';
  if (n < 1000) return `${Math.round(n)}B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n / 1000;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i += 1;
  }
  return `${value.toFixed(1)}${units[i] ?? 'TB'}`;
}

export function formatCpu(pct: number | null): string {
  return pct === null || !Number.isFinite(pct) ? '-' : `${pct.toFixed(1)}%`;
}

export function formatExit(exit: UnitStatus['lastExit']): string {
  if (exit === null) return '-';
  if (exit.signal !== null) return exit.signal;
  return exit.code === null ? '-' : `exit ${exit.code}`;
}

/** The state, with the flags that change what it means (`ready,stale`, `draining,lb-off`,
 * `ready,changed`: a reload changed the file since the process started). */
export function formatState(u: UnitStatus): string {
  const flags = [u.stale ? 'stale' : '', u.changed ? 'changed' : '', u.lbDisabled ? 'lb-off' : '', u.forced ? 'forced' : '', u.logError !== null ? 'log-lost' : ''].filter((f) => f !== '');
  return [u.state, ...flags].join(',');
}

/** The reason, led by what the row's state makes worth knowing: when a backoff retries, how many
 * connections a drain still waits for, that a changed unit needs a restart. */
export function formatReason(u: UnitStatus): string {
  const lead: string[] = [];
  if (u.state === 'backoff' && u.retryIn !== null) lead.push(`retry in ${formatDuration(Math.ceil(u.retryIn / 1000) * 1000)}`);
  if (u.state === 'draining' && u.connections !== null) lead.push(`${u.connections} connection${u.connections === 1 ? '' : 's'} open`);
  if (u.changed) lead.push('file changed, restart to apply');
  return [...lead, u.reason, u.logError === null ? '' : `log: ${u.logError}`].filter((r) => r !== '').join('; ');
}

/** ANSI colour for a terminal, or the text as is. */
export function paint(color: boolean, code: string, text: string): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

const STATE_COLOR: Record<UnitStatus['state'], string> = {
  ready: '32', starting: '33', waiting: '33', draining: '33', stopping: '33', backoff: '31', failed: '1;31', inactive: '2',
};

/** Columns padded to their widest cell; the last column is left ragged. `colors` paints a cell
 * after padding (colour codes take no room on screen). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], colors?: (row: number, col: number) => string | null): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], row: number): string =>
    cells.map((c, i) => {
      const padded = i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0);
      const code = row < 0 ? null : (colors?.(row, i) ?? null);
      return code === null ? padded : `\u001b[${code}m${c}\u001b[0m${padded.slice(c.length)}`;
    }).join('  ').trimEnd();
  return [line(headers, -1), ...rows.map((r, i) => line(r, i))].join('\n') + '\n';
}

export const STATUS_HEADERS = ['UNIT', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'CPU', 'MEM', 'LAST-EXIT', 'REASON'] as const;
/** Columns given up, in this order, when the terminal is too narrow (`-l` keeps them all). */
const DROP_ORDER = ['CPU', 'MEM', 'LAST-EXIT', 'UPTIME', 'RESTARTS', 'PID'] as const;
const MIN_REASON = 16;

export interface StatusOptions {
  /** The terminal's width: rows are fitted to it (columns dropped, the reason cut with …). */
  width?: number | null;
  /** No fitting: every column, the whole reason. */
  long?: boolean;
  color?: boolean;
}

function truncate(text: string, room: number): string {
  return text.length <= room ? text : `${text.slice(0, Math.max(0, room - 1))}…`;
}

export function statusTable(units: readonly UnitStatus[], opts: StatusOptions = {}): string {
  const rows = units.map((u) => [
    u.name, formatState(u), u.pid === null ? '-' : String(u.pid), formatDuration(u.uptime), String(u.restarts),
    formatCpu(u.cpu), formatBytes(u.memory), formatExit(u.lastExit), formatReason(u),
  ]);
  let headers: string[] = [...STATUS_HEADERS];
  let cells = rows;
  const width = opts.long === true ? null : (opts.width ?? null);
  if (width !== null) {
    const used = (hs: readonly string[], rs: readonly string[][]): number =>
      hs.slice(0, -1).reduce((sum, h, i) => sum + Math.max(h.length, ...rs.map((r) => (r[i] ?? '').length)) + 2, 0);
    for (const drop of DROP_ORDER) {
      if (used(headers, cells) + MIN_REASON <= width) break;
      const i = headers.indexOf(drop);
      headers = headers.filter((_, j) => j !== i);
      cells = cells.map((r) => r.filter((_, j) => j !== i));
    }
    const room = width - used(headers, cells);
    cells = cells.map((r) => [...r.slice(0, -1), truncate(r[r.length - 1] ?? '', Math.max(room, 1))]);
  }
  const stateCol = headers.indexOf('STATE');
  const colors = opts.color === true
    ? (row: number, col: number): string | null => (col === stateCol ? STATE_COLOR[units[row]?.state ?? 'inactive'] : null)
    : undefined;
  return table(headers, cells, colors);
}

/** The units a list of targets names (unit, group, or `all`), in the daemon's order. */
export function selectUnits(units: readonly UnitStatus[], targets: readonly string[]): { selected: UnitStatus[]; unknown: string[] } {
  if (targets.length === 0 || targets.includes('all')) {
    return { selected: [...units], unknown: targets.filter((t) => t !== 'all' && !known(units, t)) };
  }
  const wanted = new Set<string>();
  const unknown: string[] = [];
  for (const target of targets) {
    const hits = units.filter((u) => u.name === target || u.groups.includes(target));
    if (hits.length === 0) unknown.push(target);
    for (const u of hits) wanted.add(u.name);
  }
  return { selected: units.filter((u) => wanted.has(u.name)), unknown };
}

function known(units: readonly UnitStatus[], target: string): boolean {
  return units.some((u) => u.name === target || u.groups.includes(target));
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX shell quoting: bare when safe, else single quotes with `'\''` for an embedded quote. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (SAFE_WORD.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

function pruned(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruned);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null || (Array.isArray(v) && v.length === 0)) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = pruned(v);
  }
  return out;
}

/** Keys whose numbers are durations in ms in the resolved spec. */
const DURATION_KEYS = new Set(['timeout', 'interval', 'grace', 'delay', 'maxDelay', 'window', 'debounce', 'canary', 'soak']);

/** A duration as a unit file writes it: the largest unit that divides it (20000 → 20s, 0 → 0ms),
 * units/duration.ts's one exact formatter. */
export const durationText = formatMs;

/** The resolved spec in its file's terms: durations as `20s`, ports by their names from `ports`. */
function asWritten(value: unknown, key: string, portNames: ReadonlyMap<number, string>): unknown {
  if (typeof value === 'number' && DURATION_KEYS.has(key)) return durationText(value);
  if (key === 'waitConnections' && Array.isArray(value)) return (value as unknown[]).map((p) => (typeof p === 'number' ? (portNames.get(p) ?? p) : p));
  if (key === 'port' && typeof value === 'number' && portNames.has(value)) return `${value} (${portNames.get(value) ?? ''})`;
  if (Array.isArray(value)) return value.map((v) => asWritten(v, '', portNames));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asWritten(v, k, portNames)]));
}

/** `supctl show`: the status line, the exact command line (and the running process's, when a
 * reload changed the file since it started), then the rest of the resolved spec in the file's
 * terms (durations as `20s`, ports by name; unset keys left out). */
export function showUnit(unit: UnitStatus & { spec: UnitSpec; runningArgv?: string[] }): string {
  const { spec } = unit;
  const rest: Partial<UnitSpec> = { ...spec };
  delete rest.name;
  delete rest.file;
  delete rest.argv;
  const running = unit.pid === null ? '' : ` (pid ${unit.pid}, up ${formatDuration(unit.uptime)})`;
  const changed = unit.runningArgv !== undefined && unit.changed;
  const head = [
    `unit: ${spec.name}`,
    `file: ${spec.file}`,
    `state: ${formatState(unit)}${running}`,
    ...(changed ? [`running: ${shellQuote(unit.runningArgv ?? [])}`, `command: ${shellQuote(spec.argv)}  # from the changed file: restart to apply`] : [`command: ${shellQuote(spec.argv)}`]),
  ].join('\n');
  const portNames = new Map(Object.entries(spec.ports).map(([n, p]) => [p, n]));
  // yaml costs ~50 ms to load and only `show` needs it: required here, on first use.
  const { stringify } = createRequire(import.meta.url)('yaml') as typeof Yaml;
  return `${head}\n${stringify(asWritten(pruned(rest), '', portNames), { lineWidth: 0 })}`;
}

/** What a successful start/stop/restart did, in one line (plus the rollout's steps, if any). */
export function commandDone(action: string, target: string, result: CommandResult): string {
  const units = result.units.length === 0 ? 'nothing to do' : result.units.join(', ');
  const lines = [result.message !== '' ? result.message : `${action} ${target}: ${units}`];
  if (result.rollout !== null) lines.push(rolloutLine(result.rollout));
  return `${lines.join('\n')}\n`;
}

const DONE: Record<string, string> = { start: 'started', stop: 'stopped', restart: 'restarted' };
const ALREADY: Record<string, string> = { start: 'already ready', stop: 'already stopped', restart: 'restarted' };
const UNDER_WAY: Record<string, string> = { start: 'starting', stop: 'stopping', restart: 'restarting' };

function outcomeText(action: string, o: UnitOutcome): string {
  const role = o.role === 'requirement' ? ' (required)' : o.role === 'dependent' ? ' (dependent)' : '';
  switch (o.outcome) {
    case 'done':
      return `${DONE[action] ?? action}${role}`;
    case 'already':
      return `${ALREADY[action] ?? action}${role}`;
    case 'pending':
      return `${UNDER_WAY[action] ?? action}${role}`;
    case 'forced':
      return `stopped${role}: the drain hit its timeout`;
    case 'failed':
      return `FAILED${role}: ${o.reason ?? 'unknown reason'}`;
  }
}

/** A start/stop/restart job: a summary line, then every unit it touched with its outcome. */
export function jobDone(action: string, targets: readonly string[], result: CommandResult): string {
  const failed = result.outcomes.filter((o) => o.outcome === 'failed' || o.outcome === 'forced').length;
  const head = `${action} ${targets.join(' ')}: ${failed === 0 ? 'ok' : `${failed} of ${result.outcomes.length} failed`}`;
  const width = Math.max(0, ...result.outcomes.map((o) => o.unit.length));
  return `${[head, ...result.outcomes.map((o) => `  ${o.unit.padEnd(width)}  ${outcomeText(action, o)}`)].join('\n')}\n`;
}

export function rolloutLine(r: RolloutView): string {
  const steps = r.steps.map((s) => `${s.unit} ${s.state}${s.reason === null ? '' : ` (${s.reason})`}`).join(', ');
  return `rollout ${r.id} ${r.state} (${r.strategy}): ${steps}`;
}

/** A failed start: each unit's reason, then its last log lines so the cause is on screen. */
export function failureReport(failures: readonly UnitFailure[]): string {
  const out: string[] = [];
  for (const f of failures) {
    if (f.logTail.length === 0) continue;
    out.push(`--- last log lines of ${f.unit} ---`, ...f.logTail.map((l) => `  ${l}`));
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

export function reloadDone(r: ReloadResult): string {
  if (r.added.length + r.changed.length + r.removed.length === 0) return 'reloaded: no changes\n';
  const part = (label: string, names: string[]): string[] => (names.length === 0 ? [] : [`${label}: ${names.join(', ')}`]);
  return `${['reloaded', ...part('added', r.added), ...part('changed', r.changed), ...part('removed', r.removed)].join('\n')}\n`;
}

/** `reload --dry-run`: each kind of change on its line, then what would start and stop. */
export function reloadPlan(p: ReloadPlan): string {
  const lines = ['dry run: nothing applied'];
  if (p.added.length + p.changed.length + p.removed.length === 0) return `${lines[0] as string}; a reload would change nothing\n`;
  if (p.added.length > 0) lines.push(`would add: ${p.added.join(', ')}`);
  for (const c of p.changed) lines.push(`would change: ${c.unit} (${c.keys.join(', ')})`);
  if (p.removed.length > 0) lines.push(`would remove: ${p.removed.join(', ')}`);
  if (p.start.length > 0) lines.push(`would start: ${p.start.join(', ')}`);
  if (p.stop.length > 0) lines.push(`would stop: ${p.stop.join(', ')}`);
  if (p.restartToApply.length > 0) lines.push(`keep running, restart to apply: ${p.restartToApply.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function healthLines(units: readonly UnitStatus[]): string {
  return table(['UNIT', 'READY', 'STATE', 'REASON'], units.map((u) => [
    u.name, u.state === 'ready' ? 'yes' : 'no', formatState(u), u.reason,
  ]));
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `rollouts`: newest first, one line each, with how many steps are done. */
export function rolloutsTable(rollouts: readonly RolloutView[]): string {
  if (rollouts.length === 0) return 'no rollouts\n';
  const newest = [...rollouts].sort((a, b) => b.created.localeCompare(a.created));
  return table(['ID', 'TARGET', 'STRATEGY', 'STATE', 'STEPS', 'STARTED', 'TRIGGER'], newest.map((r) => [
    r.id, r.target, r.strategy, r.state, `${r.steps.filter((s) => s.state === 'ok').length}/${r.steps.length} ok`, r.created.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), r.trigger,
  ]));
}

/** `rollouts ID`: the rollout, then each step in order. */
export function rolloutDetail(r: RolloutView): string {
  const head = [
    `rollout: ${r.id}`,
    `target: ${r.target} (${r.strategy}${r.safe ? ', drained' : ''})`,
    `state: ${r.state}${r.error === null ? '' : ` at ${r.error.unit}: ${r.error.reason}`}`,
    `trigger: ${r.trigger}`,
    `started: ${r.created}${r.finished === null ? '' : `, finished ${r.finished}`}`,
    '',
  ].join('\n');
  return `${head}\n${table(['BATCH', 'UNIT', 'STEP', 'REASON'], r.steps.map((s) => [String(s.batch + 1), s.unit, s.state, s.reason ?? '']))}`;
}

/** Edit distance with swapped neighbours counted as one edit (`wbe` → `web`), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known names closest to a mistyped one (at most a third of its letters off), best first. */
export function didYouMean(name: string, known: readonly string[]): string[] {
  const limit = Math.max(1, Math.floor(name.length / 3));
  const scored = [...new Set(known)].filter((k) => k !== name).map((k) => ({ k, d: distance(name.toLowerCase(), k.toLowerCase()) })).filter((x) => x.d <= limit);
  scored.sort((a, b) => a.d - b.d || a.k.localeCompare(b.k));
  return scored.slice(0, 3).map((x) => x.k);
}

/** Every name a TARGET may be: units, their groups, and `all`. */
export function targetNames(units: readonly UnitStatus[]): string[] {
  return [...new Set([...units.map((u) => u.name), ...units.flatMap((u) => u.groups), 'all'])];
}
