// One full garbage collection once supd has been quiet for a while after a burst of work
// (startup, `start all` of 500 units, a reload). V8 leaves the old-space garbage such a burst
// makes until the heap grows enough to collect it, and an idle supd never allocates that much:
// at N=500 sleep units that was ~8 MB of heap and ~5 MB of PSS kept for nothing (heap used
// 30 → 22 MB, PSS 52.4 → 47.5 MB after one collection). `gc` exists only when node runs with
// --expose-gc, as supd's launcher line asks; without it (plain `node dist/daemon/main.js`) this
// does nothing.

/** Milliseconds without a unit event before the collection runs. */
export const QUIET_MS = 2000;

export interface Settler {
  /** Something happened: (re)start the quiet period. Cheap: a timer refresh. */
  poke(): void;
  close(): void;
}

export function collectWhenQuiet(gc: (() => void) | undefined, quietMs = QUIET_MS): Settler {
  let timer: NodeJS.Timeout | null = null;
  return {
    poke() {
      if (gc === undefined) return;
      if (timer !== null) {
        timer.refresh();
        return;
      }
      timer = setTimeout(() => {
        timer = null;
        gc();
      }, quietMs);
      // Never what keeps supd alive.
      timer.unref();
    },
    close() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
