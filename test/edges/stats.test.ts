import t from 'tap';
import { createStats } from '../../daemon/edges/stats.js';
import { createReaper, startFixture, lineMatching } from './helpers.js';

t.test('one sample covers many pids and leaves out vanished ones', async (t) => {
  const reaper = createReaper();
  const a = startFixture('sleeper.js');
  const b = startFixture('sleeper.js');
  reaper.track(a.pid);
  reaper.track(b.pid);
  await Promise.all([lineMatching(a, /sleeper \d+/), lineMatching(b, /sleeper \d+/)]);
  const stats = createStats();
  const gonePid = 4_000_000; // above any pid_max
  const s = await stats.sample([a.pid as number, b.pid as number, gonePid]);
  t.same([...s.keys()].sort(), [a.pid, b.pid].sort());
  for (const v of s.values()) {
    t.ok(v.memory > 1024 * 1024, 'resident memory in bytes');
    t.ok(v.cpu >= 0);
  }
  process.kill(b.pid as number, 'SIGKILL');
  await new Promise((r) => b.once('exit', r));
  const after = await stats.sample([a.pid as number, b.pid as number]);
  t.same([...after.keys()], [a.pid], 'a process that exited is left out');
  t.same(await reaper.killAll(), []);
});

t.test('no pids, or only vanished ones, give an empty sample', async (t) => {
  const stats = createStats();
  t.equal((await stats.sample([])).size, 0);
  t.equal((await stats.sample([4_000_001])).size, 0);
});
