// Collects the measurements and renders them as one Markdown table: medians (min–max) per
// workload and supervisor, the ratios supd/baseline, and whether supd meets the targets.
import { fmtCell, fmtRatio, summary } from './stats.mjs';

export const SUPERVISORS = ['raw', 'supd', 'supervisord', 'pm2'];
export const BASELINES = ['raw', 'supervisord', 'pm2'];

// Targets hold for N=500 (issue 16); `ratioOf` compares with a baseline's median in the same run,
// `plusOf` allows a fixed margin over it, `minRatioOf` asks for at least the baseline's figure.
export const ROWS = [
  { metric: 'start', label: 'start-all (every child alive)', target: { ratioOf: 'raw', max: 1.5, text: '≤ 1.5× raw' } },
  { metric: 'startApi', label: 'start-all through the API (no CLI)' },
  { metric: 'stopApi', label: 'stop-all through the API (no CLI)' },
  { metric: 'status', label: 'CLI status round trip (raw: a bare `node -e 0`)', target: { plusOf: 'raw', add: 20, text: '≤ `node -e 0` + 20 ms' } },
  { metric: 'api', label: 'API GET /v1/units round trip' },
  { metric: 'restart', label: 'restart after kill -9 (no delay)', target: { ratioOf: 'raw', max: 1.5, text: '≤ 1.5× raw' } },
  { metric: 'stop', label: 'stop-all through the CLI (no child alive)', target: { ratioOf: 'raw', max: 1.5, text: '≤ 1.5× raw' } },
  { metric: 'pss', label: 'daemon memory (PSS, all daemon processes)', target: { max: 32, ratioOf: 'supervisord', ratioMax: 1, text: '≤ 32 MB and < supervisord' } },
  { metric: 'cpu', label: 'daemon idle CPU (% of one core)', target: { max: 0.1, text: '≤ 0.1 %' } },
  { metric: 'log', label: 'log throughput, one unit, 100-byte lines, rotation on', target: { minRatioOf: 'supervisord', text: '≥ supervisord, no loss' } },
  { metric: 'floodApiP50', label: 'API p50 during the log flood' },
  { metric: 'floodApiP99', label: 'API p99 during the log flood', target: { max: 50, text: '≤ 50 ms' } },
  { metric: 'chain', label: 'dependency chain, tcp readiness (start to last ready)' },
];

export class Recorder {
  constructor() {
    this.cells = new Map();
    this.errors = [];
    this.notes = [];
  }

  key(metric, n, name) {
    return `${metric}|${n}|${name}`;
  }

  putValue(metric, n, name, value) {
    this.cells.set(this.key(metric, n, name), value);
  }

  put(metric, n, name, samples, unit, extra = {}) {
    if (samples.length > 0) this.putValue(metric, n, name, summary(samples, unit, extra));
    else if (!this.cells.has(this.key(metric, n, name))) this.putValue(metric, n, name, { na: 'failed †' });
  }

  na(metric, n, name, reason) {
    this.putValue(metric, n, name, { na: reason });
  }

  get(metric, n, name) {
    return this.cells.get(this.key(metric, n, name));
  }

  error(name, scope, e) {
    const message = String(e?.message ?? e).split('\n').slice(0, 3).join(' / ');
    this.errors.push({ name, scope, message });
    process.stderr.write(`bench: ${name} ${scope}: ${message}\n`);
  }

  ns(metric) {
    const out = new Set();
    for (const k of this.cells.keys()) {
      const [m, n] = k.split('|');
      if (m === metric) out.add(Number(n));
    }
    return [...out].sort((a, b) => a - b);
  }
}

function verdict(row, rec, n) {
  const t = row.target;
  if (t === undefined) return '';
  const supd = rec.get(row.metric, n, 'supd');
  if (supd === undefined || supd.na !== undefined || supd.samples.length === 0) return `${t.text}: –`;
  const baseName = t.ratioOf ?? t.plusOf ?? t.minRatioOf;
  let base;
  if (baseName !== undefined) {
    base = rec.get(row.metric, n, baseName);
    if (base === undefined || base.na !== undefined || base.samples.length === 0) return `${t.text}: –`;
  }
  let ok = true;
  if (t.plusOf !== undefined) ok = supd.median <= base.median + t.add;
  else if (t.minRatioOf !== undefined) ok = supd.median >= base.median && !String(supd.note ?? '').startsWith('LOST');
  else {
    if (t.ratioOf !== undefined) ok = supd.median <= (t.ratioMax ?? t.max) * base.median;
    if (t.ratioOf === undefined || t.ratioMax !== undefined) ok = ok && supd.median <= t.max;
  }
  return `${t.text}: ${ok ? 'met' : '**missed**'}`;
}

/** The table rows; targets are judged at N=500, or at the largest N run when 500 was not. */
export function renderTable(rec) {
  const head = ['workload', 'N', ...SUPERVISORS, ...BASELINES.map((b) => `supd/${b}`), 'supd target'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const fleetNs = rec.ns('start');
  const targetN = fleetNs.includes(500) ? 500 : fleetNs[fleetNs.length - 1];
  for (const row of ROWS) {
    for (const n of rec.ns(row.metric)) {
      const cells = SUPERVISORS.map((name) => fmtCell(rec.get(row.metric, n, name)));
      const ratios = BASELINES.map((b) => fmtRatio(rec.get(row.metric, n, 'supd'), rec.get(row.metric, n, b)));
      const judged = n === targetN || !fleetNs.includes(n);
      lines.push(`| ${row.label} | ${n} | ${cells.join(' | ')} | ${ratios.join(' | ')} | ${judged ? verdict(row, rec, n) : ''} |`);
    }
  }
  return lines.join('\n');
}

export function renderMarkdown(rec, info) {
  const out = [];
  out.push(`## Benchmark: supd against the raw limit, supervisord and PM2`);
  out.push('');
  out.push(`${info.date} · ${info.mode} run · ${info.nproc} cores (${info.cpu}) · Node ${info.node} · Linux ${info.kernel} · ${info.memGiB} GiB · load average ${info.loadAtStart} at start, ${info.load} at end`);
  out.push('');
  out.push(`Versions: ${info.versions.join(', ')}. Run time: ${info.seconds} s.`);
  out.push('');
  out.push(renderTable(rec));
  out.push('');
  out.push('Cells: median (min–max) over the repetitions; a ratio below 1× means supd is faster or smaller, except for log throughput where above 1× is better.');
  for (const note of info.method) out.push(`- ${note}`);
  for (const note of rec.notes) out.push(`- ${note}`);
  if (rec.errors.length > 0) {
    out.push('');
    out.push('† Failures:');
    for (const e of rec.errors) out.push(`- ${e.name} (${e.scope}): ${e.message}`);
  }
  out.push('');
  return out.join('\n');
}
