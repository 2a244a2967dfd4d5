// The shortest path through supd: a unit starts at boot, supctl sees it ready, supd stops it on SIGTERM.
import t from 'tap';
import { Supd, assertBuilt, fixture, alive } from './harness.js';

assertBuilt();

t.test('an autostart unit is ready, shown by supctl, and stopped when supd stops', async (t) => {
  const supd = await new Supd(t, { units: { one: `command: ${fixture('sleeper.js')}\nready: {grace: 100ms}\n` } }).start();
  await supd.waitState('one', 'ready');
  const st = await supd.ctl('status', 'one');
  t.equal(st.code, 0, st.stderr);
  t.match(st.stdout, /one\s+ready\s+\d+/);
  const one = await supd.unit('one');
  const pid = one.pid as number;
  t.ok(alive(pid), 'the unit runs');
  t.ok(typeof one.memory === 'number' && one.memory > 0, `status shows the unit's memory, read when asked (${one.memory})`);
  t.ok(typeof one.cpu === 'number' && one.cpu >= 0, 'and its cpu share');
  t.equal(await supd.stop(), 0, 'supd exits 0 on SIGTERM');
  t.notOk(alive(pid), 'the unit is gone after supd stopped');
});
