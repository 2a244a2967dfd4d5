// Spawns units' main processes, each leading its own process group and session, with stdout
// and stderr captured by the log store; reports spawned, spawn failures and exits. When a main
// process exits, what is left of its group is SIGKILLed before the exit is reported, so a
// respawn never runs beside a leftover (systemd's KillMode=control-group, by process group).
import { spawn as spawnChild, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { formatMs } from '../../units/duration.js';
import type { PreStartSpec } from '../../units/types.js';
import { runCommand } from './commands.js';
import { resolveIds, type IdFiles } from './ids.js';
import type { LogStore } from './logs.js';
import { createNet, type Net } from './net.js';
import { groupEmpty, killTree, signalGroup, signalPid } from './proctree.js';
import { prepareLaunch, type LaunchOptions, type RunAs } from './runas.js';

export interface SpawnRequest {
  unit: string;
  /** The spawn generation, echoed back so the core can ignore stale reports. */
  gen: number;
  argv: string[];
  /** User, groups, env, cwd, umask and limits (see runas.ts). */
  as: RunAs;
  /** Run in order before the spawn, as the unit; the first failure fails the spawn. */
  preStart: readonly PreStartSpec[];
  /** Ports that must have no listener before the spawn. */
  ports: number[];
  portWaitMs: number;
}

export interface SpawnHooks {
  onSpawned(unit: string, gen: number, pid: number): void;
  onSpawnFailed(unit: string, gen: number, message: string): void;
  onExited(unit: string, gen: number, pid: number, code: number | null, signal: string | null): void;
  /** Something worth logging that changes no state (a leftover that outlived SIGKILL); `pids`
   * lists the leftovers, so they can be counted. */
  onWarning?(unit: string, message: string, leftovers?: number[]): void;
}

export interface Spawner {
  /** Never throws and never calls a hook synchronously. */
  spawn(req: SpawnRequest): void;
  /** To the process group -pid, else to pid (`main`: to pid alone); false when neither exists. */
  signal(pid: number, signal: NodeJS.Signals, whom?: 'group' | 'main'): boolean;
  /** SIGKILLs the group, the session and every descendant; resolves when none can run. */
  killTree(pid: number): Promise<void>;
  /** Main processes whose exit has not been reported yet. */
  running(): number[];
}

export interface SpawnerOptions {
  net?: Net;
  /** Defaults to whether supd runs as root. */
  honourIds?: boolean;
  idFiles?: IdFiles;
  /** How often a waiting spawn re-reads the listening ports. */
  portPollMs?: number;
  /** How long leftovers get to die after SIGKILL before the exit is reported anyway. */
  leftoverTimeoutMs?: number;
}

type LogSink = Pick<LogStore, 'attach'>;

export function createSpawner(hooks: SpawnHooks, logs: LogSink, opts: SpawnerOptions = {}): Spawner {
  const net = opts.net ?? createNet();
  const launchOpts: LaunchOptions = {
    honourIds: opts.honourIds ?? process.getuid?.() === 0,
    ...(opts.idFiles ? { idFiles: opts.idFiles } : {}),
  };
  const live = new Map<number, string>();
  const ports = createPortGate(net, opts.portPollMs ?? 20);
  const leftoverTimeoutMs = opts.leftoverTimeoutMs ?? 5000;
  // Units told once (per supd) that their user/group is not applied.
  const notSwitched = new Set<string>();

  const call = (unit: string, what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      warn(unit, `${what} hook threw: ${(e as Error).message}`);
    }
  };
  const warn = (unit: string, message: string, leftovers?: number[]): void => {
    try {
      hooks.onWarning?.(unit, message, leftovers);
    } catch {
      // nothing sensible left to do
    }
  };
  // Reported on the next tick: a spawn runs inside the caller's dispatch, its hooks never do.
  const fail = (req: SpawnRequest, message: string): void =>
    process.nextTick(() => call(req.unit, 'onSpawnFailed', () => hooks.onSpawnFailed(req.unit, req.gen, message)));

  function launch(req: SpawnRequest): void {
    if (req.preStart.length === 0) return startSafely(req);
    void preStart(req, launchOpts).then((failure) => (failure === null ? startSafely(req) : fail(req, failure)));
  }

  function startSafely(req: SpawnRequest): void {
    try {
      start(req);
    } catch (e) {
      fail(req, `cannot spawn: ${(e as Error).message}`);
    }
  }

  function start(req: SpawnRequest): void {
    const prepared = prepareLaunch(req.argv, req.as, launchOpts);
    if (typeof prepared === 'string') return fail(req, prepared);
    if (!launchOpts.honourIds && !notSwitched.has(req.unit)) {
      const why = idsNotApplied(req.as, opts.idFiles);
      if (why !== null) {
        notSwitched.add(req.unit);
        warn(req.unit, why);
      }
    }
    const options: SpawnOptions = { env: prepared.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] };
    if (prepared.cwd !== undefined) options.cwd = prepared.cwd;
    let child;
    try {
      child = spawnChild(prepared.file, prepared.args, options);
    } catch (e) {
      return fail(req, describeSpawnError(req, e));
    }
    const pid = child.pid;
    if (pid === undefined) {
      // Node reports the reason (ENOENT, EACCES, …) in the 'error' event that follows.
      child.once('error', (e) => fail(req, describeSpawnError(req, e)));
      return;
    }
    live.set(pid, req.unit);
    child.on('error', (e) => warn(req.unit, `process ${pid}: ${e.message}`));
    const streams = [child.stdout, child.stderr].filter((s) => s !== null);
    try {
      logs.attach(req.unit, ...streams);
    } catch (e) {
      warn(req.unit, `output not captured: ${(e as Error).message}`);
      for (const s of streams) s.resume(); // unread, a full pipe would block the child
    }
    child.once('spawn', () => call(req.unit, 'onSpawned', () => hooks.onSpawned(req.unit, req.gen, pid)));
    child.once('exit', (code, signal) => {
      const report = (): void => {
        live.delete(pid);
        call(req.unit, 'onExited', () => hooks.onExited(req.unit, req.gen, pid, code, signal));
      };
      // The common case costs one kill(-pid, 0): nothing left, report at once.
      if (groupEmpty(pid)) return report();
      signalGroup(pid, 'SIGKILL');
      killTree(pid, leftoverTimeoutMs).then(
        (left) => {
          if (left.length > 0) warn(req.unit, `processes ${left.join(', ')} survived SIGKILL after ${pid} exited`, left);
          report();
        },
        (e: unknown) => {
          warn(req.unit, `cleaning up after ${pid}: ${(e as Error).message}`);
          report();
        },
      );
    });
  }

  return {
    spawn(req) {
      if (req.ports.length === 0) {
        // At once, not on a later tick: a restart's fork then comes before the transition's
        // log line and journal record (hooks still run later: 'spawn' is an event, and a
        // failure is reported on the next tick).
        launch(req);
        return;
      }
      ports.whenFree(req.ports, req.portWaitMs, (busy) => {
        if (busy === null) launch(req);
        else fail(req, `port ${busy} still in use after ${formatMs(req.portWaitMs)}`);
      });
    },
    signal: (pid, signal, whom = 'group') => (whom === 'main' ? signalPid(pid, signal) : signalGroup(pid, signal)),
    async killTree(pid) {
      const left = await killTree(pid);
      if (left.length > 0) warn(live.get(pid) ?? String(pid), `processes ${left.join(', ')} survived SIGKILL`, left);
    },
    running: () => [...live.keys()],
  };
}

