import net from 'node:net';
import t from 'tap';
import { createNet, forEachSocket } from '../../daemon/edges/net.js';
import { waitFor } from './helpers.js';

async function listen(t: { teardown(fn: () => unknown): void }, host = '127.0.0.1'): Promise<net.Server> {
  const server = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((r) => server.listen(0, host, r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return server;
}
const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;

t.test('a listening port is seen, and free once closed', async (t) => {
  const n = createNet();
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = portOf(server);
  t.ok((await n.listeningPorts()).has(port));
  t.equal(await n.isPortFree(port), false);
  await new Promise<void>((r) => server.close(() => r()));
  t.equal(await n.isPortFree(port), true);
});

t.test('an IPv6 listener is seen too', async (t) => {
  const n = createNet();
  let server: net.Server;
  try {
    server = await listen(t, '::1');
  } catch {
    t.comment('no IPv6 loopback here');
    return;
  }
  t.equal(await n.isPortFree(portOf(server)), false);
});

t.test('establishedCount counts the server side of open connections', async (t) => {
  const n = createNet();
  const server = await listen(t);
  const port = portOf(server);
  t.equal(await n.establishedCount([port]), 0);
  const clients: net.Socket[] = [];
  t.teardown(() => clients.forEach((c) => c.destroy()));
  for (let i = 0; i < 5; i++) {
    const c = net.connect(port, '127.0.0.1');
    await new Promise((r) => c.once('connect', r));
    clients.push(c);
  }
  await waitFor(async () => (await n.establishedCount([port])) === 5, '5 connections');
  t.equal(await n.establishedCount([port]), 5, "the clients' own sockets do not count");
  t.equal(await n.establishedCount([port, 1]), 5, 'other ports add nothing');
  t.equal(await n.establishedCount([]), 0);
  clients.splice(0, 2).forEach((c) => c.destroy());
  await waitFor(async () => (await n.establishedCount([port])) === 3, 'back to 3 connections');
  t.pass('closed connections stop counting');
});

t.test('forEachSocket reads the port and state of each row', async (t) => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000',
    '  12: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000',
    '1234: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 0',
    '',
  ].join('\n');
  const rows: [number, string][] = [];
  forEachSocket(text, (port, state) => rows.push([port, state]));
  t.same(rows, [
    [8080, '0A'],
    [8080, '01'],
    [80, '0A'],
  ]);
});
