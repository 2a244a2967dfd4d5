// Runs control commands (preStart, stop, safeStop and reload commands as the unit; lb hooks as
// supd) with a timeout that kills the command's whole tree, keeping the last 4 KB of output; and
// the safeStop `http` POST.
import { spawn } from 'node:child_process';
import { httpRequest } from './http.js';
import { groupEmpty, killTree, signalGroup } from './proctree.js';
import { prepareLaunch, type LaunchOptions, type RunAs } from './runas.js';

export interface CommandOptions {
  timeoutMs: number;
  /** Who runs it, where, with what environment (runas.ts). */
  as: RunAs;
  launch?: LaunchOptions;
}

export interface CommandResult {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The last 4 KB of stdout and stderr, as written (or `error` when it could not run). */
  output: string;
  /** Why the command could not run at all (not found, bad cwd), else null. */
  error: string | null;
}

export interface HttpResult {
  ok: boolean;
  status: number | null;
  message: string;
}

export interface CommandRunner {
  runCommand(argv: string[], opts: CommandOptions): Promise<CommandResult>;
  postHttp(url: string, timeoutMs: number): Promise<HttpResult>;
}

export function createCommandRunner(): CommandRunner {
  return { runCommand, postHttp };
}

const OUTPUT_MAX = 4096;

/** Never rejects. The command leads its own process group; when it exits, or at the timeout,
 * whatever it left running is killed too, so a hook cannot leave strays behind. */
export function runCommand(argv: string[], opts: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    // A command that could not run says why in its output too, where callers already look.
    const done = (r: Omit<CommandResult, 'output'>): void => resolve({ ...r, output: r.error ?? out.text() });
    const out = createTailBuffer(OUTPUT_MAX);
    const cmd = argv[0] ?? '';
    const launch = prepareLaunch(argv, opts.as, opts.launch);
    if (typeof launch === 'string') return done({ code: null, signal: null, timedOut: false, error: launch });
    let child;
    try {
      child = spawn(launch.file, launch.args, {
        env: launch.env,
        ...(launch.cwd !== undefined ? { cwd: launch.cwd } : {}),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      return done({ code: null, signal: null, timedOut: false, error: (e as Error).message });
    }
    const pid = child.pid;
    if (pid === undefined) {
      child.once('error', (e: NodeJS.ErrnoException) =>
        done({ code: null, signal: null, timedOut: false, error: e.code === 'ENOENT' ? `command not found: ${cmd}` : e.message }),
      );
      return;
    }
    child.on('error', () => {}); // later errors (a failed kill) change nothing here
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => out.push(c));
    let timedOut = false;
    let exit: { code: number | null; signal: string | null } | null = null;
    let closed = false;
    // Leftovers killed at the command's exit must be gone before the command counts as done.
    let leftovers: Promise<unknown> | null = null;
    const finish = (): void => {
      if (!exit || !closed) return;
      const result = { ...exit, timedOut, error: null };
      if (leftovers === null) done(result);
      else void leftovers.then(() => done(result));
    };
    const timer = setTimeout(() => {
      timedOut = true;
      void killTree(pid);
    }, opts.timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      exit = { code, signal };
      // Leftovers would hold the pipes open (and outlive the hook); they go with the command.
      if (!groupEmpty(pid)) {
        signalGroup(pid, 'SIGKILL');
        leftovers = killTree(pid);
      }
      finish();
    });
    // 'close' comes once the pipes are drained, so the output is complete.
    child.once('close', () => {
      closed = true;
      finish();
    });
  });
}

/** POSTs an empty body; 2xx is ok. Never rejects. */
export async function postHttp(url: string, timeoutMs: number): Promise<HttpResult> {
  const r = await httpRequest('POST', url, timeoutMs);
  return { ok: r.status !== null && r.status >= 200 && r.status < 300, status: r.status, message: r.message };
}

/** Keeps only the last `max` bytes of what is pushed, without copying on every push. */
export function createTailBuffer(max: number): { push(b: Buffer): void; text(): string } {
  let chunks: Buffer[] = [];
  let size = 0;
  return {
    push(b) {
      chunks.push(b);
      size += b.length;
      while (chunks.length > 1 && size - (chunks[0] as Buffer).length >= max) size -= (chunks.shift() as Buffer).length;
    },
    text() {
      const all = Buffer.concat(chunks, size);
      chunks = [all];
      return all.subarray(Math.max(0, all.length - max)).toString('utf8');
    },
  };
}
