// `supctl top`'s screen as text: the model and the terminal's size in, exactly `height` lines of
// at most `width` columns out (SGR colour codes only when colour is on). Pure: the terminal edge
// writes these lines, the tests read them.
import type { RolloutStepState, RolloutView, UnitStateName } from '../../daemon/api/contract.js';
import { formatBytes, formatCpu, formatDuration } from '../render.js';
import { ACTION_WORDS, shownRollouts, visibleUnits } from './model.js';
import type { TopModel, TopUnit } from './model.js';

export interface ViewOptions {
  width: number;
  height: number;
  color: boolean;
  /** Epoch ms, for uptimes and the clock. */
  now: number;
  /** Where supd is: the socket path or the --host origin. */
  where: string;
}

const SGR = {
  bold: '1', dim: '2', reverse: '7', red: '31', green: '32', yellow: '33', blue: '34', magenta: '35', cyan: '36',
  redBg: '41;97', blueBg: '44;97',
} as const;
type Style = keyof typeof SGR;

const STATE_STYLE: Record<UnitStateName, Style[]> = {
  ready: ['green'], starting: ['yellow'], waiting: ['yellow'], draining: ['cyan'], stopping: ['magenta'],
  backoff: ['red'], failed: ['red', 'bold'], inactive: ['dim'],
};

const STEP_STYLE: Record<RolloutStepState, Style[]> = {
  ok: ['green'], 'in-progress': ['yellow', 'bold'], pending: ['dim'], error: ['red', 'bold'], canceled: ['magenta'],
};

/** Unit-supplied text (reasons, log lines) may hold escape sequences and control characters:
 * they would move the cursor or recolour the terminal, so they are dropped (tabs become spaces). */
export function printable(text: string): string {
  return text
    .replace(/\t/g, '  ')
    // CSI and OSC sequences whole, then any other C0/C1 control character.
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x1f\x7f-\x9f]/g, '');
}

/** Cut or pad to exactly `width` characters (code points). */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
  return text + ' '.repeat(width - chars.length);
}

class Painter {
  constructor(private readonly color: boolean) {}

  paint(text: string, ...styles: Style[]): string {
    if (!this.color || styles.length === 0 || text === '') return text;
    return `\x1b[${styles.map((s) => SGR[s]).join(';')}m${text}\x1b[0m`;
  }
}

interface Column {
  head: string;
  width: number;
  cell(u: TopUnit): string;
  style?(u: TopUnit): Style[];
  right?: boolean;
}

function stateText(u: TopUnit): string {
  const s = u.status;
  const flags = [s.stale ? 'stale' : '', u.changed ? 'changed' : '', s.lbDisabled ? 'lb-off' : '', s.forced ? 'forced' : ''];
  return [s.state, ...flags.filter((f) => f !== '')].join(',');
}

function uptime(u: TopUnit, now: number): number | null {
  return u.spawnedAt === null ? null : Math.max(0, now - u.spawnedAt);
}

function columns(units: readonly TopUnit[], width: number, now: number): Column[] {
  const longest = (f: (u: TopUnit) => string, head: string, cap: number): number =>
    Math.min(cap, Math.max(head.length, ...units.map((u) => [...f(u)].length)));
  const hosts = units.some((u) => u.host !== undefined);
  const cols: Column[] = [];
  if (hosts) cols.push({ head: 'HOST', width: longest((u) => u.host ?? '', 'HOST', 16), cell: (u) => u.host ?? '' });
  cols.push(
    { head: 'UNIT', width: longest((u) => u.status.name, 'UNIT', Math.max(12, Math.floor(width / 4))), cell: (u) => u.status.name, style: () => ['bold'] },
    { head: 'STATE', width: longest(stateText, 'STATE', 22), cell: stateText, style: (u) => STATE_STYLE[u.status.state] },
    { head: 'PID', width: 7, cell: (u) => (u.status.pid === null ? '-' : String(u.status.pid)), right: true },
    { head: 'UPTIME', width: 7, cell: (u) => formatDuration(uptime(u, now)), right: true },
    { head: 'RST', width: 3, cell: (u) => String(u.status.restarts), right: true, style: (u) => (u.status.restarts > 0 ? ['yellow'] : []) },
    { head: 'CPU', width: 6, cell: (u) => formatCpu(u.status.cpu), right: true },
    { head: 'MEM', width: 7, cell: (u) => formatBytes(u.status.memory), right: true },
    { head: 'CONN', width: 4, cell: (u) => (u.status.connections === null ? '' : String(u.status.connections)), right: true },
  );
  // A narrow terminal loses the least telling columns first, then the name and state are cut.
  const total = (): number => cols.reduce((n, c) => n + c.width + 1, -1);
  for (const head of ['CONN', 'CPU', 'MEM', 'RST', 'UPTIME', 'PID', 'HOST']) {
    if (total() <= width) break;
    const i = cols.findIndex((c) => c.head === head);
    if (i >= 0) cols.splice(i, 1);
  }
  for (const c of cols) {
    const over = total() - width;
    if (over > 0) c.width = Math.max(1, c.width - over);
  }
  const used = total() + 1;
  if (width - used >= 8) cols.push({ head: 'REASON', width: width - used, cell: (u) => u.status.reason, style: () => ['dim'] });
  return cols;
}

