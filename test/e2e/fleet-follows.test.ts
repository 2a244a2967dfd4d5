// `follows: HOST/UNIT` across hosts on a real, private 3-member etcd: a master on h1 whose metadata
// files change makes its follower on h2 `stale` (its supd learns the new generation from etcd's
// watch) and its supd rolls it (rollout.auto, the default): a new process, fresh, on every host's view.
// Before this, the master's record carried its new generation only from its next transition.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { assertBuilt, fixture, waitUntil } from './harness.js';
import { ETCD, EtcdCluster } from './etcd-cluster.js';
import { startFleet, type FleetHost } from './fleet-hosts.js';

assertBuilt();
t.setTimeout(300_000);

t.test('follows across hosts', { skip: ETCD === null ? 'etcd is not installed (apt-get install etcd-server)' : false }, async (t) => {
  const dir = t.testdir();
  const meta = path.join(dir, 'meta');
  fs.mkdirSync(meta);
  fs.writeFileSync(path.join(meta, 'a.json'), '{"v":0}\n');
  const etcd = await new EtcdCluster(t).start();
  const hosts = await startFleet(t, etcd, {
    h1: { master: `command: ${fixture('sleeper.js')}\nready: {grace: 100ms}\nmetadata: [${JSON.stringify(path.join(meta, '*.json'))}]\n` },
    h2: { follower: `command: ${fixture('sleeper.js')}\nready: {grace: 100ms}\nfollows: h1/master\n` },
  });
  const [h1, h2] = hosts as [FleetHost, FleetHost];
  await h1.supd.waitState('master', 'ready');
  await h2.supd.waitState('follower', 'ready');
  t.equal((await h2.supd.unit('follower')).stale, false, 'not stale at first');

  const before = (await h2.supd.unit('follower')).pid;
  const from = h2.supd.events.length;
  fs.writeFileSync(path.join(meta, 'a.json'), '{"v":1}\n');
  await h2.supd.waitEvent((e) => e.type === 'stale' && e.unit === 'follower' && e.stale, 'the follower on h2 turning stale', from);
  // Rolled by its own supd (rollout.auto, the default): a new process that read the new metadata.
  await h2.supd.waitEvent((e) => e.type === 'rollout' && e.rollout.finished !== null, 'the follower rolled on h2', from);
  const after = await h2.supd.unit('follower');
  t.match(after, { state: 'ready', stale: false }, 'fresh and ready again');
  t.not(after.pid, before, 'with a new process');
  const shown = await waitUntil(async () => {
    const r = await h1.ctl('--json', '--fleet', 'status');
    const units = r.code === 0 ? (JSON.parse(r.stdout) as { units: { host: string; name: string; pid: number | null; stale: boolean; ready: boolean }[] }).units : [];
    return units.find((u) => u.host === 'h2' && u.name === 'follower' && u.pid === after.pid) ?? null;
  }, 'the fleet status showing the new follower', 20_000);
  t.match(shown, { ready: true, stale: false }, 'every host shows it (from etcd)');
});