/** Runs the unit's preStart commands in order, as the unit: null when all exited 0, else why
 * the start failed, with the failing command's last output. */
async function preStart(req: SpawnRequest, launch: LaunchOptions): Promise<string | null> {
  for (const [i, step] of req.preStart.entries()) {
    const r = await runCommand(step.argv, { timeoutMs: step.timeout, as: req.as, launch });
    if (r.code === 0 && !r.timedOut) continue;
    const what = `preStart[${i}] (${step.argv.join(' ')})`;
    if (r.error !== null) return `${what}: ${r.error}`;
    const how = r.timedOut ? `timed out after ${formatMs(step.timeout)}` : r.signal !== null ? `killed by ${r.signal}` : `exited with code ${r.code}`;
    const out = r.output.trim();
    return `${what} ${how}${out === '' ? '' : `: ${out.split('\n').slice(-5).join(' | ').slice(0, 500)}`}`;
  }
  return null;
}

/** Why a unit's `user`/`group` is not what it runs as, when supd cannot switch (not root: the
 * spec honours them only then), or null when they name supd's own ids anyway. */
function idsNotApplied(as: RunAs, files: IdFiles | undefined): string | null {
  if (as.user === null && as.group === null) return null;
  const what = [as.user !== null ? `user ${as.user}` : null, as.group !== null ? `group ${as.group}` : null].filter((w) => w !== null).join(' and ');
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  try {
    const ids = resolveIds(as.user, as.group, files);
    if ((ids.uid === null || ids.uid === uid) && (ids.gid === null || ids.gid === gid || (as.group === null && ids.uid === uid))) return null;
  } catch {
    // an unknown user is not applied either
  }
  return `${what} not applied: supd is not running as root (uid ${uid}), so the unit runs as supd's own user; run supd as root for user and group`;
}

function describeSpawnError(req: SpawnRequest, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const cmd = req.argv[0] ?? '';
  const cwd = req.as.cwd;
  if (cwd !== null && (err.code === 'ENOENT' || err.code === 'ENOTDIR') && !existsSync(cwd)) {
    return `cwd ${cwd} does not exist`;
  }
  if (err.code === 'ENOENT') return `command not found: ${cmd}`;
  if (err.code === 'EACCES') return `permission denied: ${cmd}`;
  return `cannot spawn ${cmd}: ${err.message}`;
}

/** One poller for every spawn waiting on its ports: however many units restart at once, the
 * port tables are read once per tick. `done(null)` when all are free, else the busy port. */
function createPortGate(net: Net, pollMs: number) {
  interface Wait {
    ports: number[];
    deadline: number;
    done: (busy: number | null) => void;
  }
  const waits = new Set<Wait>();
  let checking = false;
  let again = false;
  let timer: NodeJS.Timeout | null = null;

  async function check(): Promise<void> {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    timer = null;
    let listening: Set<number> | null = null;
    try {
      listening = await net.listeningPorts();
    } catch {
      // An unreadable table tells nothing; the deadline still bounds the wait.
    }
    const now = Date.now();
    for (const w of [...waits]) {
      const busy = listening === null ? w.ports[0] : w.ports.find((p) => listening.has(p));
      if (busy === undefined) {
        waits.delete(w);
        w.done(null);
      } else if (now >= w.deadline) {
        waits.delete(w);
        w.done(busy);
      }
    }
    checking = false;
    if (again) {
      again = false;
      void check();
    } else if (waits.size > 0 && timer === null) {
      timer = setTimeout(() => void check(), pollMs);
    }
  }

  return {
    whenFree(ports: number[], waitMs: number, done: (busy: number | null) => void): void {
      waits.add({ ports, deadline: Date.now() + waitMs, done });
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      void check();
    },
  };
}
