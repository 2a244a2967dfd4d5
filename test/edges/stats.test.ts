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
  const s = stats.sampleNow([a.pid as number, b.pid as number, gonePid]);
  t.same([...s.keys()].sort(), [a.pid, b.pid].sort());
  for (const v of s.values()) {
    t.ok(v.memory > 1024 * 1024, 'resident memory in bytes');
    t.ok(v.cpu >= 0);
  }
  process.kill(b.pid as number, 'SIGKILL');
  await new Promise((r) => b.once('exit', r));
  const after = stats.sampleNow([a.pid as number, b.pid as number]);
  t.same([...after.keys()], [a.pid], 'a process that exited is left out');
  t.same(await reaper.killAll(), []);
});

t.test('no pids, or only vanished ones, give an empty sample', async (t) => {
  const stats = createStats();
  t.equal((stats.sampleNow([])).size, 0);
  t.equal((stats.sampleNow([4_000_001])).size, 0);
});

t.test('sampleNow answers the same, synchronously', async (t) => {
  const stats = createStats();
  const now = stats.sampleNow([process.pid, 4_000_002]);
  t.same([...now.keys()], [process.pid]);
  t.ok((now.get(process.pid)?.memory ?? 0) > 1024 * 1024);
});

t.test('CPU is the share of a core since the previous sample of the same process', async (t) => {
  const dir = t.testdir({ '4242': {}, uptime: '1000.00 500.00\n' });
  // proc(5): pid (comm) state ppid … utime(14) stime(15) … starttime(22) vsize(23) rss(24) …
  const stat = (utime: number, stime: number, start: number, rss: number): string =>
    `4242 (a (b) c) S 1 4242 4242 0 -1 0 0 0 0 0 ${utime} ${stime} 0 0 20 0 1 0 ${start} 1000000 ${rss} 0 0\n`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${dir}/4242/stat`, stat(3000, 1000, 60_000, 256));
  const stats = createStats({ procRoot: dir });
  const first = stats.sampleNow([4242]).get(4242);
  // Started at 600 s, uptime 1000 s: 40 s of CPU in 400 s is 10 %.
  t.equal(first?.cpu.toFixed(1), '10.0', 'the first sample averages since the process started');
  t.ok((first?.memory ?? 0) >= 256 * 4096, 'rss pages times the page size');
  writeFileSync(`${dir}/4242/stat`, stat(3000 + 5000, 1000, 60_000, 256));
  const second = stats.sampleNow([4242]).get(4242);
  t.ok((second?.cpu ?? 0) > 1000, 'the next one counts only what was used since (here an absurd 50 s in a few ms)');
  writeFileSync(`${dir}/4242/stat`, stat(100, 100, 90_000, 256));
  t.equal(stats.sampleNow([4242]).get(4242)?.cpu.toFixed(1), '2.0', 'a new process under the same pid starts a new history');
  writeFileSync(`${dir}/4242/stat`, stat(100, 100, 90_000, 256).replace(' S ', ' Z '));
  t.equal(stats.sampleNow([4242]).size, 0, 'a zombie is left out');
});
