// `stop --safe all` drains in reverse dependency order: every slave's drain has finished (the slave
// is stopped) before the master's drain begins, and a draining unit shows its open connections.
// Open client connections hold each drain, so the test decides when each one may end.
import net from 'node:net';
import t from 'tap';
import { Supd, assertBuilt, fixture, freePort, waitUntil } from './harness.js';

assertBuilt();

async function connect(t: Tap, port: number): Promise<net.Socket> {
  const c = net.connect(port, '127.0.0.1');
  t.teardown(() => c.destroy());
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  c.on('error', () => undefined);
  return c;
}

type Tap = { teardown(fn: () => unknown): void };

t.test('stop --safe all: the slaves drain and stop before the master drains; draining shows connections', async (t) => {
  const [pm, p1, p2] = [await freePort(), await freePort(), await freePort()];
  const server = (port: number, extra: string): string =>
    `command: ${fixture('tcp-server.js', '--port', port)}\nready: {tcp: ${port}}\n${extra}`
    + `safeStop: {waitConnections: [${port}], timeout: 20s}\n`;
  const supd = await new Supd(t, {
    units: {
      master: server(pm, ''),
      // One slave requires the master, the other is only ordered after it: both stop first.
      s1: server(p1, 'requires: [master]\n'),
      s2: server(p2, 'after: [master]\n'),
    },
  }).start();
  for (const u of ['master', 's1', 's2']) await supd.waitState(u, 'ready');
  const pids = { master: (await supd.unit('master')).pid, s1: (await supd.unit('s1')).pid, s2: (await supd.unit('s2')).pid };

  const toMaster = await connect(t, pm);
  const toS1 = await connect(t, p1);
  const from = supd.events.length;
  const stopping = supd.ctl('stop', '--safe', 'all');

  // s1's drain is held by its client; the master has a client too, but must not drain yet.
  await supd.waitState('s1', 'draining', from);
  const s1 = await waitUntil(async () => {
    const u = await supd.unit('s1');
    return u.connections !== null && u.connections > 0 ? u : null;
  }, 's1 to report its open connection');
  t.match(s1, { state: 'draining', connections: 1, pid: pids.s1 }, 'status shows s1 draining with 1 connection');
  await supd.waitState('s2', 'inactive', from); // no client: s2 drains at once
  t.match(await supd.unit('master'), { state: 'ready', pid: pids.master }, 'the master serves while a slave drains');
  t.equal((await supd.api('GET', '/v1/units/master/health')).status, 200, 'and its health is still 200');

  toS1.destroy();
  await supd.waitState('s1', 'inactive', from);
  await supd.waitState('master', 'draining', from);
  const m = await waitUntil(async () => {
    const u = await supd.unit('master');
    return u.connections !== null && u.connections > 0 ? u : null;
  }, 'the master to report its open connection');
  t.match(m, { state: 'draining', connections: 1 }, 'status shows the master draining with 1 connection');
  t.equal((await supd.api('GET', '/v1/units/master/health')).status, 503, 'the draining master answers 503');
  toMaster.destroy();

  const r = await stopping;
  t.equal(r.code, 0, `a clean drain of every unit: ${r.stdout}${r.stderr}`);
  const seq = supd.transitions().filter((e) => supd.events.indexOf(e) >= from);
  const at = (unit: string, to: string): number => seq.findIndex((e) => e.unit === unit && e.to === to);
  const masterDrain = at('master', 'draining');
  t.ok(masterDrain >= 0, 'the master drained');
  for (const s of ['s1', 's2']) {
    t.ok(at(s, 'draining') >= 0, `${s} drained`);
    t.ok(at(s, 'inactive') >= 0 && at(s, 'inactive') < masterDrain, `${s} stopped before the master's drain began`);
  }
  t.same(seq.filter((e) => e.to === 'draining' || e.to === 'inactive').map((e) => `${e.unit} ${e.to}`).slice(-2), ['master draining', 'master inactive'], 'the master drains and stops last');
  for (const u of ['master', 's1', 's2']) t.match(await supd.unit(u), { state: 'inactive', forced: false }, `${u} stopped cleanly`);
});
