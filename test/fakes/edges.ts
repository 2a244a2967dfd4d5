// Every fake edge wired together in the shape the runtime takes (daemon/edge-set.ts), so a
// runtime test reads `fake.spawner.spawned('db')`, `fake.clock.advance(1000)`, and so on.
import type { EdgeHooks, Edges } from '../../daemon/edge-set.js';
import { createFakeClock, type FakeClock } from './clock.js';
import { createFakeLogStore, type FakeLogStore } from './logs.js';
import {
  createFakeCommandRunner, createFakeNet, createFakeProber, createFakeStats,
  type FakeCommandRunner, type FakeNet, type FakeProber, type FakeStats,
} from './others.js';
import { createFakeSpawner, type FakeSpawner, type FakeSpawnerOptions } from './spawner.js';

export interface FakeEdges {
  spawner: FakeSpawner;
  logs: FakeLogStore;
  probes: FakeProber;
  commands: FakeCommandRunner;
  net: FakeNet;
  stats: FakeStats;
  clock: FakeClock;
}

export interface FakeEdgeOptions {
  spawner?: FakeSpawnerOptions;
  /** The clock's start time (ms since the epoch). */
  start?: number;
}

/** Returns the factory the runtime wants, plus the fakes it built (filled in when the runtime
 * calls the factory). */
export function fakeEdges(opts: FakeEdgeOptions = {}): { factory: (hooks: EdgeHooks) => Edges; fake: FakeEdges } {
  const fake = {} as FakeEdges;
  const factory = (hooks: EdgeHooks): Edges => {
    Object.assign(fake, {
      spawner: createFakeSpawner(hooks, opts.spawner),
      logs: createFakeLogStore(),
      probes: createFakeProber(),
      commands: createFakeCommandRunner(),
      net: createFakeNet(),
      stats: createFakeStats(),
      clock: createFakeClock((now) => hooks.onWake(now), opts.start),
    } satisfies FakeEdges);
    return fake;
  };
  return { factory, fake };
}

/** Lets queued microtasks and immediate callbacks (fake answers, runtime follow-ups) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
