// The fleet's timer queue: one heap for every unit's timers.
import t from 'tap';
import { TimerQueue } from '../../daemon/core/timers.js';

t.test('timers come due earliest first, ties in the order they were set', async (t) => {
  const q = new TimerQueue();
  q.set('c', 30);
  q.set('a', 10);
  q.set('b', 20);
  q.set('a2', 10);
  t.equal(q.nextDue(), 10);
  t.same(q.popDue(9), []);
  t.same(q.popDue(20), ['a', 'a2', 'b']);
  t.equal(q.nextDue(), 30);
  t.equal(q.size, 1);
});

t.test('setting a key again replaces its due time', async (t) => {
  const q = new TimerQueue();
  q.set('x', 10);
  q.set('y', 15);
  q.set('x', 50);
  t.equal(q.dueOf('x'), 50);
  t.equal(q.size, 2);
  t.same(q.popDue(20), ['y']);
  t.same(q.popDue(100), ['x'], 'fires once, at its new time');
  t.same(q.popDue(1000), []);
});

t.test('a cleared timer never fires', async (t) => {
  const q = new TimerQueue();
  q.set('x', 10);
  q.set('y', 20);
  q.clear('x');
  q.clear('nothing');
  t.notOk(q.has('x'));
  t.equal(q.dueOf('x'), null);
  t.equal(q.nextDue(), 20);
  t.same(q.popDue(100), ['y']);
  t.equal(q.nextDue(), null);
  t.equal(q.size, 0);
});

t.test('a timer may be set again after it fired or was cleared', async (t) => {
  const q = new TimerQueue();
  q.set('x', 10);
  t.same(q.popDue(10), ['x']);
  q.set('x', 20);
  q.clear('x');
  q.set('x', 30);
  t.same(q.popDue(25), []);
  t.same(q.popDue(30), ['x']);
});

t.test('10,000 timers fire in order, once each, with replaced and cleared ones skipped', async (t) => {
  const q = new TimerQueue();
  const n = 10_000;
  // A scrambled but deterministic order of due times.
  for (let i = 0; i < n; i++) q.set(`t${i}`, (i * 7919) % n);
  for (let i = 0; i < n; i += 10) q.clear(`t${i}`);
  for (let i = 5; i < n; i += 10) q.set(`t${i}`, n + i);
  t.equal(q.size, n - n / 10);
  const fired = [...q.popDue(n / 2), ...q.popDue(n - 1), ...q.popDue(3 * n)];
  t.equal(fired.length, n - n / 10);
  t.equal(new Set(fired).size, fired.length, 'no timer fires twice');
  t.notOk(fired.some((k) => Number(k.slice(1)) % 10 === 0), 'cleared timers do not fire');
  const dues = fired.map((k) => {
    const i = Number(k.slice(1));
    return i % 10 === 5 ? n + i : (i * 7919) % n;
  });
  t.ok(dues.every((d, i) => i === 0 || (dues[i - 1] as number) <= d), 'earliest first');
  t.equal(q.nextDue(), null);
});