function cellText(c: Column, text: string): string {
  const clean = printable(text);
  return c.right === true && [...clean].length <= c.width ? clean.padStart(c.width) : fit(clean, c.width);
}

function rolloutLines(r: RolloutView, width: number, p: Painter): string[] {
  const head = `rollout ${r.id} ${r.target} ${r.strategy} ${r.state}${r.error === null ? '' : `: ${r.error.unit}: ${r.error.reason}`}`;
  const headStyle: Style[] = r.state === 'running' ? ['yellow', 'bold'] : r.state === 'ok' ? ['green'] : ['red'];
  const out = [p.paint(fit(printable(head), width), ...headStyle)];
  // The steps flow onto as many lines as they need; more than two end in an ellipsis.
  const rows: { length: number; painted: string }[] = [];
  let row = { length: 1, painted: ' ' };
  for (const s of r.steps) {
    const word = fit(`  ${printable(s.unit)} ${s.state}`, Math.min(width - 1, 3 + [...s.unit].length + s.state.length));
    const length = [...word].length;
    if (row.length + length > width && row.length > 1) {
      rows.push(row);
      row = { length: 1, painted: ' ' };
    }
    row = { length: row.length + length, painted: row.painted + p.paint(word, ...STEP_STYLE[s.state]) };
  }
  if (row.length > 1) rows.push(row);
  const pad = (x: { length: number; painted: string }): string => x.painted + ' '.repeat(Math.max(0, width - x.length));
  if (rows.length > 2) return [...out, pad(rows[0] ?? row), fit('  …', width)];
  return [...out, ...rows.map(pad)];
}

function counts(m: TopModel): string {
  const by = new Map<string, number>();
  for (const u of m.units) by.set(u.status.state, (by.get(u.status.state) ?? 0) + 1);
  const parts = [...by].map(([s, n]) => `${n} ${s}`);
  return `${m.units.length} unit${m.units.length === 1 ? '' : 's'}${parts.length === 0 ? '' : `: ${parts.join(', ')}`}`;
}

function clock(now: number): string {
  return new Date(now).toISOString().slice(11, 19);
}

function headerLine(m: TopModel, o: ViewOptions, p: Painter): string {
  const live = m.connection.kind === 'live' ? 'live' : m.connection.kind === 'connecting' ? 'connecting' : 'OFFLINE';
  const filter = m.filter === '' ? '' : ` · filter "${m.filter}"`;
  const left = ` supd top · ${live} · ${counts(m)}${filter} · ${o.where}`;
  const right = `${clock(o.now)} `;
  const room = o.width - right.length;
  return p.paint(room > 10 ? fit(left, room) + right : fit(left, o.width), 'blueBg');
}

function bannerLine(m: TopModel, o: ViewOptions, p: Painter): string | null {
  if (m.connection.kind !== 'down') return null;
  const secs = Math.max(0, Math.ceil((m.connection.retryAt - o.now) / 1000));
  const age = formatDuration(o.now - m.connection.since);
  const text = ` supd unreachable · retry in ${secs}s · data ${age} old · ${printable(m.connection.reason)}`;
  return p.paint(fit(text, o.width), 'redBg');
}

function footerLine(m: TopModel, o: ViewOptions, p: Painter): string {
  const prompt = m.prompt;
  if (prompt.kind === 'filter') return fit(`/${prompt.text}▏  (Enter keeps it, Esc clears)`, o.width);
  if (prompt.kind === 'confirm') {
    return p.paint(fit(` ${ACTION_WORDS[prompt.action]} ${prompt.unit}? y/n`, o.width), 'reverse', 'bold');
  }
  if (m.message !== null && o.now - m.message.at < 8000) {
    return p.paint(fit(` ${printable(m.message.text)}`, o.width), ...(m.message.error ? (['red', 'bold'] as Style[]) : ['green'] as Style[]));
  }
  const keys = m.fullLog !== null
    ? ' ↑↓ PgUp PgDn scroll · End follow · l/Esc back · q quit'
    : ' ↑↓/jk move · s start · x stop · X safe stop · r restart · l log · / filter · q quit';
  return p.paint(fit(keys, o.width), 'dim');
}

