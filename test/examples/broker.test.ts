// The fake broker and datastore replicas, run directly (not under supd).
import path from 'node:path';
import t from 'tap';
import type { Proc, Teardown } from './helpers.js';
import { EXAMPLES, ask, freePorts, startNode, waitFor, waitForOutput } from './helpers.js';

const DIR = path.join(EXAMPLES, 'broker');

function broker(t: Teardown, port: number): Proc {
  return startNode(t, 'bin/broker.mjs', ['--port', String(port)], DIR);
}

function replica(t: Teardown, name: string, httpPort: number, brokerPort: number): Proc {
  return startNode(t, 'bin/replica.mjs', ['--name', name, '--http-port', String(httpPort), '--broker', `127.0.0.1:${brokerPort}`], DIR);
}

async function get(port: number, pathAndQuery: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${pathAndQuery}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
  } catch {
    return false;
  }
}

t.test('the broker delivers a PUB to the other subscribers only', async (t) => {
  const [port] = await freePorts(1) as [number];
  const b = broker(t, port);
  await waitForOutput(b, /listening on/);
  t.equal(await ask(t, port, 'PING'), 'PONG');
  t.equal(await ask(t, port, 'PUB nobody hello'), 'OK delivered 0');
});

t.test('a replica refuses to start without the broker', async (t) => {
  const [http, port] = await freePorts(2) as [number, number];
  const r = replica(t, 'replica_a', http, port);
  t.equal((await r.exited).code, 1);
  t.match(r.stderr(), `replica_a: cannot reach the broker at 127.0.0.1:${port}`);
});

t.test('a write to one replica reaches the other through the broker', async (t) => {
  const [port, ha, hb] = await freePorts(3) as [number, number, number];
  const b = broker(t, port);
  await waitForOutput(b, /listening on/);
  replica(t, 'replica_a', ha, port);
  replica(t, 'replica_b', hb, port);
  await waitFor('both replicas to be healthy', async () => (await healthy(ha)) && (await healthy(hb)));

  const res = await fetch(`http://127.0.0.1:${ha}/set?key=colour&value=blue`, { method: 'POST' });
  t.equal(res.status, 200);
  const seen = await waitFor('replica_b to apply the change', async () => {
    const r = await get(hb, '/get?key=colour');
    return r.status === 200 ? r.body : null;
  });
  t.same(seen, { key: 'colour', value: 'blue' });
  t.same((await get(ha, '/data')).body, { colour: 'blue' });
});

t.test('a replica reports 503 while the broker is away and recovers by itself', async (t) => {
  const [port, http] = await freePorts(2) as [number, number];
  const b = broker(t, port);
  await waitForOutput(b, /listening on/);
  const r = replica(t, 'replica_a', http, port);
  await waitFor('the replica to be healthy', () => healthy(http));

  process.kill(b.pid, 'SIGTERM');
  t.equal((await b.exited).code, 0);
  await waitFor('health to turn 503', async () => !(await healthy(http)));
  const refused = await fetch(`http://127.0.0.1:${http}/set?key=k&value=v`, { method: 'POST' });
  t.equal(refused.status, 503, 'no writes without the broker');
  t.equal(r.exit(), null, 'the replica keeps running');

  const b2 = broker(t, port);
  await waitForOutput(b2, /listening on/);
  await waitFor('health to come back', () => healthy(http));
  t.match(r.stdout(), /reconnected to the broker/);
});
