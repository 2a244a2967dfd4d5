// Watches absolute globs (unit files, masters' metadata) with chokidar, which has no globs of its
// own since v4: each glob's static base directory is watched and events are filtered with
// picomatch. Raw add/change/unlink paths are reported; debouncing is the core's job.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import picomatch from 'picomatch';

export interface GlobWatch {
  /** Resolves once the initial scan is done: changes after it are reported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface WatchOptions {
  onError?: (message: string) => void;
}

/** Paths that change within one turn of the event loop are reported together. */
export function watchGlobs(globs: string[], onChange: (paths: string[]) => void, opts: WatchOptions = {}): GlobWatch {
  const matchers: ((p: string) => boolean)[] = [];
  const bases = new Map<string, number | undefined>(); // base dir -> depth (undefined: unlimited)
  for (const glob of globs) {
    const { base, depth } = nearestExisting(staticBase(glob));
    matchers.push(picomatch(glob, { dot: true }));
    if (!bases.has(base)) bases.set(base, depth);
    else {
      const prev = bases.get(base);
      bases.set(base, prev === undefined || depth === undefined ? undefined : Math.max(prev, depth));
    }
  }
  const watchers: FSWatcher[] = [];
  let pending = new Set<string>();
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const paths = [...pending];
    pending = new Set();
    try {
      onChange(paths);
    } catch (e) {
      opts.onError?.(`watch callback: ${(e as Error).message}`);
    }
  };
  const onEvent = (p: string): void => {
    const abs = path.resolve(p);
    if (!matchers.some((m) => m(abs))) return;
    pending.add(abs);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  for (const [base, depth] of bases) {
    // persistent: false leaves each fs.watch handle unreferenced. chokidar 5 can drop a handle it
    // created while close() ran during a new directory's set-up, and a referenced one then kept its
    // process alive (seen as a test file held until tap's timeout). supd is held by its servers and
    // children, never by its watches; on Linux fs.watch reports errors at creation only, which
    // chokidar still catches in this mode. chokidar 6 needs Node >= 22.22.
    const w = watch(base, { ignoreInitial: true, persistent: false, ...(depth === undefined ? {} : { depth }) });
    w.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
    w.on('error', (e) => opts.onError?.(`watching ${base}: ${(e as Error).message}`));
    watchers.push(w);
  }
  return {
    ready: Promise.all(watchers.map((w) => new Promise<void>((r) => w.once('ready', () => r())))).then(() => {}),
    async close() {
      await Promise.all(watchers.map((w) => w.close()));
    },
  };
}

/** chokidar misses files under a directory that does not exist yet, so the nearest existing
 * ancestor is watched instead, deep enough to see the missing levels appear. */
function nearestExisting(w: { base: string; depth: number | undefined }): { base: string; depth: number | undefined } {
  let { base, depth } = w;
  while (!existsSync(base) && path.dirname(base) !== base) {
    base = path.dirname(base);
    if (depth !== undefined) depth++;
  }
  return { base, depth };
}

/** The directory to watch for a glob, and how deep below it matches can lie (chokidar's
 * `depth` counts levels below the watched directory; a `**` needs them all). */
export function staticBase(glob: string): { base: string; depth: number | undefined } {
  const scan = picomatch.scan(glob);
  if (!scan.isGlob) return { base: path.dirname(glob), depth: 0 };
  const base = scan.base === '' ? '/' : scan.base;
  if (scan.glob.includes('**')) return { base, depth: undefined };
  return { base, depth: scan.glob.split('/').length - 1 };
}
