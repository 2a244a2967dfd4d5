// Pure renderers: API data in, text out (tables, durations, sizes, shell-quoted argv, failures).
// No I/O here, so every format supctl prints is tested without a daemon.
import { createRequire } from 'node:module';
import type {
  CommandResult, ReloadResult, RolloutView, UnitFailure, UnitOutcome, UnitSpec, UnitStatus,
} from '../daemon/api/contract.js';

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

/** The state, with the flags that change what it means (`ready,stale`, `draining,lb-off`). */
export function formatState(u: UnitStatus): string {
  const flags = [u.stale ? 'stale' : '', u.lbDisabled ? 'lb-off' : '', u.forced ? 'forced' : '', u.logError !== null ? 'log-lost' : ''].filter((f) => f !== '');
  return [u.state, ...flags].join(',');
}

/** Columns padded to their widest cell; the last column is left ragged. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export const STATUS_HEADERS = ['UNIT', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'CPU', 'MEM', 'LAST-EXIT', 'REASON'] as const;

export function statusTable(units: readonly UnitStatus[]): string {
  return table(STATUS_HEADERS, units.map((u) => [
    u.name, formatState(u), u.pid === null ? '-' : String(u.pid), formatDuration(u.uptime), String(u.restarts),
    formatCpu(u.cpu), formatBytes(u.memory), formatExit(u.lastExit), u.logError === null ? u.reason : `${u.reason}; log: ${u.logError}`,
  ]));
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
  for (const [k, v] of Object.entries(value)) {
    if (v === null || (Array.isArray(v) && v.length === 0)) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = pruned(v);
  }
  return out;
}

/** `supctl show`: the status line, the exact command line, then the rest of the resolved spec
 * (durations in ms; unset keys left out). */
export function showUnit(unit: UnitStatus & { spec: UnitSpec }): string {
  const { spec } = unit;
  const rest: Partial<UnitSpec> = { ...spec };
  delete rest.name;
  delete rest.file;
  delete rest.argv;
  const running = unit.pid === null ? '' : ` (pid ${unit.pid}, up ${formatDuration(unit.uptime)})`;
  const head = [
    `unit: ${spec.name}`,
    `file: ${spec.file}`,
    `state: ${formatState(unit)}${running}`,
    `command: ${shellQuote(spec.argv)}`,
  ].join('\n');
  // yaml costs ~50 ms to load and only `show` needs it: required here, on first use.
  const { stringify } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return `${head}\n${stringify(pruned(rest), { lineWidth: 0 })}`;
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

export function healthLines(units: readonly UnitStatus[]): string {
  return table(['UNIT', 'READY', 'STATE', 'REASON'], units.map((u) => [
    u.name, u.state === 'ready' ? 'yes' : 'no', formatState(u), u.reason,
  ]));
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
