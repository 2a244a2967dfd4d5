// Wall-clock time and the daemon's single wake-up timer: the core keeps every deadline as data
// and tells the clock only the earliest one, so thousands of units cost one setTimeout.
export interface Clock {
  now(): number;
  /** Ensures a wake-up no later than `due` (ms since the epoch): an earlier pending one is
   * kept (waking early is harmless: the core finds nothing due and asks again), a later one
   * is replaced. null cancels the pending wake-up. */
  wakeAt(due: number | null): void;
  /** Cancels the timer for good (shutdown). */
  stop(): void;
}

export interface ClockOptions {
  /** Keep the event loop alive while a wake-up is pending (default false: the daemon's
   * sockets and children keep it alive; tests then exit without stopping the clock). */
  ref?: boolean;
  /** Injected time and timers, for tests. */
  timers?: ClockTimers;
  /** An exception thrown by `onWake` (the core): reported here, and the clock keeps ticking. */
  onError?: (err: unknown) => void;
}

export interface ClockTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): { unref?(): unknown };
  clearTimeout(handle: { unref?(): unknown }): void;
}

const realTimers: ClockTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

// setTimeout treats anything above 2^31-1 ms as 1 ms; longer waits are made in steps.
const MAX_DELAY = 2 ** 31 - 1;

export function createClock(onWake: (now: number) => void, opts: ClockOptions = {}): Clock {
  const timers = opts.timers ?? realTimers;
  let timer: { unref?(): unknown } | null = null;
  let armedFor: number | null = null;
  let stopped = false;
  const now = (): number => timers.now();

  const arm = (due: number): void => {
    if (timer !== null) timers.clearTimeout(timer);
    armedFor = due;
    timer = timers.setTimeout(fire, Math.min(Math.max(0, due - now()), MAX_DELAY));
    if (opts.ref !== true) timer.unref?.();
  };

  function fire(): void {
    timer = null;
    const due = armedFor;
    armedFor = null;
    if (due === null || stopped) return;
    const t = now();
    if (t < due && due - t > 1) {
      // Woken early: a long wait made in steps (timers and the wall clock also drift a little).
      arm(due);
      return;
    }
    try {
      // Never earlier than the deadline, so the core finds its timer due.
      onWake(Math.max(t, due));
    } catch (err) {
      // Reported, never swallowed; the clock must keep ticking all the same.
      if (opts.onError !== undefined) opts.onError(err);
      else queueMicrotask(() => {
        throw err;
      });
    }
  }

  return {
    now,
    wakeAt(due) {
      if (stopped) return;
      if (due === null) {
        if (timer !== null) timers.clearTimeout(timer);
        timer = null;
        armedFor = null;
        return;
      }
      if (timer !== null && armedFor !== null && armedFor <= due) return;
      arm(due);
    },
    stop() {
      stopped = true;
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
      armedFor = null;
    },
  };
}
