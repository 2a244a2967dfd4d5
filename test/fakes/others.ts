// Fakes for the small edges: probes, commands, net, stats and the glob watcher. Each records
// its calls and answers from a script the test sets (defaults: everything passes, at once).
import picomatch from 'picomatch';
import type { CommandOptions, CommandResult, CommandRunner, HttpResult } from '../../daemon/edges/commands.js';
import type { Net } from '../../daemon/edges/net.js';
import type { ProbeResult, Prober } from '../../daemon/edges/probes.js';
import type { RunAs } from '../../daemon/edges/runas.js';
import type { ProcStats, Stats } from '../../daemon/edges/stats.js';
import type { GlobWatch } from '../../daemon/edges/watch.js';
import type { Check, Requirement } from '../../units/types.js';

type Answer<T> = T | Promise<T>;

export interface FakeProber extends Prober {
  readonly calls: ({ kind: 'check'; check: Check; timeoutMs: number; as: RunAs | undefined } | { kind: 'requirement'; req: Requirement })[];
  /** How checks answer; replace to script failures or to hold a promise open. */
  answer: (c: Check) => Answer<ProbeResult>;
  answerRequirement: (r: Requirement) => Answer<ProbeResult>;
}

export function createFakeProber(): FakeProber {
  const fake: FakeProber = {
    calls: [],
    answer: () => ({ ok: true, message: 'ok' }),
    answerRequirement: () => ({ ok: true, message: 'ok' }),
    async check(check, timeoutMs, as) {
      fake.calls.push({ kind: 'check', check, timeoutMs, as });
      return fake.answer(check);
    },
    async checkRequirement(req) {
      fake.calls.push({ kind: 'requirement', req });
      return fake.answerRequirement(req);
    },
  };
  return fake;
}

export interface FakeCommandRunner extends CommandRunner {
  readonly runs: { argv: string[]; opts: CommandOptions }[];
  readonly posts: { url: string; timeoutMs: number }[];
  answer: (argv: string[]) => Answer<CommandResult>;
  answerPost: (url: string) => Answer<HttpResult>;
}

export const COMMAND_OK: CommandResult = { code: 0, signal: null, timedOut: false, output: '', error: null };

export function createFakeCommandRunner(): FakeCommandRunner {
  const fake: FakeCommandRunner = {
    runs: [],
    posts: [],
    answer: () => COMMAND_OK,
    answerPost: (url) => ({ ok: true, status: 200, message: `POST ${url}: 200` }),
    async runCommand(argv, opts) {
      fake.runs.push({ argv, opts });
      return fake.answer(argv);
    },
    async postHttp(url, timeoutMs) {
      fake.posts.push({ url, timeoutMs });
      return fake.answerPost(url);
    },
  };
  return fake;
}

export interface FakeNet extends Net {
  readonly listening: Set<number>;
  /** Established connections per local port. */
  readonly connections: Map<number, number>;
}

export function createFakeNet(): FakeNet {
  const listening = new Set<number>();
  const connections = new Map<number, number>();
  return {
    listening,
    connections,
    listeningPorts: async () => new Set(listening),
    isPortFree: async (port) => !listening.has(port),
    establishedCount: async (ports) => ports.reduce((n, p) => n + (connections.get(p) ?? 0), 0),
  };
}

export interface FakeStats extends Stats {
  readonly values: Map<number, ProcStats>;
  readonly samples: number[][];
}

export function createFakeStats(): FakeStats {
  const values = new Map<number, ProcStats>();
  const samples: number[][] = [];
  return {
    values,
    samples,
    sampleNow(pids) {
      samples.push([...pids]);
      const out = new Map<number, ProcStats>();
      for (const pid of pids) {
        const v = values.get(pid);
        if (v) out.set(pid, v);
      }
      return out;
    },
  };
}

export interface FakeWatcher {
  /** Same signature as watch.ts's watchGlobs. */
  watchGlobs(globs: string[], onChange: (paths: string[]) => void): GlobWatch;
  /** Globs currently watched, one array per open watch. */
  open(): string[][];
  /** Reports to each open watch the paths that match one of its globs. */
  change(paths: string[]): void;
}

export function createFakeWatcher(): FakeWatcher {
  const watches = new Set<{ globs: string[]; match: (p: string) => boolean; onChange: (paths: string[]) => void }>();
  return {
    watchGlobs(globs, onChange) {
      const w = { globs, match: picomatch(globs, { dot: true }), onChange };
      watches.add(w);
      return { ready: Promise.resolve(), close: async () => void watches.delete(w) };
    },
    open: () => [...watches].map((w) => w.globs),
    change(paths) {
      for (const w of watches) {
        const mine = paths.filter((p) => w.match(p));
        if (mine.length > 0) w.onChange(mine);
      }
    },
  };
}
