// A fake spawner for runtime tests: records every call, hands out pids when the test says so
// (or at once with `auto`), and turns signals into exits the way a plain process would.
import type { SpawnHooks, SpawnRequest, Spawner } from '../../daemon/edges/spawn.js';

export type SpawnerCall =
  | { kind: 'spawn'; req: SpawnRequest }
  | { kind: 'signal'; pid: number; signal: string }
  | { kind: 'killTree'; pid: number };

/** What a signalled process does: exit with this, or null to ignore the signal. */
export type SignalReaction = { code: number | null; signal: string | null } | null;

export interface FakeSpawnerOptions {
  /** Answer every spawn with a pid right away (in a microtask, as the real one never calls back synchronously). */
  auto?: boolean;
  firstPid?: number;
  /** Default: terminating signals end the process with that signal; SIGHUP, SIGUSR1/2, SIGCONT and SIGWINCH do nothing. */
  onSignal?: (unit: string, pid: number, signal: string) => SignalReaction;
}

export interface FakeSpawner extends Spawner {
  readonly calls: SpawnerCall[];
  /** Spawn requests not answered yet, oldest first. */
  readonly pending: SpawnRequest[];
  /** Answers the oldest pending spawn (of `unit`, if given) with a fresh pid, returned. */
  spawned(unit?: string): number;
  /** Answers the oldest pending spawn (of `unit`, if given) with a failure. */
  failSpawn(message: string, unit?: string): void;
  /** Reports that a running process exited. */
  exit(pid: number, code: number | null, signal?: string | null): void;
  /** The running pid of a unit, if any. */
  pidOf(unit: string): number | undefined;
}

type Hooks = Pick<SpawnHooks, 'onSpawned' | 'onSpawnFailed' | 'onExited'>;

const HARMLESS = new Set(['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGCONT', 'SIGWINCH']);

export function createFakeSpawner(hooks: Hooks, opts: FakeSpawnerOptions = {}): FakeSpawner {
  const calls: SpawnerCall[] = [];
  const pending: SpawnRequest[] = [];
  const live = new Map<number, { unit: string; gen: number }>();
  let nextPid = opts.firstPid ?? 10_000;
  const onSignal = opts.onSignal ?? ((_u, _p, signal) => (HARMLESS.has(signal) ? null : { code: null, signal }));

  const take = (unit?: string): SpawnRequest => {
    const i = pending.findIndex((r) => unit === undefined || r.unit === unit);
    if (i < 0) throw new Error(`fake spawner: no pending spawn${unit ? ` for ${unit}` : ''}`);
    return pending.splice(i, 1)[0] as SpawnRequest;
  };

  const fake: FakeSpawner = {
    calls,
    pending,
    spawn(req) {
      calls.push({ kind: 'spawn', req });
      pending.push(req);
      if (opts.auto) queueMicrotask(() => pending.includes(req) && fake.spawned(req.unit));
    },
    signal(pid, signal) {
      calls.push({ kind: 'signal', pid, signal });
      const p = live.get(pid);
      if (!p) return false;
      const reaction = onSignal(p.unit, pid, signal);
      if (reaction) queueMicrotask(() => live.has(pid) && fake.exit(pid, reaction.code, reaction.signal));
      return true;
    },
    killTree(pid) {
      calls.push({ kind: 'killTree', pid });
      if (live.has(pid)) fake.exit(pid, null, 'SIGKILL');
      return Promise.resolve();
    },
    running: () => [...live.keys()],
    spawned(unit) {
      const req = take(unit);
      const pid = nextPid++;
      live.set(pid, { unit: req.unit, gen: req.gen });
      hooks.onSpawned(req.unit, req.gen, pid);
      return pid;
    },
    failSpawn(message, unit) {
      const req = take(unit);
      hooks.onSpawnFailed(req.unit, req.gen, message);
    },
    exit(pid, code, signal = null) {
      const p = live.get(pid);
      if (!p) throw new Error(`fake spawner: pid ${pid} is not running`);
      live.delete(pid);
      hooks.onExited(p.unit, p.gen, pid, code, signal);
    },
    pidOf(unit) {
      for (const [pid, p] of live) if (p.unit === unit) return pid;
      return undefined;
    },
  };
  return fake;
}
