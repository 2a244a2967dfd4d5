// Fleet rollout strategies on a real, private 3-member etcd with three supd hosts (SPEC "Fleet"
// and "Rolling restarts"): `--max-unavailable 2` over five servers spread over the hosts never has
// more than two of them out of service, counted on every host (from etcd's view, polled, and from
// each host's transitions); a `--canary` whose first server turns unhealthy during its soak stops
// the rollout with every other server untouched.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { assertBuilt, fixture, waitUntil } from './harness.js';
import { ETCD, EtcdCluster } from './etcd-cluster.js';
import { startFleet, type FleetHost } from './fleet-hosts.js';
import { fleetUnits as fleetUnitsOf, watchOutOfService } from './fleet-out.js';

assertBuilt();
t.setTimeout(300_000);

interface View {
  id: string;
  state: string;
  budget: number;
  error: { unit: string; reason: string } | null;
  steps: { unit: string; batch: number; state: string; reason: string | null }[];
}

const SERVERS = ['h1/s1', 'h2/s2', 'h2/s3', 'h3/s4', 'h3/s5'];

t.test('fleet rollout budget and canary', { skip: ETCD === null ? 'etcd is not installed (apt-get install etcd-server)' : false }, async (t) => {
  const dir = t.testdir();
  // Healthy while `sick-<name>` does not exist; a failing health check restarts the server.
  const server = (name: string): string => `command: ${fixture('sleeper.js')}\nready: {grace: 1s}\n`
    + `health: {exec: [sh, -c, ${JSON.stringify(`test ! -e ${path.join(dir, `sick-${name}`)}`)}], interval: 100ms, failures: 1}\n`;
  const etcd = await new EtcdCluster(t).start();
  const hosts = await startFleet(t, etcd, { h1: { s1: server('s1') }, h2: { s2: server('s2'), s3: server('s3') }, h3: { s4: server('s4'), s5: server('s5') } });
  const [h1, h2, h3] = hosts as [FleetHost, FleetHost, FleetHost];
  const byName = new Map<string, FleetHost>([['h1', h1], ['h2', h2], ['h3', h3]]);
  const hostOf = (n: string): FleetHost => byName.get(n.split('/')[0] as string) as FleetHost;
  const unitOf = (n: string): string => n.split('/')[1] as string;
  await Promise.all(SERVERS.map((n) => hostOf(n).supd.waitState(unitOf(n), 'ready')));
  const fleetUnits = (): ReturnType<typeof fleetUnitsOf> => fleetUnitsOf(h1);
  await waitUntil(async () => ((await fleetUnits())?.filter((u) => u.ready).length === SERVERS.length ? true : null), 'etcd shows every server ready', 30_000);
  const pids = async (): Promise<Record<string, number | null>> => {
    const out: Record<string, number | null> = {};
    for (const n of SERVERS) out[n] = (await hostOf(n).supd.unit(unitOf(n))).pid;
    return out;
  };
  const rollout = async (id: string): Promise<View | null> => {
    const r = await h2.ctl('--json', '--fleet', 'rollouts', id);
    return r.code === 0 ? (JSON.parse(r.stdout) as { rollout: View }).rollout : null;
  };

  await t.test('--max-unavailable 2 over five servers on three hosts: never more than two out', async (t) => {
    const before = await pids();
    // Out of service as etcd shows it (what the budget counts), polled every 40 ms, and from every
    // transition of every host.
    const out = watchOutOfService(hosts, SERVERS, h1);
    const started = await h1.ctl('--json', '--fleet', 'restart', '--max-unavailable', '2', ...SERVERS);
    const { polls, maxPolled, maxEvents } = await out.done();
    t.equal(started.code, 0, started.stderr);
    const done = (JSON.parse(started.stdout) as { rollout: View }).rollout;
    t.equal(done.state, 'ok');
    t.equal(done.budget, 2);
    t.same(done.steps.map((s) => s.state), SERVERS.map(() => 'ok'));
    t.equal(done.steps[0]?.batch, done.steps[1]?.batch, 'the first two servers (h1 and h2) began together: the budget is two');
    const after = await pids();
    for (const n of SERVERS) t.not(after[n], before[n], `${n} was restarted`);

    t.ok(polls >= 5, `etcd's view was sampled (${polls} polls)`);
    t.ok(maxPolled <= 2, `never more than two out in etcd's view (most: ${maxPolled})`);
    t.ok(maxEvents <= 2, `never more than two out across the hosts' transitions (most: ${maxEvents})`);
  });

  await t.test('a canary turning unhealthy during its soak stops the rollout, every other server untouched', async (t) => {
    const before = await pids();
    const from = h2.supd.events.length;
    const started = await h1.ctl('--json', '--fleet', 'restart', '--canary', '20s', '--no-wait', 'h2/s2', 'h1/s1', 'h3/s4');
    t.equal(started.code, 0, started.stderr);
    const id = (JSON.parse(started.stdout) as { rollout: View }).rollout.id;
    await waitUntil(async () => ((await rollout(id))?.steps[0]?.reason === 'canary: soaking' ? true : null), 'the canary soaking', 60_000);
    t.not((await pids())['h2/s2'], before['h2/s2'], 'the canary was restarted');
    fs.writeFileSync(path.join(dir, 'sick-s2'), '');
    await h2.supd.waitEvent((e) => e.type === 'transition' && e.unit === 's2' && e.to !== 'ready', 'the canary leaving ready', from);
    const end = await waitUntil(async () => {
      const v = await rollout(id);
      return v !== null && v.state !== 'running' ? v : null;
    }, 'the rollout to stop', 30_000);
    fs.rmSync(path.join(dir, 'sick-s2'));
    t.match(end, { state: 'error', error: { unit: 'h2/s2', reason: /left ready during its soak/ } });
    t.same(end.steps.map((s) => s.state), ['error', 'pending', 'pending']);
    const after = await pids();
    t.equal(after['h1/s1'], before['h1/s1'], 'h1/s1 untouched');
    t.equal(after['h3/s4'], before['h3/s4'], 'h3/s4 untouched');
    const again = await h1.ctl('--fleet', 'restart', '--rolling', 'one-by-one', 'h3/s5');
    t.equal(again.code, 0, `the lock was released: ${again.stderr}`);
  });

  await t.test('the driver killed while its canary soaks: resumed from another host, the canary soaks again and a failure then still stops the rollout', async (t) => {
    // s2 came back from the last test's sickness: wait until etcd shows it ready, so that the
    // driver sees a serving canary to restart (not one still coming up, to start).
    await waitUntil(async () => ((await fleetUnits())?.find((u) => u.host === 'h2' && u.name === 's2')?.state === 'ready' ? true : null), 'etcd shows s2 ready', 30_000);
    const before = await pids();
    const started = await h1.ctl('--json', '--fleet', 'restart', '--canary', '30s', '--no-wait', 'h2/s2', 'h3/s4', 'h3/s5');
    t.equal(started.code, 0, started.stderr);
    const id = (JSON.parse(started.stdout) as { rollout: View }).rollout.id;
    await waitUntil(async () => ((await rollout(id))?.steps[0]?.reason === 'canary: soaking' ? true : null), 'the canary soaking', 60_000);
    const canaryPid = (await pids())['h2/s2'];
    t.not(canaryPid, before['h2/s2'], 'the canary was restarted');
    // h1's own server is left running, as after a crash of supd; ended by pid.
    const orphans = await h1.supd.crash();
    t.teardown(() => {
      for (const pid of orphans) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    await waitUntil(async () => ((await rollout(id))?.state === 'interrupted' ? true : null), 'interrupted once the driver\'s lease expired', 20_000);
    const resumed = await h2.ctl('--json', '--fleet', 'rollouts', 'resume', '--no-wait', id);
    t.equal(resumed.code, 0, resumed.stderr);
    t.match((JSON.parse(resumed.stdout) as { rollout: View }).rollout, {
      state: 'running', steps: [{ unit: 'h2/s2', state: 'in-progress', reason: /soaking \(again in full: resumed\)/ }, { state: 'pending' }, { state: 'pending' }],
    }, 'the soak is neither skipped nor counted as done');
    // h1 is gone: only the servers of h2 and h3 are asked from here on.
    const pid = async (n: string): Promise<number | null> => (await hostOf(n).supd.unit(unitOf(n))).pid;
    t.equal(await pid('h2/s2'), canaryPid, 'the canary is not restarted a second time');
    const from = h2.supd.events.length;
    fs.writeFileSync(path.join(dir, 'sick-s2'), '');
    await h2.supd.waitEvent((e) => e.type === 'transition' && e.unit === 's2' && e.to !== 'ready', 'the canary leaving ready', from);
    const end = await waitUntil(async () => {
      const v = await rollout(id);
      return v !== null && v.state !== 'running' ? v : null;
    }, 'the resumed rollout to stop', 30_000);
    fs.rmSync(path.join(dir, 'sick-s2'));
    t.match(end, { state: 'error', error: { unit: 'h2/s2', reason: /left ready during its soak/ } });
    t.same(end.steps.map((s) => s.state), ['error', 'pending', 'pending']);
    t.equal(await pid('h3/s4'), before['h3/s4'], 'h3/s4 untouched');
    t.equal(await pid('h3/s5'), before['h3/s5'], 'h3/s5 untouched');
  });
});
