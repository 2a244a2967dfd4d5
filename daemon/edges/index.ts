// The real edges wired together for the runtime (daemon/edge-set.ts names the shape); tests
// wire the fakes from test/fakes/ instead.
import type { EdgeHooks, Edges, WarningDetail } from '../edge-set.js';
import { createClock } from './clock.js';
import { createCommandRunner } from './commands.js';
import { createLogStore } from './logs.js';
import { createNet } from './net.js';
import { createProber } from './probes.js';
import { createSpawner } from './spawn.js';
import { createStats } from './stats.js';

export interface RealEdgeOptions {
  logDir: string;
  maxSize: number;
  keep: number;
  /** Log-capture errors and leftovers that outlived SIGKILL: worth a log line and a counter, no
   * state change. Required: a warning with nowhere to go would vanish. */
  onWarning: (unit: string, message: string, detail?: WarningDetail) => void;
  /** An exception the core threw on a clock wake-up. */
  onCoreException: (err: unknown) => void;
}

export function realEdges(hooks: EdgeHooks, opts: RealEdgeOptions): Edges {
  const warn = opts.onWarning;
  const logs = createLogStore({ logDir: opts.logDir, maxSize: opts.maxSize, keep: opts.keep, onError: (unit, message) => warn(unit, message, { kind: 'log' }) });
  const net = createNet();
  const spawner = createSpawner(
    {
      onSpawned: (unit, gen, pid) => hooks.onSpawned(unit, gen, pid),
      onSpawnFailed: (unit, gen, message) => hooks.onSpawnFailed(unit, gen, message),
      onExited: (unit, gen, pid, code, signal) => hooks.onExited(unit, gen, pid, code, signal),
      onWarning: (unit, message, leftovers) => warn(unit, message, leftovers === undefined ? undefined : { kind: 'leftovers', pids: leftovers }),
    },
    logs,
    { net },
  );
  return {
    spawner,
    logs,
    probes: createProber(),
    commands: createCommandRunner(),
    net,
    stats: createStats(),
    clock: createClock((now) => hooks.onWake(now), { onError: opts.onCoreException }),
  };
}
