// Fleet rollouts on a real, private 3-member etcd with three supd hosts: one at a time (a second
// is refused naming the first), the driver SIGKILLed mid-rollout leaves it `interrupted`, another
// host resumes it to the end; an etcd member lost mid-rollout changes nothing. The killed driver's
// rollout lock goes with its lease, and the units' lb hooks show no server left out of the load
// balancer without the rollout naming it.
import path from 'node:path';
import t from 'tap';
import { fleetKeys } from '../../daemon/fleet/keys.js';
import { assertBuilt, fixture, waitUntil } from './harness.js';
import { ETCD, EtcdCluster } from './etcd-cluster.js';
import { ADMIN_TOKEN, FLEET_TTL_MS, startFleet } from './fleet-hosts.js';
import { hookLines, lbOut } from './fleet-out.js';

assertBuilt();
t.setTimeout(300_000);

interface View {
  id: string;
  state: string;
  driver: string;
  steps: { unit: string; state: string }[];
}

t.test('fleet rollouts', { skip: ETCD === null ? 'etcd is not installed (apt-get install etcd-server)' : false }, async (t) => {
  // Each unit's lb hooks append `disable HOST/UNIT` and `enable HOST/UNIT` to one file.
  const lbLog = path.join(t.testdir(), 'lb.log');
  const unit = (server: string, grace = '1s'): string => `command: ${fixture('sleeper.js')}\nready: {grace: ${grace}}\n`
    + `lb: {disable: ${JSON.stringify(`echo disable ${server} >> ${lbLog}`)}, enable: ${JSON.stringify(`echo enable ${server} >> ${lbLog}`)}, timeout: 5s}\n`;
  const etcd = await new EtcdCluster(t).start();
  // w2 takes 6 s to count as ready: its step is still running when the driver is killed.
  const [h1, h2, h3] = await startFleet(t, etcd, { h1: {}, h2: { w1: unit('h2/w1'), w2: unit('h2/w2', '6s') }, h3: { w3: unit('h3/w3') } });
  if (h1 === undefined || h2 === undefined || h3 === undefined) throw new Error('three hosts');
  await Promise.all([h2.supd.waitState('w1', 'ready'), h2.supd.waitState('w2', 'ready'), h3.supd.waitState('w3', 'ready')]);
  const pid = async (h: typeof h1, u: string): Promise<number | null> => (await h.supd.status()).find((x) => x.name === u)?.pid ?? null;
  const before = { w1: await pid(h2, 'w1'), w2: await pid(h2, 'w2'), w3: await pid(h3, 'w3') };

  let id = '';
  await t.test('SIGKILL of the driver: interrupted at its step, resumed from another host to the end', async (t) => {
    const from = h2.supd.events.length;
    const started = await h1.ctl('--json', '--fleet', 'restart', '--rolling', 'one-by-one', '--no-wait', 'h2/w1', 'h2/w2', 'h3/w3');
    t.equal(started.code, 0, started.stderr);
    id = (JSON.parse(started.stdout) as { rollout: View }).rollout.id;
    // w2 going down means step 1 is ok and step 2 in progress.
    await h2.supd.waitEvent((e) => e.type === 'transition' && e.unit === 'w2' && e.to === 'stopping', 'step 2 in progress', from);

    // Asked of another host's API directly (no supctl start-up), so the first is surely still running.
    const second = await fetch(`${h2.url}/v1/fleet/rollouts`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ units: ['h3/w3'] }),
    });
    t.equal(second.status, 409, 'a second fleet rollout is refused');
    t.match(await second.text(), new RegExp(`fleet rollout ${id} is running`), 'naming the running one');

    const lockKey = fleetKeys(h1.prefix).rolloutLock();
    const lockValue = (): string => etcd.ctl('get', lockKey, '--print-value-only').trim();
    t.equal(lockValue(), id, `the rollout lock (${lockKey}) names the running rollout`);
    const killedAt = Date.now();
    await h1.supd.crash();
    // The lock is bound to the driver's lease: it goes once the lease expires, at most the TTL
    // after the driver's last keep-alive. The margin (3 s over the TTL) is generous so as not to
    // be timing-flaky on a loaded machine; the figure is told in the assertion either way.
    const marginMs = 3000;
    await waitUntil(() => lockValue() === '', 'the rollout lock gone with the driver\'s lease', 30_000);
    const lockGoneMs = Date.now() - killedAt;
    t.ok(lockGoneMs <= FLEET_TTL_MS + marginMs, `the lock went ${lockGoneMs} ms after the SIGKILL (lease TTL ${FLEET_TTL_MS} ms, at most TTL + ${marginMs} ms)`);
    const shown = await waitUntil(async () => {
      const r = await h2.ctl('--json', '--fleet', 'rollouts', id);
      const v = r.code === 0 ? (JSON.parse(r.stdout) as { rollout: View }).rollout : null;
      return v?.state === 'interrupted' ? v : null;
    }, 'the rollout shown interrupted once the driver\'s lease expired', 20_000);
    t.equal(shown.driver, 'h1');
    // The driver died during step 2 or 3 (how far it got depends on the machine's speed).
    t.match(shown.steps.map((s) => s.state).join(' '), /^ok (in-progress pending|ok in-progress)$/, 'interrupted at its step, which names the unit');
    // No server is out of the load balancer unnamed: each one disabled and not enabled since is
    // the unit of the step in progress.
    const inProgress = shown.steps.filter((s) => s.state === 'in-progress').map((s) => s.unit);
    const outAtInterrupt = lbOut(hookLines(lbLog)).disabled;
    t.comment(`at interrupted: disabled ${JSON.stringify(outAtInterrupt)}, in progress ${JSON.stringify(inProgress)}; lb log: ${hookLines(lbLog).join(', ')}`);
    t.ok(outAtInterrupt.every((s) => inProgress.includes(s)), `every server left disabled (${outAtInterrupt.join(', ') || 'none'}) is the step in progress (${inProgress.join(', ')})`);

    const resumed = await h3.ctl('--json', '--fleet', 'rollouts', 'resume', id);
    t.equal(resumed.code, 0, resumed.stderr);
    const done = (JSON.parse(resumed.stdout) as { rollout: View }).rollout;
    t.equal(done.state, 'ok');
    t.equal(done.driver, 'h3');
    t.same(done.steps.map((s) => [s.unit, s.state]), [['h2/w1', 'ok'], ['h2/w2', 'ok'], ['h3/w3', 'ok']]);
    t.not(await pid(h3, 'w3'), before.w3, 'the step not reached before was done by the resume');
    t.not(await pid(h2, 'w1'), before.w1);
    const lines = hookLines(lbLog);
    t.same(lbOut(lines).disabled, [], `after the resume every disabled server was enabled again (lb log: ${lines.join(', ')})`);
    t.ok(['h2/w1', 'h2/w2', 'h3/w3'].every((s) => lines.includes(`disable ${s}`)), 'every server was taken out by its hook');
    const list = await h2.ctl('--fleet', 'rollouts');
    t.match(list.stdout, new RegExp(`rollout ${id} ok`), 'every host shows it');
    const again = await h2.ctl('--fleet', 'rollouts', 'resume', id);
    t.equal(again.code, 4, 'a finished rollout is not resumed (refused, exit 4)');
  });

  await t.test('an etcd member killed mid-rollout: the rollout finishes', async (t) => {
    const from = h3.supd.events.length;
    const started = await h2.ctl('--json', '--fleet', 'restart', '--rolling', 'one-by-one', '--no-wait', 'h3/w3', 'h2/w1');
    t.equal(started.code, 0, started.stderr);
    const second = (JSON.parse(started.stdout) as { rollout: View }).rollout.id;
    await h3.supd.waitEvent((e) => e.type === 'transition' && e.unit === 'w3' && e.to === 'stopping', 'first step under way', from);
    await etcd.kill(0);
    const end = await waitUntil(async () => {
      const r = await h3.ctl('--json', '--fleet', 'rollouts', second);
      const v = r.code === 0 ? (JSON.parse(r.stdout) as { rollout: View }).rollout : null;
      return v !== null && v.state !== 'running' ? v : null;
    }, 'the rollout finished', 60_000);
    t.equal(end.state, 'ok');
    t.same(end.steps.map((s) => s.state), ['ok', 'ok']);
  });
  t.ok(id !== '');
});
