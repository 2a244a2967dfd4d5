// The fleet on a real, private 3-member etcd with three supd hosts on loopback: status of every
// host from any host, commands forwarded to the owning supd, a dead host shown unreachable, and
// etcd losing its quorum without touching local units.
import t from 'tap';
import { assertBuilt, fixture, alive, waitUntil } from './harness.js';
import { ETCD, EtcdCluster } from './etcd-cluster.js';
import { startFleet } from './fleet-hosts.js';

assertBuilt();
// Three etcd members and three supd start and stop here: more than the default file timeout on a
// busy 2-core machine.
t.setTimeout(300_000);

const unit = (extra = ''): string => `command: ${fixture('sleeper.js')}\nready: {grace: 100ms}\n${extra}`;

t.test('fleet', { skip: ETCD === null ? 'etcd is not installed (apt-get install etcd-server)' : false }, async (t) => {
  const etcd = await new EtcdCluster(t).start();
  // WalB's chain across three hosts: archive (h1) ← proxy (h2) ← storage (h3). archive waits for
  // an explicit start; proxy and storage start at boot and wait for it through etcd.
  const [h1, h2, h3] = await startFleet(t, etcd, {
    h1: { web: unit(), archive: unit('autostart: false\n'), reader: unit('autostart: false\nrequires: [h2/worker]\n') },
    h2: { api: unit(), worker: unit('autostart: false\n'), proxy: unit('requires: [h1/archive]\n') },
    h3: { db: unit(), storage: unit('requires: [h2/proxy]\n') },
  });
  if (h1 === undefined || h2 === undefined || h3 === undefined) throw new Error('three hosts');
  await Promise.all([h1.supd.waitState('web', 'ready'), h2.supd.waitState('api', 'ready'), h3.supd.waitState('db', 'ready')]);

  await t.test('any host shows every host\'s units from etcd, with a HOST column', async (t) => {
    const st = await waitUntil(async () => {
      const r = await h2.ctl('--fleet', 'status');
      return r.code === 0 && /h1\s+web\s+ready/.test(r.stdout) && /h3\s+db\s+ready/.test(r.stdout) ? r : null;
    }, 'fleet status with every host');
    t.match(st.stdout, /^HOST\s+UNIT\s+STATE/m);
    t.match(st.stdout, /h2\s+worker\s+inactive/);
    const js = await h3.ctl('--json', '--fleet', 'status');
    const view = JSON.parse(js.stdout) as { self: string; hosts: { name: string; reachable: boolean; api: string }[]; units: { host: string; name: string }[] };
    t.equal(view.self, 'h3', 'the host that answered');
    t.same(view.hosts.map((h) => [h.name, h.reachable]), [['h1', true], ['h2', true], ['h3', true]]);
    t.same(view.units.map((u) => `${u.host}/${u.name}`), ['h1/archive', 'h1/reader', 'h1/web', 'h2/api', 'h2/proxy', 'h2/worker', 'h3/db', 'h3/storage']);
    const keys = etcd.ctl('get', '--prefix', '--keys-only', view.hosts[0] === undefined ? '/' : '/supd-test-').split('\n').filter((l) => l !== '');
    t.ok(keys.some((k) => /\/units\/h2\/api$/.test(k)), 'unit records under <prefix>/units/<host>/<unit>');
    t.ok(keys.some((k) => /\/alive\/h1$/.test(k)), 'leased alive key per host');
  });

  await t.test('start, show, logs and stop of HOST/UNIT go to the owning supd', async (t) => {
    const started = await h1.ctl('start', 'h2/worker');
    t.equal(started.code, 0, started.stderr);
    const w = (await h2.supd.status()).find((u) => u.name === 'worker');
    t.equal(w?.state, 'ready', 'the unit runs on its own host');
    t.ok(w?.pid !== null && alive(w?.pid as number));
    const show = await h3.ctl('--json', 'show', 'h2/worker');
    t.equal(show.code, 0, show.stderr);
    t.match(JSON.parse(show.stdout), { unit: { name: 'worker', state: 'ready' } });
    // Ready after a 100 ms grace, which does not mean the sleeper has written its first line yet
    // (node starts slower than that on a loaded machine): wait for the line, then assert on it.
    const logs = await waitUntil(async () => {
      const r = await h1.ctl('logs', '-n', '5', 'h2/worker');
      return r.code !== 0 || r.stdout.includes(`sleeper ${w?.pid}`) ? r : null;
    }, 'the worker\'s first line in its log');
    t.equal(logs.code, 0, logs.stderr);
    t.match(logs.stdout, new RegExp(`sleeper ${w?.pid}`), 'its log, from its host');
    const stopped = await h3.ctl('--fleet', 'stop', 'h2/worker');
    t.equal(stopped.code, 0, stopped.stderr);
    t.equal((await h2.supd.status()).find((u) => u.name === 'worker')?.state, 'inactive');
    const unknown = await h1.ctl('start', 'h9/worker');
    t.equal(unknown.code, 1, 'an unknown host is an unknown target');
    t.match(unknown.stderr, /no host named "h9"/);
    const plain = await h1.ctl('--fleet', 'start', 'worker');
    t.equal(plain.code, 2, '--fleet wants HOST/UNIT');
  });

  await t.test('archive, proxy, storage on three hosts start in order; stop archive stops storage, proxy, archive', async (t) => {
    t.match((await h2.supd.status()).find((u) => u.name === 'proxy'), { state: 'waiting', reason: /h1\/archive/ }, 'proxy waits for h1/archive');
    t.match((await h3.supd.status()).find((u) => u.name === 'storage'), { state: 'waiting', reason: /h2\/proxy/ });
    const started = await h1.ctl('start', 'archive');
    t.equal(started.code, 0, started.stderr);
    await h3.supd.waitState('storage', 'ready');
    const at = (h: typeof h1, unit: string, to: string): number => {
      const e = h.supd.transitions(unit).find((x) => x.to === to);
      return e === undefined ? NaN : Date.parse(e.at);
    };
    const archiveReady = at(h1, 'archive', 'ready');
    const proxyStarting = at(h2, 'proxy', 'starting');
    const proxyReady = at(h2, 'proxy', 'ready');
    const storageStarting = at(h3, 'storage', 'starting');
    t.ok(archiveReady <= proxyStarting, 'proxy starts once archive is ready');
    t.ok(proxyReady <= storageStarting, 'storage starts once proxy is ready');
    t.comment(`cross-host readiness latency: archive ready → proxy starting ${proxyStarting - archiveReady} ms; proxy ready → storage starting ${storageStarting - proxyReady} ms`);

    const from = [h1, h2, h3].map((h) => h.supd.events.length);
    const stopped = await h1.ctl('stop', 'archive');
    t.equal(stopped.code, 0, stopped.stderr);
    const down = (h: typeof h1, unit: string, i: number): number => {
      const e = h.supd.transitions(unit).slice().reverse().find((x) => x.to === 'inactive');
      return e === undefined || h.supd.events.indexOf(e) < (from[i] as number) ? NaN : Date.parse(e.at);
    };
    const stopping = (h: typeof h1, unit: string): number => {
      const e = h.supd.transitions(unit).slice().reverse().find((x) => x.to === 'stopping');
      return e === undefined ? NaN : Date.parse(e.at);
    };
    const storageDown = down(h3, 'storage', 2);
    const proxyDown = down(h2, 'proxy', 1);
    t.ok(storageDown <= stopping(h2, 'proxy'), 'storage is down before proxy stops');
    t.ok(proxyDown <= stopping(h1, 'archive'), 'proxy is down before archive stops');
    t.equal((await h1.supd.status()).find((u) => u.name === 'archive')?.state, 'inactive');
  });

  await t.test('a host whose supd died is unreachable, its units unknown', async (t) => {
    // Its unit is left running, as after a crash of supd; the test ends it by pid.
    const orphans = await h3.supd.crash();
    t.teardown(() => {
      for (const pid of orphans) if (alive(pid)) process.kill(pid, 'SIGKILL');
    });
    const st = await waitUntil(async () => {
      const r = await h1.ctl('--fleet', 'status');
      return /h3\s+db\s+unknown/.test(r.stdout) ? r : null;
    }, 'h3 unreachable after its lease TTL', 15_000);
    t.match(st.stdout, /unreachable: h3/);
    t.match(st.stdout, /h1\s+web\s+ready/);
    const fwd = await h1.ctl('stop', 'h3/db');
    t.equal(fwd.code, 3, 'a command for an unreachable host exits 3');
    t.match(fwd.stderr, /h3 is unreachable/);
  });

  await t.test('quorum lost: local units untouched, fleet commands exit 3 at once; back without a restart', async (t) => {
    const webPid = (await h1.supd.status()).find((u) => u.name === 'web')?.pid as number;
    // reader (h1) requires h2/worker, which is stopped: it waits through etcd.
    const waiting = await h1.ctl('start', '--no-wait', 'reader');
    t.equal(waiting.code, 0, waiting.stderr);
    const reader = async (): Promise<{ state: string; reason: string } | undefined> => (await h1.supd.status()).find((u) => u.name === 'reader');
    t.match(await reader(), { state: 'waiting', reason: /; waiting for h2\/worker$/ }, 'the plain wait while etcd answers');
    await etcd.kill(1);
    const one = await h1.ctl('--fleet', 'status');
    t.equal(one.code, 0, 'one member of three lost changes nothing');
    await etcd.kill(2);
    const began = Date.now();
    const down = await h1.ctl('--fleet', 'status');
    t.equal(down.code, 3, down.stderr);
    t.match(down.stderr, /etcd cannot be reached/);
    t.comment(`fleet status without quorum failed after ${Date.now() - began} ms, supctl's start-up included`);
    const said = await waitUntil(async () => {
      const r = await reader();
      return r !== undefined && /etcd/.test(r.reason) ? r : null;
    }, 'the waiting unit saying etcd is unreachable', 15_000);
    t.equal(said.state, 'waiting', 'it keeps waiting');
    t.match(said.reason, /waiting for h2\/worker \(last seen inactive\): the fleet store \(etcd\) is unreachable/,
      'it says it waits on the fleet store being unreachable, with what etcd last showed');
    const shown = await h1.ctl('status', 'reader');
    t.match(shown.stdout, /fleet store \(etcd\) is unreachable/, 'supctl status shows that reason');
    const local = await h1.ctl('status', 'web');
    t.equal(local.code, 0, 'local commands work');
    t.match(local.stdout, new RegExp(`web\\s+ready\\s+${webPid}`), 'the local unit still runs, same pid');
    etcd.restart(1);
    etcd.restart(2);
    await etcd.healthy();
    const back = await waitUntil(async () => {
      const r = await h1.ctl('--fleet', 'status');
      // Each host comes back as its own lease is granted again: wait for h1's too.
      return r.code === 0 && /h2\s+api\s+ready/.test(r.stdout) && /h1\s+web\s+ready/.test(r.stdout) ? r : null;
    }, 'fleet status back with quorum, h1 and h2 shown ready', 20_000);
    t.match(back.stdout, /h1\s+web\s+ready/);
    t.ok(alive(webPid), 'the local unit ran throughout');
    const plain = await waitUntil(async () => {
      const r = await reader();
      return r !== undefined && !/etcd/.test(r.reason) ? r : null;
    }, 'the etcd note gone once etcd answers', 15_000);
    t.match(plain, { state: 'waiting', reason: /; waiting for h2\/worker$/ }, 'back to the plain wait: h2/worker is still stopped');
    const stopped = await h1.ctl('stop', 'reader');
    t.equal(stopped.code, 0, stopped.stderr);
  });
});
