// Fleet rollouts against the in-memory etcd, with each host's API stood in for by a recorded
// forward: one at a time, the first failure stops the rollout, a driver whose lease went leaves it
// interrupted, and another host resumes it from its first step not ok.
import t from 'tap';
import pino from 'pino';
import { FleetRollouts } from '../../daemon/fleet/rollouts.js';
import { fleetKeys } from '../../daemon/fleet/keys.js';
import type { FleetMember } from '../../daemon/fleet/member.js';
import type { ForwardRequest, ForwardResponse } from '../../daemon/control.js';
import { FakeEtcd, type FakeStoreClient } from '../fakes/etcd.js';

const log = pino({ level: 'silent' });

interface Call {
  host: string;
  path: string;
  answer(status: number, body?: string): void;
}

/** A driver on host `name`: its forwards are recorded and answered by the test. */
async function driver(etcd: FakeEtcd, name: string, calls: Call[]): Promise<{ ro: FleetRollouts; store: FakeStoreClient }> {
  const store = etcd.client();
  store.hold(2000, () => {});
  await new Promise((r) => setTimeout(r, 1));
  const member = {
    host: name,
    keys: fleetKeys('/supd'),
    forward: (host: string, req: ForwardRequest): Promise<ForwardResponse> =>
      new Promise((resolve) => calls.push({ host, path: req.path, answer: (status, body = '{}') => resolve({ status, body }) })),
    // No unit records watched: every unit is left to its step (taken as serving).
    remote: () => null,
  } as unknown as FleetMember;
  return { ro: new FleetRollouts(member, store, log, 100), store };
}

async function nextCall(calls: Call[], n: number): Promise<Call> {
  for (let i = 0; i < 200 && calls.length < n; i++) await new Promise((r) => setTimeout(r, 2));
  const c = calls[n - 1];
  if (c === undefined) throw new Error(`no call #${n}`);
  return c;
}

t.test('one at a time: a second rollout is refused naming the first; steps run one after the other', async (t) => {
  const etcd = new FakeEtcd();
  const calls: Call[] = [];
  const a = await driver(etcd, 'h1', calls);
  const b = await driver(etcd, 'h2', []);
  const first = await a.ro.start({ units: ['h2/w1', 'h3/w2'], strategy: 'one-by-one', wait: false });
  const refused = await b.ro.start({ units: ['h3/w2'], strategy: 'one-by-one', wait: false }).then(() => null, (e: unknown) => e);
  t.match(refused, { code: 'SUPD_CONFLICT', exitCode: 4, message: new RegExp(`fleet rollout ${first.id} is running \\(driven by h1`) });
  const c1 = await nextCall(calls, 1);
  t.same([c1.host, c1.path], ['h2', '/v1/units/w1/restart'], 'the step goes to the owning host');
  t.equal(calls.length, 1, 'one step at a time');
  c1.answer(200);
  const c2 = await nextCall(calls, 2);
  t.same([c2.host, c2.path], ['h3', '/v1/units/w2/restart']);
  c2.answer(200);
  await new Promise((r) => setTimeout(r, 10));
  t.match(await b.ro.get(first.id), { state: 'ok', driver: 'h1' }, 'any host reads it from etcd');
  t.notOk(etcd.kv.has('/supd/rollout/lock'), 'the lock is released');
});

t.test('the first failure stops the rollout; later units are not touched', async (t) => {
  const etcd = new FakeEtcd();
  const calls: Call[] = [];
  const a = await driver(etcd, 'h1', calls);
  const done = a.ro.start({ units: ['h1/w1', 'h2/w2', 'h3/w3'], strategy: 'one-by-one', wait: true });
  (await nextCall(calls, 1)).answer(200);
  (await nextCall(calls, 2)).answer(500, JSON.stringify({ error: { code: 'SUPD_OPERATION_FAILED', message: 'w2: not ready within 30s' } }));
  const r = await done;
  t.equal(r.state, 'error');
  t.same(r.error, { unit: 'h2/w2', reason: 'w2: not ready within 30s' });
  t.same(r.steps.map((s) => s.state), ['ok', 'error', 'pending']);
  t.equal(calls.length, 2, 'h3/w3 was never asked');
});

t.test('a driver whose lease expired leaves the rollout interrupted; another host resumes it from its step', async (t) => {
  const etcd = new FakeEtcd();
  const calls: Call[] = [];
  const a = await driver(etcd, 'h1', calls);
  const started = await a.ro.start({ units: ['h2/w1', 'h3/w2', 'h3/w3'], strategy: 'one-by-one', wait: false });
  (await nextCall(calls, 1)).answer(200);
  await nextCall(calls, 2); // h3/w2 in progress when h1 dies: never answered
  etcd.expire(a.store.lease as number);
  const resumedCalls: Call[] = [];
  const b = await driver(etcd, 'h2', resumedCalls);
  const seen = await b.ro.get(started.id);
  t.equal(seen.state, 'interrupted');
  t.same(seen.steps.map((s) => [s.unit, s.state]), [['h2/w1', 'ok'], ['h3/w2', 'in-progress'], ['h3/w3', 'pending']]);
  const resumed = b.ro.resume(started.id, true);
  const r1 = await nextCall(resumedCalls, 1);
  t.equal(r1.path, '/v1/units/w2/restart', 'the interrupted step is done again');
  r1.answer(200);
  (await nextCall(resumedCalls, 2)).answer(200);
  const end = await resumed;
  t.match(end, { state: 'ok', driver: 'h2' });
  t.same(end.steps.map((s) => s.state), ['ok', 'ok', 'ok']);
});

t.test('an interrupted rollout can be canceled from any host', async (t) => {
  const etcd = new FakeEtcd();
  const calls: Call[] = [];
  const a = await driver(etcd, 'h1', calls);
  const started = await a.ro.start({ units: ['h2/w1', 'h3/w2'], strategy: 'one-by-one', wait: false });
  await nextCall(calls, 1);
  etcd.expire(a.store.lease as number);
  const b = await driver(etcd, 'h3', []);
  const c = await b.ro.cancel(started.id);
  t.equal(c.state, 'canceled');
  t.same(c.steps.map((s) => s.state), ['error', 'canceled'], 'the step it was in is named as interrupted');
  t.match(c.steps[0]?.reason, /interrupted/);
});

t.test('a group names its units on every host; an unknown one is refused before anything runs', async (t) => {
  const etcd = new FakeEtcd();
  const rec = (groups: string[]): string => JSON.stringify({ state: 'ready', ready: true, groups });
  etcd.put('/supd/units/h3/vdp2', rec(['web']), null);
  etcd.put('/supd/units/h2/vdp1', rec(['web']), null);
  etcd.put('/supd/units/h2/db', rec([]), null);
  const calls: Call[] = [];
  const a = await driver(etcd, 'h1', calls);
  const r = await a.ro.start({ units: ['web'], strategy: 'one-by-one', wait: false });
  t.same(r.steps.map((s) => s.unit), ['h2/vdp1', 'h3/vdp2']);
  (await nextCall(calls, 1)).answer(200);
  (await nextCall(calls, 2)).answer(200);
  const b = await driver(etcd, 'h2', []);
  await new Promise((res) => setTimeout(res, 10));
  const none = await b.ro.start({ units: ['nope'], strategy: 'one-by-one', wait: false }).then(() => null, (e: unknown) => e);
  t.match(none, { code: 'SUPD_UNKNOWN_TARGET', message: /no unit or group named "nope"/ });
  t.notOk(etcd.kv.has('/supd/rollout/lock'), 'no lock taken for a refused target');
});
