// A connection count that cannot be read is "unknown", never zero: the drain keeps waiting (to
// its timeout) and the forced stop says why.
import t from 'tap';
import { step } from '../../daemon/core/machine.js';
import { NOW, drainConns, drainingU, timer, runRows } from './machine-table.js';

runRows([
  {
    name: 'draining, the connection count cannot be read: still draining, polled again, the reason kept',
    spec: drainConns, unit: drainingU('connections'), act: { type: 'connections', gen: 1, count: null, error: 'EACCES: /proc/net/tcp' },
    state: 'draining', effects: ['setTimer'],
    check: (t, r) => {
      t.match(r.unit.s, { state: 'draining', connections: null, countError: 'EACCES: /proc/net/tcp' });
      t.match(r.effects[0], { timer: 'drain-poll' });
    },
  },
  {
    name: 'draining with an unreadable count, drain timeout: forced, and the reason says the count was unknown',
    spec: drainConns, unit: drainingU('connections'), act: timer('drain'),
    state: 'stopping', effects: ['clearTimer', 'clearTimer', ...Array<string>(6).fill('clearTimer'), 'unwatchLog', 'transition', 'signal', 'setTimer'],
    check: (t, r) => t.match(r.unit.reason, /drain timeout 1m: forced$/),
  },
]);

t.test('an unknown count, then the timeout: the forced stop names why the drain could not finish', async (t) => {
  const first = step(drainingU('connections'), drainConns, { type: 'connections', gen: 1, count: null, error: 'EACCES: /proc/net/tcp' }, NOW);
  const done = step(first.unit, drainConns, timer('drain'), NOW + 60_000);
  t.equal(done.unit.s.state, 'stopping');
  t.equal(done.unit.forced, true);
  t.equal(done.unit.reason, 'drain timeout 1m: forced (connections could not be counted: EACCES: /proc/net/tcp)');
});

t.test('a count read again after an unknown one clears the unknown', async (t) => {
  const first = step(drainingU('connections'), drainConns, { type: 'connections', gen: 1, count: null, error: 'EIO' }, NOW);
  const again = step(first.unit, drainConns, { type: 'connections', gen: 1, count: 2 }, NOW + 200);
  t.same(again.unit.s, { ...drainingU('connections').s, connections: 2 });
});
