// What goes wrong without changing any unit's state, and so must not vanish: an edge's warning
// (log capture failing, processes that outlived SIGKILL) and an exception thrown while the core
// handled an event. Each is written to supd's log and counted for /metrics.
import type { Logger } from 'pino';

import type { WarningDetail } from './edge-set.js';

export interface WarningCounts {
  /** Processes, per unit, still alive after their tree was sent SIGKILL. */
  leftovers: ReadonlyMap<string, number>;
  /** Exceptions thrown by the core while it handled an event (supd carried on). */
  coreExceptions: number;
  /** Warnings per unit, every kind. */
  warnings: ReadonlyMap<string, number>;
}

export class Warnings implements WarningCounts {
  readonly leftovers = new Map<string, number>();
  readonly warnings = new Map<string, number>();
  coreExceptions = 0;

  constructor(private readonly log: Logger) {}

  /** An edge's warning about one unit (or 'supd' for supd itself). */
  edge(unit: string, message: string, detail?: WarningDetail): void {
    this.warnings.set(unit, (this.warnings.get(unit) ?? 0) + 1);
    if (detail?.kind === 'leftovers') this.leftovers.set(unit, (this.leftovers.get(unit) ?? 0) + detail.pids.length);
    this.log.warn({ unit, ...(detail === undefined ? {} : { warning: detail.kind }), ...(detail?.kind === 'leftovers' ? { pids: detail.pids } : {}) }, `${unit}: ${message}`);
  }

  /** The core threw while handling `what`: logged with its stack and counted; supd carries on. */
  coreException(err: unknown, what: string): void {
    this.coreExceptions++;
    this.log.error({ err, event: what }, `internal error while handling ${what}: ${err instanceof Error ? err.message : String(err)}; supd carries on`);
  }
}
