// Fleet rollouts behind one real load balancer: four HTTP servers on three supd hosts (a private
// 3-member etcd) behind one private HAProxy, each server's lb hooks driving HAProxy's runtime API.
// Under a steady load through HAProxy, a one-by-one and a half-by-half fleet rollout (driven by
// h1, steps executed by each server's own supd) finish with zero failed requests; HAProxy retries
// nothing, so the clean result is the hooks' doing (taken out before the drain, put back only
// once ready). Neither rollout has more servers out than its budget (one; half of four, two),
// counted in etcd's view, in every host's transitions and in HAProxy by the hooks' log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { FIXTURES, NODE, assertBuilt, fixture, freePort, waitUntil } from './harness.js';
import { ETCD, EtcdCluster } from './etcd-cluster.js';
import { startFleet, type FleetHost } from './fleet-hosts.js';
import { hookLines, lbOut, watchOutOfService } from './fleet-out.js';
import { HAPROXY, startHaproxy } from './haproxy-proc.js';
import { startLoad, type Load } from './load.js';

const SERVERS = ['h1/u1', 'h2/u2', 'h3/u3', 'h3/u4'];
const CONCURRENCY = 8;
// half-by-half may take half the servers out at once, rounded up (budgetOf in daemon/core/rollout.ts).
const HALF = Math.ceil(SERVERS.length / 2);

interface View {
  state: string;
  budget: number;
  steps: { unit: string; batch: number; state: string }[];
}

function unitFile(port: number, socket: string, hookLog: string): string {
  const ctl = (verb: string): string =>
    JSON.stringify([NODE, path.join(FIXTURES, 'haproxy-ctl.js'), '--socket', socket, '--log', hookLog, verb, 'be/${unit}']);
  return [
    `command: ${fixture('http-server.js', '--port', port, '--delay', '50-200')}`,
    'groups: [web]',
    `ready: {http: "http://127.0.0.1:${port}/health", timeout: 10s, interval: 50ms}`,
    `safeStop: {signal: SIGUSR2, waitConnections: [${port}], timeout: 5s}`,
    'stop: {timeout: 5s}',
    `lb: {disable: ${ctl('disable')}, enable: ${ctl('enable')}, timeout: 10s}`,
    '',
  ].join('\n');
}

t.setTimeout(300_000);

const skip = ETCD === null ? 'etcd is not installed (apt-get install etcd-server)'
  : HAPROXY === undefined ? 'haproxy is not installed (Debian package haproxy)' : false;
if (skip === false) assertBuilt();

