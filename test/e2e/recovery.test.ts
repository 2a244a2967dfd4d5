// Crash recovery end to end: supd is SIGKILLed with five units running (their processes outlive
// it), then started again on the same state dir: the survivors are stopped dependents first and
// started afresh, so each unit runs exactly once and nothing is orphaned; what the operator
// started or stopped by hand before the crash stays so.
import fs from 'node:fs';
import t from 'tap';
import { Supd, alive, assertBuilt, fixture, freePort, startTime } from './harness.js';

assertBuilt();

/** Pids of processes carrying this test's tag and SUPD_UNIT=unit in their environment. */
function processesOf(tag: string, unit: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || !alive(Number(e))) continue;
    let env: string[];
    try {
      env = fs.readFileSync(`/proc/${e}/environ`, 'latin1').split('\0');
    } catch {
      continue;
    }
    if (env.includes(`SUPD_E2E_TAG=${tag}`) && env.includes(`SUPD_UNIT=${unit}`)) out.push(Number(e));
  }
  return out;
}

t.test('supd killed with SIGKILL and restarted: every unit runs exactly once, no orphan, hand-set goals kept', async (t) => {
  const port = await freePort();
  const tag = `recovery-${process.pid}-${Date.now()}`;
  const sleeper = (extra = ''): string => `command: ${fixture('sleeper.js')}\nready: {grace: 50ms}\n${extra}`;
  const supd = new Supd(t, {
    env: { SUPD_E2E_TAG: tag },
    units: {
      db: `command: ${fixture('tcp-server.js', '--port', port)}\nready: {tcp: ${port}}\n`,
      app1: sleeper('requires: [db]\n'),
      app2: sleeper('requires: [db]\n'),
      worker: `command: ${fixture('sleeper.js', '--fork-grandchild')}\nready: {log: "grandchild \\\\d+"}\n`,
      manual: sleeper('autostart: false\n'),
      spare: sleeper(),
    },
  });
  await supd.start();
  for (const u of ['db', 'app1', 'app2', 'worker', 'spare']) await supd.waitState(u, 'ready');
  t.equal((await supd.ctl('start', 'manual')).code, 0, 'manual started by hand');
  t.equal((await supd.ctl('stop', 'spare')).code, 0, 'spare stopped by hand');
  const running = ['db', 'app1', 'app2', 'worker', 'manual'];
  const before = new Map<string, number[]>(running.map((u) => [u, processesOf(tag, u)]));
  t.same(running.map((u) => (before.get(u) ?? []).length), [1, 1, 1, 2, 1], 'five units run, the worker with its grandchild');

  await supd.crash();
  const survivors = [...before.values()].flat();
  t.ok(survivors.every(alive), 'the units outlived supd');
  const started = new Map(survivors.map((p) => [p, startTime(p)]));

  await supd.start();
  for (const u of running) await supd.waitState(u, 'ready');
  // Gone, or its pid taken since by another process (pid_max is 32768 on this kind of host).
  t.ok(survivors.every((p) => startTime(p) !== started.get(p)), 'every process of the killed supd is gone');
  for (const u of running) {
    const now = processesOf(tag, u);
    t.equal(now.length, u === 'worker' ? 2 : 1, `${u} runs exactly once`);
    t.notOk(now.some((p) => survivors.includes(p)), `${u} was started afresh`);
    const shown = (await supd.unit(u)).pid;
    t.ok(shown !== null && now.includes(shown), `${u} shows its new pid`);
  }
  t.equal((await supd.unit('spare')).state, 'inactive', 'spare, stopped by hand, stays stopped');
  t.equal(processesOf(tag, 'spare').length, 0, 'no spare process');

  // The survivors were stopped dependents first: both apps before db.
  const stopped = supd.output.split('\n').filter((l) => l.includes('still running from before supd restarted'));
  const order = stopped.map((l) => /"unit":"([^"]+)"/.exec(l)?.[1]);
  t.equal(order.length, 5, `five survivors reported: ${order.join(', ')}`);
  t.ok(order.indexOf('db') > order.indexOf('app1') && order.indexOf('db') > order.indexOf('app2'), `db stopped after its dependents: ${order.join(', ')}`);
});

t.test('a clean stop leaves nothing to recover; a pid reused by another process is never touched', async (t) => {
  const tag = `recovery-clean-${process.pid}-${Date.now()}`;
  const supd = new Supd(t, { env: { SUPD_E2E_TAG: tag }, units: { one: `command: ${fixture('sleeper.js')}\nready: {grace: 50ms}\n` } });
  await supd.start();
  await supd.waitState('one', 'ready');
  t.equal(await supd.stop(), 0);
  // Forge a record naming a live process that is not ours (this test runner) with a wrong start time.
  fs.appendFileSync(`${supd.stateDir}/units.journal`, `${JSON.stringify({ t: 'run', unit: 'one', pid: process.pid, start: 1 })}\n`);
  await supd.start();
  await supd.waitState('one', 'ready');
  t.notMatch(supd.output, /still running from before supd restarted/, 'nothing was stopped');
  t.equal(processesOf(tag, 'one').length, 1, 'one runs once');
});