function logLines(m: TopModel, rows: number, width: number, scroll: number): string[] {
  if (rows <= 0) return [];
  const source = m.log.note !== null ? [`(${m.log.note})`] : m.log.lines;
  const end = Math.max(0, source.length - scroll);
  const slice = source.slice(Math.max(0, end - rows), end);
  const out = slice.map((l) => fit(printable(l), width));
  while (out.length < rows) out.push(' '.repeat(width));
  return out;
}

function sectionLine(title: string, width: number, p: Painter): string {
  const text = `── ${title} `;
  return p.paint(fit(text + '─'.repeat(Math.max(0, width - [...text].length)), width), 'dim');
}

/** Exactly o.height lines. */
export function renderTop(m: TopModel, o: ViewOptions): string[] {
  const p = new Painter(o.color);
  const width = Math.max(1, o.width);
  const height = Math.max(1, o.height);
  const top = [headerLine(m, { ...o, width }, p)];
  const banner = bannerLine(m, { ...o, width }, p);
  if (banner !== null) top.push(banner);
  const footer = footerLine(m, { ...o, width }, p);
  const body = height - top.length - 1;

  let middle: string[];
  if (m.fullLog !== null) {
    middle = [sectionLine(`log: ${m.log.unit} (${m.log.lines.length} lines${m.fullLog.scroll > 0 ? `, ${m.fullLog.scroll} up` : ''})`, width, p),
      ...logLines(m, body - 1, width, m.fullLog.scroll)];
  } else {
    middle = unitsAndLog(m, { ...o, width }, body, p);
  }
  const lines = [...top, ...middle].slice(0, height - 1);
  while (lines.length < height - 1) lines.push(' '.repeat(width));
  return [...lines, footer];
}

function unitsAndLog(m: TopModel, o: ViewOptions, body: number, p: Painter): string[] {
  const width = o.width;
  const shown = visibleUnits(m);
  const cols = columns(shown, width - 2, o.now);
  const rollouts = shownRollouts(m).flatMap((r) => rolloutLines(r, width, p));
  // The units first (all of them if the screen allows), then rollouts, then the log with what is left.
  const minLog = body >= 14 ? 4 : body >= 8 ? 2 : 0;
  const rolloutRows = Math.min(rollouts.length, Math.max(0, body - 2 - Math.min(shown.length, 3) - minLog));
  const unitRows = Math.max(1, Math.min(shown.length === 0 ? 1 : shown.length, body - 1 - rolloutRows - minLog - (minLog > 0 ? 1 : 0)));
  const out: string[] = [];
  out.push(p.paint(fit(`  ${cols.map((c) => (c.right === true ? c.head.padStart(c.width) : fit(c.head, c.width))).join(' ')}`, width), 'bold'));
  if (shown.length === 0) {
    out.push(fit(m.units.length === 0 ? '  (no units)' : `  (no unit matches "${m.filter}")`, width));
  } else {
    const at = Math.max(0, shown.findIndex((u) => u.status.name === m.selected));
    const first = Math.min(Math.max(0, at - unitRows + 1), Math.max(0, shown.length - unitRows));
    for (const u of shown.slice(first, first + unitRows)) {
      const selected = u.status.name === m.selected;
      const fresh = u.changedAt !== null && o.now - u.changedAt < 1500;
      // The selected row is one reverse-video span: a cell's own colour would end it midway.
      const cells = cols.map((c) => (selected ? cellText(c, c.cell(u)) : p.paint(cellText(c, c.cell(u)), ...(c.style?.(u) ?? []))));
      const plain = `${selected ? '>' : ' '}${fresh ? '*' : ' '}${cells.join(' ')}`;
      const pad = ' '.repeat(Math.max(0, width - 2 - cols.reduce((n, c) => n + c.width + 1, -1)));
      out.push(selected ? p.paint(plain + pad, 'reverse') : plain + pad);
    }
  }
  out.push(...rollouts.slice(0, rolloutRows));
  const left = body - out.length;
  if (left >= 2) {
    out.push(sectionLine(`log: ${m.log.unit === '' ? '-' : m.log.unit}`, width, p));
    out.push(...logLines(m, left - 1, width, 0));
  }
  return out;
}