t.test('fleet rollouts across three hosts behind one HAProxy under load: zero failed requests', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-fhap-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const front = await freePort();
  const ports: Record<string, number> = {};
  for (const s of SERVERS) ports[s.split('/')[1] as string] = await freePort();
  const hookLog = path.join(dir, 'hooks.log');
  const haproxy = await startHaproxy(t, dir, front, ports);
  const units = (names: string[]): Record<string, string> =>
    Object.fromEntries(names.map((u) => [u, unitFile(ports[u] as number, haproxy.socket, hookLog)]));

  const etcd = await new EtcdCluster(t).start();
  const hosts = await startFleet(t, etcd, { h1: units(['u1']), h2: units(['u2']), h3: units(['u3', 'u4']) });
  const [h1, h2, h3] = hosts as [FleetHost, FleetHost, FleetHost];
  const byName = new Map<string, FleetHost>([['h1', h1], ['h2', h2], ['h3', h3]]);
  const hostOf = (n: string): FleetHost => byName.get(n.split('/')[0] as string) as FleetHost;
  const unitOf = (n: string): string => n.split('/')[1] as string;
  await Promise.all(SERVERS.map((n) => hostOf(n).supd.waitState(unitOf(n), 'ready')));
  const pids = async (): Promise<Map<string, number>> =>
    new Map(await Promise.all(SERVERS.map(async (n) => [n, (await hostOf(n).supd.unit(unitOf(n))).pid as number] as const)));
  const servedByAll = (load: Load, procs: Map<string, number>, what: string): Promise<true> =>
    waitUntil(() => ([...procs.values()].every((pid) => load.served.some((s) => s.pid === pid)) ? true : null), what, 30_000);

  const gen0 = await pids();
  const load = startLoad(`http://127.0.0.1:${front}/`, CONCURRENCY);
  let stopped = false;
  t.teardown(() => (stopped ? undefined : load.stop()));
  await servedByAll(load, gen0, 'every server to answer through haproxy');

  const oneOut = watchOutOfService(hosts, SERVERS, h1);
  const one = await h1.ctl('--json', '--fleet', 'restart', '--rolling', 'one-by-one', 'web');
  const oneCount = await oneOut.done();
  const oneHooks = hookLines(hookLog);
  t.equal(one.code, 0, `one-by-one finished: ${one.stderr}`);
  const gen1 = await pids();
  t.ok(SERVERS.every((n) => gen1.get(n) !== gen0.get(n)), 'one-by-one: every server has a new process');
  await servedByAll(load, gen1, 'the new processes to serve');

  const halfOut = watchOutOfService(hosts, SERVERS, h1);
  const half = await h2.ctl('--json', '--fleet', 'restart', '--rolling', 'half-by-half', 'web');
  const halfCount = await halfOut.done();
  const halfHooks = hookLines(hookLog).slice(oneHooks.length);
  t.equal(half.code, 0, `half-by-half finished: ${half.stderr}`);
  const gen2 = await pids();
  t.ok(SERVERS.every((n) => gen2.get(n) !== gen1.get(n)), 'half-by-half: every server has a new process');
  await servedByAll(load, gen2, 'the new processes to serve');

  await load.stop();
  stopped = true;
  const seconds = (Date.now() - load.startedAt) / 1000;

  const oneView = (JSON.parse(one.stdout) as { rollout: View }).rollout;
  const halfView = (JSON.parse(half.stdout) as { rollout: View }).rollout;
  t.same(oneView.steps.map((s) => [s.unit, s.batch, s.state]), SERVERS.map((n, i) => [n, i, 'ok']), 'one-by-one: one server per batch, across the hosts');
  t.same(halfView.steps.map((s) => [s.batch, s.state]), [[0, 'ok'], [0, 'ok'], [1, 'ok'], [1, 'ok']], 'half-by-half: two servers per batch');

  // Never more servers out than the budget: not ready in etcd's view (polled) or in the hosts'
  // transitions, or disabled in HAProxy (the hooks' log, in the order the hooks finished).
  t.equal(oneView.budget, 1, 'one-by-one: a budget of one');
  t.equal(halfView.budget, HALF, `half-by-half: a budget of half the ${SERVERS.length} servers`);
  for (const [name, count, hooks, budget] of [['one-by-one', oneCount, oneHooks, 1], ['half-by-half', halfCount, halfHooks, HALF]] as const) {
    const lb = lbOut(hooks);
    t.comment(`${name}: most servers out at once: ${count.maxPolled} in etcd's view (${count.polls} polls), `
      + `${count.maxEvents} in the hosts' transitions, ${lb.max} disabled in haproxy`);
    t.ok(count.polls >= 5, `${name}: etcd's view was sampled (${count.polls} polls)`);
    t.ok(count.maxPolled <= budget, `${name}: never more than ${budget} out in etcd's view (most: ${count.maxPolled})`);
    t.ok(count.maxEvents <= budget, `${name}: never more than ${budget} out across the hosts' transitions (most: ${count.maxEvents})`);
    t.ok(lb.max <= budget, `${name}: never more than ${budget} disabled in haproxy (most: ${lb.max})`);
    t.ok(count.maxEvents >= 1 && lb.max >= 1, `${name}: the count saw servers go out`);
    t.same(lb.disabled, [], `${name}: every server disabled was enabled again`);
  }

  const hooks = hookLines(hookLog);
  t.comment(`load: ${load.total()} requests through haproxy in ${seconds.toFixed(1)}s by ${CONCURRENCY} concurrent clients `
    + `(keep-alive off, 50-200 ms each) over ${SERVERS.length} servers on 3 hosts, ${load.failures.length} failed`);
  const kinds = [...new Set(load.failures)].slice(0, 5).join('; ');
  t.equal(load.failures.length, 0, `zero failed requests (no status other than 200, no connection error)${kinds ? `: ${kinds}` : ''}`);
  t.ok(load.served.length > 100, `a steady load ran (${load.served.length} requests answered)`);
  t.equal(hooks.filter((l) => l.startsWith('disable')).length, 8, 'haproxy took each server out for each step (two rollouts)');
  t.equal(hooks.filter((l) => l.startsWith('enable')).length, 8, 'and put it back once ready');
  t.notMatch(haproxy.output(), /ALERT/, 'haproxy reported no alert');
});
