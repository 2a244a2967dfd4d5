// Durations, written once for unit files, supd's config and every message that shows one: one or
// more <number><unit> terms (ms, s, m, h, d), e.g. `250ms`, `1.5s`, `1m30s`, `1d`, or a bare 0;
// and the exact form back (`90s`, `1m`, `250ms`) for reasons and errors.

/** One or more terms, as a regular-expression source (the unit schema's pattern uses it too). */
export const DURATION_TERMS = String.raw`(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+`;
const DURATION_RE = new RegExp(`^${DURATION_TERMS}$`);
const TERM_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `2s`, `1m30s`, `1.5h`, `1d`, or 0 (number or text) to ms; null when not a duration. */
export function parseDuration(value: string | number): number | null {
  if (value === 0 || value === '0') return 0;
  if (typeof value !== 'string' || !DURATION_RE.test(value)) return null;
  let total = 0;
  for (const m of value.matchAll(TERM_RE)) total += Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1);
  return Math.round(total);
}

/** ms in the largest unit that divides it exactly: `2h`, `1m`, `90s`, `1500ms`, `0ms`. */
export function formatMs(ms: number): string {
  if (ms > 0) {
    for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
      if (ms % size === 0) return `${ms / size}${unit}`;
    }
  }
  return `${ms}ms`;
}
