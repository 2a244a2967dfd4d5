// A hand-driven clock: time moves only when the test calls advance(), and the pending wake-up
// fires (repeatedly, in order, if the callback asks for more) as time passes it.
import type { Clock } from '../../daemon/edges/clock.js';

export interface FakeClock extends Clock {
  /** Moves time forward, firing every wake-up that falls due on the way. */
  advance(ms: number): void;
  /** Moves time to the pending wake-up and fires it; false when none is pending. */
  fireNext(): boolean;
  /** The pending wake-up, or null. */
  due(): number | null;
  /** Every `now` passed to onWake, in order. */
  readonly wakes: number[];
}

export function createFakeClock(onWake: (now: number) => void, start = Date.UTC(2030, 0, 1)): FakeClock {
  let now = start;
  let pending: number | null = null;
  let stopped = false;
  const wakes: number[] = [];
  const fire = (): void => {
    const due = pending as number;
    pending = null;
    now = Math.max(now, due);
    wakes.push(now);
    onWake(now);
  };
  return {
    wakes,
    now: () => now,
    wakeAt(due) {
      if (stopped) return;
      // As the real clock: an earlier pending wake-up is kept, null cancels.
      if (due === null) pending = null;
      else if (pending === null || due < pending) pending = due;
    },
    stop() {
      stopped = true;
      pending = null;
    },
    advance(ms) {
      const target = now + ms;
      while (pending !== null && pending <= target) fire();
      now = Math.max(now, target);
    },
    fireNext() {
      if (pending === null) return false;
      fire();
      return true;
    },
    due: () => pending,
  };
}
