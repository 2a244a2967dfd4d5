// Rolling restarts behind a real load balancer: a private HAProxy in front of four HTTP servers
// supervised by supd, whose lb hooks drive HAProxy's runtime API (fixtures/bin/haproxy-ctl.js).
// Under a steady load through HAProxy, a one-by-one and a half-by-half rolling restart both finish
// with zero failed requests, and every request in flight when a drain began completes with 200.
// HAProxy retries nothing (`retries 0`, no redispatch): a request sent to a server that cannot
// take it fails and is counted, so the clean result is the lb hooks' doing, not masking.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { RolloutView } from '../../daemon/control.js';
import { FIXTURES, NODE, Supd, assertBuilt, fixture, freePort, waitUntil } from './harness.js';
import { startLoad, type Load } from './load.js';
import { HAPROXY, startHaproxy } from './haproxy-proc.js';

const UNITS = ['u1', 'u2', 'u3', 'u4'];
const CONCURRENCY = 8;

if (HAPROXY !== undefined) assertBuilt();

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

async function pids(supd: Supd): Promise<Map<string, number>> {
  return new Map(await Promise.all(UNITS.map(async (u) => [u, (await supd.unit(u)).pid as number] as const)));
}

/** Waits until every one of these processes has answered a request through HAProxy. */
function servedByAll(load: Load, procs: Map<string, number>, what: string): Promise<true> {
  return waitUntil(() => ([...procs.values()].every((pid) => load.served.some((s) => s.pid === pid)) ? true : null), what);
}

t.test('one-by-one and half-by-half rollouts behind HAProxy under load: zero failed requests', {
  skip: HAPROXY === undefined ? 'haproxy is not installed (Debian package haproxy, /usr/sbin/haproxy)' : false,
}, async (t) => {
  // A short path of its own: unix socket paths are limited to 107 bytes.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-haproxy-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const front = await freePort();
  const ports: Record<string, number> = {};
  for (const u of UNITS) ports[u] = await freePort();
  const hookLog = path.join(dir, 'hooks.log');
  const haproxy = await startHaproxy(t, dir, front, ports);

  const supd = await new Supd(t, { units: Object.fromEntries(UNITS.map((u) => [u, unitFile(ports[u] as number, haproxy.socket, hookLog)])) }).start();
  for (const u of UNITS) await supd.waitState(u, 'ready');
  const gen0 = await pids(supd);

  const load = startLoad(`http://127.0.0.1:${front}/`, CONCURRENCY);
  let stopped = false;
  t.teardown(() => (stopped ? undefined : load.stop()));
  await servedByAll(load, gen0, 'every server to answer through haproxy');
  const from = supd.events.length;

  const one = await supd.ctl('restart', '--rolling', 'one-by-one', 'web');
  t.equal(one.code, 0, `one-by-one finished ok: ${one.stdout}${one.stderr}`);
  const gen1 = await pids(supd);
  t.ok(UNITS.every((u) => gen1.get(u) !== gen0.get(u)), 'one-by-one: every unit has a new process');
  await servedByAll(load, gen1, 'the new processes to serve');

  const half = await supd.ctl('restart', '--rolling', 'half-by-half', 'web');
  t.equal(half.code, 0, `half-by-half finished ok: ${half.stdout}${half.stderr}`);
  const gen2 = await pids(supd);
  t.ok(UNITS.every((u) => gen2.get(u) !== gen1.get(u)), 'half-by-half: every unit has a new process');
  await servedByAll(load, gen2, 'the new processes to serve');

  await load.stop();
  stopped = true;
  const seconds = (Date.now() - load.startedAt) / 1000;

  const rollouts = ((await supd.api('GET', '/v1/rollouts')).body as { rollouts: RolloutView[] }).rollouts;
  t.same(rollouts.map((r) => [r.strategy, r.state]), [['one-by-one', 'ok'], ['half-by-half', 'ok']], 'both rollouts ok');
  t.same(rollouts[1]?.steps.map((s) => s.batch), [0, 0, 1, 1], 'half-by-half: two units per batch');

  // Requests in flight when each drain began (supd's `draining` transition): received by that
  // process before it, answered after it. They are among the 200s, so all of them completed.
  const drains = supd.transitions().filter((e) => supd.events.indexOf(e) >= from && e.to === 'draining');
  t.equal(drains.length, 8, 'eight drains: four per rollout');
  let inflight = 0;
  for (const d of drains) {
    const at = Date.parse(d.at);
    inflight += load.served.filter((s) => s.pid === d.pid && s.arrived <= at && s.done >= at).length;
  }
  const hooks = fs.readFileSync(hookLog, 'utf8').trim().split('\n');
  const atDisable = hooks.filter((l) => l.startsWith('disable')).reduce((n, l) => n + Number(/inflight=(\d+)/.exec(l)?.[1] ?? 0), 0);

  t.comment(`load: ${load.total()} requests through haproxy in ${seconds.toFixed(1)}s by ${CONCURRENCY} concurrent clients `
    + `(keep-alive off, 50-200 ms each), ${load.failures.length} failed; ${inflight} in flight when a drain began `
    + `and answered 200 (${atDisable} sessions on a server when haproxy took it out)`);
  const kinds = [...new Set(load.failures)].slice(0, 5).join('; ');
  t.equal(load.failures.length, 0, `zero failed requests (no status other than 200, no connection error)${kinds ? `: ${kinds}` : ''}`);
  t.ok(load.served.length > 100, `a steady load ran (${load.served.length} requests answered)`);
  // With 8 clients over 4 servers each server holds about two requests at any moment, so over
  // eight drains this is never zero in practice; it shows the count above is not vacuous.
  t.ok(inflight > 0, 'some requests were in flight when a drain began, and completed');
  t.equal(hooks.filter((l) => l.startsWith('disable')).length, 8, 'haproxy took each server out for each drain');
  t.equal(hooks.filter((l) => l.startsWith('enable')).length, 8, 'and put it back once ready');
  t.notMatch(haproxy.output(), /ALERT/, 'haproxy reported no alert');
});
