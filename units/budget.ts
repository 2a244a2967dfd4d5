// The rollout budget's one parser, shared by unit files (convert.ts) and the API's rollout
// options (daemon/rollouts.ts), in a module of its own so the daemon need not load the converter.
import type { MaxUnavailable } from './types.js';

/** `maxUnavailable`: a whole number ≥ 1, or a percentage `P%` with 0 < P ≤ 100. */
export function parseMaxUnavailable(value: string | number): MaxUnavailable | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 ? { count: value } : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  if (m !== null) {
    const percent = Number(m[1]);
    return percent > 0 && percent <= 100 ? { percent } : null;
  }
  return /^\s*\d+\s*$/.test(value) ? parseMaxUnavailable(Number(value)) : null;
}
