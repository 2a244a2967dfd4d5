// Reads the unit files in a short-lived child process (unit-loader-child.ts) and hands back its
// LoadResult. The unit-file toolchain (yaml, the compiled schema's 300 kB of validators, the
// resolver) then never lives in the daemon's heap between reloads, and a parser that blows its
// stack or its heap on a hostile file takes down only the child: the reload is refused with a
// diagnostic and the running units are untouched.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DiagnosticCodes } from '../../units/diagnostics.js';
import { killChildren } from './proctree.js';
import type { Diagnostic, LoadResult } from '../../units/types.js';

export interface UnitLoaderOptions {
  /** The child's whole run, reading included (hostile files are refused well within it). */
  timeoutMs?: number;
  /** Node flags for the child; by default the daemon's own, minus profilers and inspectors. */
  execArgv?: string[];
}

export interface UnitLoader {
  load(dir: string, host: string): Promise<LoadResult>;
  /** Kills a load still running (supd is shutting down) and resolves once it has exited; its
   * caller gets an error diagnostic. */
  close(): Promise<void>;
}

const STDERR_MAX = 2048;

// The child is this module's sibling, in whichever form this module runs (built .js, or .ts
// through tsx in the tests, whose loader then comes along in execArgv).
const childFile = fileURLToPath(new URL(`./unit-loader-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

// Profilers and inspectors stay with the daemon; so does its small young generation, which would
// only slow a short-lived parser of up to 16 MB of files. In execArgv a word that is not a flag is
// the value of the flag before it (`--cpu-prof-dir DIR`), and goes with it.
const DAEMON_ONLY = /^--(cpu-prof|heap-prof|prof|inspect|debug|max-semi-space-size)/;

/** The daemon's Node flags a loader child runs with. */
export function childFlags(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  let dropping = false;
  for (const a of execArgv) {
    if (a.startsWith('-')) dropping = DAEMON_ONLY.test(a);
    if (!dropping) kept.push(a);
  }
  return kept;
}

export function createUnitLoader(opts: UnitLoaderOptions = {}): UnitLoader {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const execArgv = opts.execArgv ?? childFlags(process.execArgv);
  const running = new Set<ChildProcess>();
  return {
    close: () => killChildren(running),
    load: (dir, host) =>
      new Promise((resolve) => {
        const failed = (why: string): void => resolve({ units: [], diagnostics: [loaderError(dir, why)] });
        let child;
        try {
          child = spawn(process.execPath, [...execArgv, childFile, dir, host], {
            stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
            serialization: 'advanced',
          });
        } catch (e) {
          failed(`cannot start the unit loader: ${(e as Error).message}`);
          return;
        }
        running.add(child);
        let result: LoadResult | null = null;
        let stderr = '';
        let settled = false;
        const timer = setTimeout(() => {
          if (child.pid !== undefined) child.kill('SIGKILL');
          finish(`the unit loader took longer than ${timeoutMs / 1000} s`);
        }, timeoutMs);
        const finish = (why: string | null): void => {
          if (settled) return;
          settled = true;
          running.delete(child);
          clearTimeout(timer);
          if (result !== null) resolve(result);
          else failed(why ?? 'the unit loader ended without a result');
        };
        child.stderr?.setEncoding('utf8');
        child.stderr?.on('data', (s: string) => {
          stderr = (stderr + s).slice(-STDERR_MAX);
        });
        child.on('message', (m) => {
          if (isLoadResult(m)) result = m;
        });
        child.on('error', (e) => finish(`cannot run the unit loader: ${e.message}`));
        // 'close', not 'exit': the message and stderr are both in by then.
        child.on('close', (code, signal) => {
          const last = stderr.trim().split('\n').slice(-3).join(' | ');
          finish(`the unit loader ${signal !== null ? `was killed by ${signal}` : `exited with code ${code}`}${last === '' ? '' : `: ${last}`}`);
        });
      }),
  };
}

function loaderError(dir: string, why: string): Diagnostic {
  return { severity: 'error', code: DiagnosticCodes.read, message: `cannot load the unit files in ${dir}: ${why}` };
}

function isLoadResult(m: unknown): m is LoadResult {
  return typeof m === 'object' && m !== null && Array.isArray((m as LoadResult).units) && Array.isArray((m as LoadResult).diagnostics);
}
