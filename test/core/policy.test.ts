// The restart policy: exponential backoff, burst within a window, and the reset after a healthy run.
import t from 'tap';
import { afterExit, backoffDelay, type Decision, type History } from '../../daemon/core/policy.js';
import type { RestartSpec } from '../../units/types.js';
import { unitSpec } from './helpers.js';

const spec = (o: Partial<RestartSpec> = {}): RestartSpec => unitSpec('u', { restart: o }).restart;
const crash = { code: 1, signal: null, failure: false };
const fresh: History = { crashes: [], attempt: 0, readySince: null };

/** Feeds crashes at the given times through the policy, carrying the history as the machine does. */
function crashAt(restart: RestartSpec, times: number[], readyFor: number | null = null): Decision[] {
  let h: History = fresh;
  const out: Decision[] = [];
  for (const now of times) {
    const d = afterExit({ ...h, readySince: readyFor === null ? null : now - readyFor }, restart, crash, now);
    out.push(d);
    if (d.kind !== 'stay-down') h = { ...h, crashes: d.crashes, attempt: d.kind === 'restart' ? d.attempt : h.attempt };
  }
  return out;
}

t.test('the delay is min(delay × 2^(attempt−1), maxDelay)', async (t) => {
  const r = spec({ delay: 1000, maxDelay: 10_000 });
  t.same([1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(r, n)), [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
});

t.test('successive crashes wait longer and longer', async (t) => {
  const ds = crashAt(spec({ delay: 500, maxDelay: 3000, burst: 10, window: 60_000 }), [0, 1000, 2000, 3000, 4000]);
  t.same(ds.map((d) => (d.kind === 'restart' ? d.delay : d.kind)), [500, 1000, 2000, 3000, 3000]);
});

t.test('delay 0 restarts at once, however many attempts', async (t) => {
  const ds = crashAt(spec({ delay: 0, burst: 10 }), [0, 1, 2, 3]);
  t.same(ds.map((d) => (d.kind === 'restart' ? d.delay : d.kind)), [0, 0, 0, 0]);
});

t.test('burst 3 allows three restarts in the window; the fourth crash fails the unit', async (t) => {
  const ds = crashAt(spec({ burst: 3, window: 60_000 }), [0, 10_000, 20_000, 30_000]);
  t.same(ds.map((d) => d.kind), ['restart', 'restart', 'restart', 'give-up']);
  t.match(ds[3], { reason: /4 exits within 1m \(burst 3\): giving up/ });
});

t.test('crashes older than the window no longer count', async (t) => {
  const ds = crashAt(spec({ burst: 3, window: 60_000 }), [0, 10_000, 20_000, 70_001]);
  t.same(ds.map((d) => d.kind), ['restart', 'restart', 'restart', 'restart']);
  t.same((ds[3] as Extract<Decision, { kind: 'restart' }>).crashes, [20_000, 70_001]);
});

t.test('a run ready for a whole window resets the count and the backoff', async (t) => {
  const r = spec({ burst: 3, window: 60_000, delay: 1000 });
  const h: History = { crashes: [40_000, 50_000, 60_000], attempt: 3, readySince: 61_000 };
  t.match(afterExit(h, r, crash, 121_000), { kind: 'restart', attempt: 1, delay: 1000, crashes: [121_000] });
  t.match(afterExit(h, r, crash, 95_000), { kind: 'give-up' }, 'ready for less than the window: the count stands');
  t.match(afterExit(h, r, crash, 120_500), { kind: 'restart', attempt: 4, delay: 8000 },
    'crashes have left the window but the run was not ready for a whole one: the backoff keeps growing');
});

t.test('policies: never stays down, on-failure restarts failures only, always restarts clean exits', async (t) => {
  const clean = { code: 0, signal: null, failure: false };
  t.match(afterExit(fresh, spec({ policy: 'never' }), crash, 0), { kind: 'stay-down', reason: /policy never/ });
  t.match(afterExit(fresh, spec({ policy: 'on-failure' }), clean, 0), { kind: 'stay-down', reason: /exited with code 0; restart policy on-failure/ });
  t.match(afterExit(fresh, spec({ policy: 'on-failure' }), { code: null, signal: 'SIGKILL', failure: false }, 0), { kind: 'restart' });
  t.match(afterExit(fresh, spec({ policy: 'on-failure' }), { ...clean, failure: true }, 0), { kind: 'restart' }, 'a ready timeout is a failure');
  t.match(afterExit(fresh, spec({ policy: 'always' }), clean, 0), { kind: 'restart' });
});
