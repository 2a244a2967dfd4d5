// Numbers as the page shows them, the same way supctl prints them (cli/render.ts, which the
// browser build cannot import: it loads node modules).

export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

export function bytes(n: number | null): string {
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

export function cpu(pct: number | null): string {
  return pct === null || !Number.isFinite(pct) ? '-' : `${pct.toFixed(1)}%`;
}
