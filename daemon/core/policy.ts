// The restart policy as arithmetic on a unit's history: whether an exit restarts the unit,
// after how long (exponential backoff), or gives up (more than `burst` crashes within `window`).
import type { RestartSpec } from '../../units/types.js';
import { formatMs as fmtMs } from '../../units/duration.js';

// Reasons show durations as unit files write them (one formatter, units/duration.ts).
export { fmtMs };

export interface History {
  /** Times of earlier crashes (any order); only those inside the window count. */
  crashes: readonly number[];
  /** Consecutive failed attempts so far. */
  attempt: number;
  /** When the unit last became ready, if it did since its last spawn. */
  readySince: number | null;
}

export interface ExitFacts {
  code: number | null;
  signal: string | null;
  /** The exit counts as a failure whatever its code (ready timeout, liveness probe). */
  failure: boolean;
}

export type Decision =
  | { kind: 'restart'; delay: number; attempt: number; crashes: number[] }
  | { kind: 'give-up'; reason: string; crashes: number[] }
  | { kind: 'stay-down'; reason: string };

export function isFailure(exit: ExitFacts): boolean {
  return exit.failure || exit.signal !== null || exit.code !== 0;
}

export function describeExit(exit: { code: number | null; signal: string | null }): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exited with code ${exit.code ?? '?'}`;
}

export function afterExit(history: History, restart: RestartSpec, exit: ExitFacts, now: number): Decision {
  const failed = isFailure(exit);
  if (restart.policy === 'never') return { kind: 'stay-down', reason: `${describeExit(exit)}; restart policy never` };
  if (restart.policy === 'on-failure' && !failed) return { kind: 'stay-down', reason: `${describeExit(exit)}; restart policy on-failure` };

  // A run that stayed ready for a whole window was healthy: the count starts again.
  const healthy = history.readySince !== null && now - history.readySince >= restart.window;
  const since = now - restart.window;
  const crashes = healthy ? [now] : [...history.crashes.filter((t) => t > since), now];
  const attempt = healthy ? 1 : history.attempt + 1;
  if (crashes.length > restart.burst) {
    return {
      kind: 'give-up',
      reason: `${describeExit(exit)}; ${crashes.length} exits within ${fmtMs(restart.window)} (burst ${restart.burst}): giving up`,
      crashes,
    };
  }
  return { kind: 'restart', delay: backoffDelay(restart, attempt), attempt, crashes };
}

/** min(delay × 2^(attempt−1), maxDelay). */
export function backoffDelay(restart: RestartSpec, attempt: number): number {
  if (restart.delay <= 0) return 0;
  const exp = Math.min(attempt - 1, 40);
  return Math.min(restart.delay * 2 ** exp, restart.maxDelay);
}
