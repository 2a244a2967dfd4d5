import t from 'tap';
import { createClock, type ClockTimers } from '../../daemon/edges/clock.js';

/** Hand-driven time: `advance` runs the timers that come due, in order. */
function manualTimers(start = 1_000_000) {
  let now = start;
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: ClockTimers & { advance(ms: number): void; count(): number } = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      pending.set(id, { at: now + ms, fn });
      return { id } as { unref?(): unknown };
    },
    clearTimeout(h) {
      pending.delete((h as unknown as { id: number }).id);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...pending.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!next || next[1].at > end) break;
        pending.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].fn();
      }
      now = end;
    },
    count: () => pending.size,
  };
  return timers;
}

t.test('wakes once at the due time, with a now not before it', async (t) => {
  const timers = manualTimers();
  const wakes: number[] = [];
  const clock = createClock((now) => wakes.push(now), { timers });
  const due = clock.now() + 500;
  clock.wakeAt(due);
  timers.advance(499);
  t.same(wakes, []);
  timers.advance(1);
  t.same(wakes, [due]);
  timers.advance(10_000);
  t.same(wakes, [due], 'one wake per request');
});

t.test('an earlier due replaces the pending wake; a later one keeps it', async (t) => {
  const timers = manualTimers();
  const wakes: number[] = [];
  const clock = createClock((now) => wakes.push(now), { timers });
  const base = clock.now();
  clock.wakeAt(base + 1000);
  clock.wakeAt(base + 200);
  clock.wakeAt(base + 5000);
  t.equal(timers.count(), 1, 'one timer, however many requests');
  timers.advance(200);
  t.same(wakes, [base + 200]);
  timers.advance(10_000);
  t.same(wakes, [base + 200], 'the replaced and the later requests do not fire on their own');
});

t.test('null cancels the pending wake', async (t) => {
  const timers = manualTimers();
  const wakes: number[] = [];
  const clock = createClock((now) => wakes.push(now), { timers });
  clock.wakeAt(clock.now() + 100);
  clock.wakeAt(null);
  timers.advance(1000);
  t.same(wakes, []);
  t.equal(timers.count(), 0);
});

t.test('a due beyond what setTimeout can hold is reached in steps', async (t) => {
  const timers = manualTimers();
  const wakes: number[] = [];
  const clock = createClock((now) => wakes.push(now), { timers });
  const due = clock.now() + 40 * 24 * 3600 * 1000; // 40 days
  clock.wakeAt(due);
  timers.advance(2 ** 31 - 1);
  t.same(wakes, [], 'not woken at the first step');
  timers.advance(due);
  t.same(wakes, [due]);
});

t.test('a throwing callback does not stop later wakes, and each exception is reported', async (t) => {
  const timers = manualTimers();
  let calls = 0;
  const errors: unknown[] = [];
  const clock = createClock(() => {
    calls++;
    throw new Error('core bug');
  }, { timers, onError: (e) => errors.push(e) });
  clock.wakeAt(clock.now() + 10);
  timers.advance(10);
  clock.wakeAt(clock.now() + 10);
  timers.advance(10);
  t.equal(calls, 2);
  t.match(errors, [{ message: 'core bug' }, { message: 'core bug' }]);
});

t.test('the real clock wakes with real timers', async (t) => {
  const clock = createClock(() => {}, {});
  const woke = new Promise<number>((resolve) => {
    const c = createClock(resolve, { ref: true });
    c.wakeAt(c.now() + 5);
  });
  const due = clock.now() + 5;
  t.ok((await woke) >= due - 1);
  clock.stop();
});

t.test('an exception thrown by the core on a wake-up is reported, and the clock keeps waking', async (t) => {
  const errors: unknown[] = [];
  let wakes = 0;
  const clock = createClock(() => {
    wakes++;
    if (wakes === 1) throw new Error('core broke');
  }, { onError: (e) => errors.push(e) });
  t.teardown(() => clock.stop());
  clock.wakeAt(Date.now());
  await new Promise((r) => setTimeout(r, 30));
  clock.wakeAt(Date.now());
  await new Promise((r) => setTimeout(r, 30));
  t.equal(wakes, 2, 'woken again after the exception');
  t.match(errors, [{ message: 'core broke' }]);
});
