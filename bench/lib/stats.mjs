// Summaries of repeated measurements (median, min, max, percentiles) and their formatting.
import { performance } from 'node:perf_hooks';

export const now = () => performance.now();
/** Wall-clock milliseconds with sub-ms precision, comparable across processes on this host. */
export const wallNow = () => performance.timeOrigin + performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function median(values) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A measurement: samples in one unit, or a reason it has none. */
export function summary(samples, unit, extra = {}) {
  return { samples, unit, median: median(samples), min: Math.min(...samples), max: Math.max(...samples), ...extra };
}

export function na(reason) {
  return { na: reason };
}

function num(v) {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

export function fmtValue(v, unit) {
  return `${num(v)} ${unit}`;
}

export function fmtCell(m) {
  if (m === undefined) return '–';
  if (m.na !== undefined) return m.na;
  if (m.samples.length === 0) return 'no data';
  const base = fmtValue(m.median, m.unit);
  const range = m.samples.length > 1 ? ` (${num(m.min)}–${num(m.max)})` : '';
  const note = m.note ? ` ${m.note}` : '';
  return base + range + note;
}

export function fmtRatio(a, b) {
  if (a === undefined || b === undefined || a.na !== undefined || b.na !== undefined) return '–';
  if (!Number.isFinite(a.median) || !Number.isFinite(b.median) || b.median === 0) return '–';
  return `${num(a.median / b.median)}×`;
}
