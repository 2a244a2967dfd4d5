// Shared helpers for edge tests: fixture paths, bounded waits on conditions (never sleeps for
// ordering), and process bookkeeping so every test kills what it started, by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type t from 'tap';
import { isGone } from '../../daemon/edges/proctree.js';

/** The type of a subtest's `t`. */
export type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'bin');
export const NODE = process.execPath;

export function fixture(name: string, ...args: string[]): string[] {
  return [NODE, path.join(BIN, name), ...args];
}

/** Polls `cond` every few ms until it holds; throws after `timeoutMs`. */
export async function waitFor<T>(cond: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    const v = await cond();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Records pids a test started; `killAll` SIGKILLs each (and its group) and waits until none
 * can run, returning those still alive (the test asserts it is empty). */
export function createReaper(): { track(pid: number | undefined): void; killAll(): Promise<number[]> } {
  const pids = new Set<number>();
  return {
    track(pid) {
      if (pid !== undefined) pids.add(pid);
    },
    async killAll() {
      for (const pid of pids) {
        for (const target of [-pid, pid]) {
          try {
            process.kill(target, 'SIGKILL');
          } catch {
            // gone already
          }
        }
      }
      try {
        await waitFor(() => [...pids].every(isGone), 'tracked processes to die', 5000);
      } catch {
        // reported by the caller through the returned list
      }
      return [...pids].filter((p) => !isGone(p));
    },
  };
}

/** Spawns a fixture directly (not through supd's spawner), in its own group. */
export function startFixture(name: string, args: string[] = []): ChildProcess {
  const [cmd, ...rest] = fixture(name, ...args);
  return spawn(cmd as string, rest, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
}

/** Resolves with the first stdout line matching `re` (its match), rejecting on exit. */
export function lineMatching(child: ChildProcess, re: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (c: Buffer): void => {
      buf += c.toString();
      const m = re.exec(buf);
      if (m) {
        child.stdout?.off('data', onData);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited (${String(code)}) before printing ${String(re)}`)));
  });
}
