// Safe drains end to end: health answers 503 while draining, open connections hold the drain,
// and a drain cut off by its timeout is reported as forced (supctl exits 1), with no process left.
import net from 'node:net';
import t from 'tap';
import { Supd, alive, assertBuilt, fixture, freePort } from './harness.js';

assertBuilt();

t.test('a drain held by an open connection: 503 while draining, forced at the timeout, supctl exits 1', async (t) => {
  const port = await freePort();
  const supd = await new Supd(t, {
    units: { srv: `command: ${fixture('tcp-server.js', '--port', port)}\nready: {tcp: ${port}}\nsafeStop: {waitConnections: [${port}], timeout: 1s}\n` },
  }).start();
  await supd.waitState('srv', 'ready');
  const pid = (await supd.unit('srv')).pid as number;
  t.equal((await supd.api('GET', '/v1/units/srv/health')).status, 200, 'healthy while ready');
  const client = net.connect(port, '127.0.0.1');
  t.teardown(() => client.destroy());
  await new Promise((r) => client.once('connect', r));
  const from = supd.events.length;
  const stopping = supd.ctl('stop', '--safe', 'srv');
  await supd.waitState('srv', 'draining', from);
  t.equal((await supd.api('GET', '/v1/units/srv/health')).status, 503, 'health is 503 the moment the drain starts');
  const r = await stopping;
  t.equal(r.code, 1, 'a forced drain fails the stop');
  t.match(r.stdout + r.stderr, /forced/, 'and says it was forced');
  t.notOk(alive(pid), 'the server is gone');
  t.equal((await supd.unit('srv')).state, 'inactive');
});

t.test('a drain with no open connections ends cleanly and supctl exits 0', async (t) => {
  const port = await freePort();
  const supd = await new Supd(t, {
    units: { srv: `command: ${fixture('tcp-server.js', '--port', port)}\nready: {tcp: ${port}}\nsafeStop: {waitConnections: [${port}], timeout: 30s}\n` },
  }).start();
  await supd.waitState('srv', 'ready');
  const r = await supd.ctl('stop', '--safe', 'srv');
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match((await supd.unit('srv')).reason, /stopped/);
});
