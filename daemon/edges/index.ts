// The real edges wired together for the runtime (daemon/edge-set.ts names the shape); tests
// wire the fakes from test/fakes/ instead.
import type { EdgeHooks, Edges } from '../edge-set.js';
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
  /** Log-capture errors and leftovers that outlived SIGKILL: worth a log line, no state change. */
  onWarning?: (unit: string, message: string) => void;
}

export function realEdges(hooks: EdgeHooks, opts: RealEdgeOptions): Edges {
  const warn = opts.onWarning ?? (() => {});
  const logs = createLogStore({ logDir: opts.logDir, maxSize: opts.maxSize, keep: opts.keep, onError: warn });
  const net = createNet();
  const spawner = createSpawner(
    {
      onSpawned: (unit, gen, pid) => hooks.onSpawned(unit, gen, pid),
      onSpawnFailed: (unit, gen, message) => hooks.onSpawnFailed(unit, gen, message),
      onExited: (unit, gen, pid, code, signal) => hooks.onExited(unit, gen, pid, code, signal),
      onWarning: warn,
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
    clock: createClock((now) => hooks.onWake(now)),
  };
}
