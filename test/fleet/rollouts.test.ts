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
const ONE = { strategy: 'one-by-one' as const, maxUnavailable: null, canary: null };

interface Call {
  host: string;
  path: string;
  answer(status: number, body?: string): void;
}

/** A driver on host `name`: its forwards are recorded and answered by the test. */
/** The unit records the driver's watch shows (`HOST/UNIT` → state), and a way to say one changed. */
class Records {
  states = new Map<string, string>();
  pids = new Map<string, number>();
  private listeners = new Set<() => void>();
  set(name: string, state: string): void {
    this.states.set(name, state);
    for (const l of [...this.listeners]) l();
  }
  on(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

async function driver(etcd: FakeEtcd, name: string, calls: Call[], records = new Records()): Promise<{ ro: FleetRollouts; store: FakeStoreClient }> {
  const store = etcd.client();
  store.hold(2000, () => {});
  await new Promise((r) => setTimeout(r, 1));
  const member = {
    host: name,
    keys: fleetKeys('/supd'),
    forward: (host: string, req: ForwardRequest): Promise<ForwardResponse> =>
      new Promise((resolve) => calls.push({ host, path: req.path, answer: (status, body = '{}') => resolve({ status, body }) })),
    // No unit record watched: the unit is left to its step (taken as serving).
    remote: (host: string, unit: string) => {
      const state = records.states.get(`${host}/${unit}`);
      return state === undefined ? null : { state, ready: state === 'ready', pid: records.pids.get(`${host}/${unit}`) ?? null };
    },
    onRemote: (l: () => void) => records.on(l),
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
  const first = await a.ro.start({ units: ['h2/w1', 'h3/w2'], rolling: ONE, wait: false });
  const refused = await b.ro.start({ units: ['h3/w2'], rolling: ONE, wait: false }).then(() => null, (e: unknown) => e);
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
  const done = a.ro.start({ units: ['h1/w1', 'h2/w2', 'h3/w3'], rolling: ONE, wait: true });
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
  const started = await a.ro.start({ units: ['h2/w1', 'h3/w2', 'h3/w3'], rolling: ONE, wait: false });
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
  const started = await a.ro.start({ units: ['h2/w1', 'h3/w2'], rolling: ONE, wait: false });
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
  const r = await a.ro.start({ units: ['web'], rolling: ONE, wait: false });
  t.same(r.steps.map((s) => s.unit), ['h2/vdp1', 'h3/vdp2']);
  (await nextCall(calls, 1)).answer(200);
  (await nextCall(calls, 2)).answer(200);
  const b = await driver(etcd, 'h2', []);
  await new Promise((res) => setTimeout(res, 10));
  const none = await b.ro.start({ units: ['nope'], rolling: ONE, wait: false }).then(() => null, (e: unknown) => e);
  t.match(none, { code: 'SUPD_UNKNOWN_TARGET', message: /no unit or group named "nope"/ });
  t.notOk(etcd.kv.has('/supd/rollout/lock'), 'no lock taken for a refused target');
});

const outstanding = (calls: Call[], answered: Set<Call>): string[] => calls.filter((c) => !answered.has(c)).map((c) => `${c.host}${c.path}`);

t.test('maxUnavailable 2 over five units on three hosts: the next begins as soon as one ends, never more than two out', async (t) => {
  const etcd = new FakeEtcd();
  const calls: Call[] = [];
  const a = await driver(etcd, 'h1', calls);
  const units = ['h1/a', 'h2/b', 'h2/c', 'h3/d', 'h3/e'];
  const done = a.ro.start({ units, rolling: { ...ONE, maxUnavailable: '2' }, wait: true });
  const answered = new Set<Call>();
  let most = 0;
  for (let n = 1; answered.size < units.length; n++) {
    if (n <= units.length) await nextCall(calls, n);
    await new Promise((r) => setTimeout(r, 15));
    most = Math.max(most, outstanding(calls, answered).length);
    // Answer the oldest outstanding step.
    const c = calls.find((x) => !answered.has(x)) as Call;
    answered.add(c);
    c.answer(200);
  }
  const r = await done;
  t.equal(r.state, 'ok');
  t.equal(r.budget, 2);
  t.equal(r.maxUnavailable, '2');
  t.equal(most, 2, 'two steps ran at once, never three');
  t.same(calls.map((c) => c.host), ['h1', 'h2', 'h2', 'h3', 'h3'], 'in the order given');
  t.same(r.steps.map((s) => s.batch), [0, 0, 1, 2, 3], 'two began together, then each alone as room freed (no waves)');
});

t.test('the budget counts units out of service on every host, from their records', async (t) => {
  const etcd = new FakeEtcd();
  const calls: Call[] = [];
  const records = new Records();
  for (const u of ['h1/a', 'h2/b', 'h3/c', 'h3/d']) records.set(u, 'ready');
  const a = await driver(etcd, 'h1', calls, records);
  const done = a.ro.start({ units: ['h1/a', 'h2/b', 'h3/c', 'h3/d'], rolling: { ...ONE, maxUnavailable: '50%' }, wait: true });
  const c1 = await nextCall(calls, 1);
  const c2 = await nextCall(calls, 2);
  t.same([c1.host, c2.host], ['h1', 'h2']);
  // h1 answers, but its record still shows a on its way back: it is still out of service.
  records.set('h1/a', 'starting');
  c1.answer(200);
  await new Promise((r) => setTimeout(r, 50));
  t.equal(calls.length, 2, 'no third unit while h1/a is not ready in etcd');
  records.set('h1/a', 'ready');
  const c3 = await nextCall(calls, 3);
  t.equal(c3.host, 'h3', 'h1/a ready in etcd frees the budget at once');
  c2.answer(200);
  c3.answer(200);
  (await nextCall(calls, 4)).answer(200);
  t.match(await done, { state: 'ok' });
});

t.test('a canary that leaves ready during its soak stops the rollout before any other unit is touched', async (t) => {
  const etcd = new FakeEtcd();
  const calls: Call[] = [];
  const records = new Records();
  for (const u of ['h1/a', 'h2/b', 'h3/c']) records.set(u, 'ready');
  const a = await driver(etcd, 'h1', calls, records);
  const done = a.ro.start({ units: ['h2/b', 'h1/a', 'h3/c'], rolling: { ...ONE, maxUnavailable: '2', canary: '10s' }, wait: true });
  const c1 = await nextCall(calls, 1);
  t.equal(c1.host, 'h2', 'the first unit is the canary');
  c1.answer(200);
  await new Promise((r) => setTimeout(r, 30));
  t.match(await a.ro.get((await a.ro.list())[0]?.id as string), { state: 'running', steps: [{ state: 'in-progress', reason: 'canary: soaking' }] });
  records.set('h2/b', 'stopping');
  const r = await done;
  t.match(r, { state: 'error', error: { unit: 'h2/b', reason: /left ready during its soak/ } });
  t.same(r.steps.map((s) => s.state), ['error', 'pending', 'pending']);
  t.equal(calls.length, 1, 'no other unit was asked');
});

t.test('a canary that holds for its soak lets the rest go, with the budget', async (t) => {
  const etcd = new FakeEtcd();
  const calls: Call[] = [];
  const records = new Records();
  for (const u of ['h1/a', 'h2/b', 'h3/c']) records.set(u, 'ready');
  const a = await driver(etcd, 'h1', calls, records);
  const done = a.ro.start({ units: ['h1/a', 'h2/b', 'h3/c'], rolling: { strategy: 'half-by-half', maxUnavailable: null, canary: '100ms' }, wait: true });
  (await nextCall(calls, 1)).answer(200);
  const c2 = await nextCall(calls, 2);
  const c3 = await nextCall(calls, 3);
  t.same([c2.host, c3.host], ['h2', 'h3'], 'then the rest, half by half (two of three)');
  c2.answer(200);
  c3.answer(200);
  const r = await done;
  t.match(r, { state: 'ok', canary: 100 });
  t.same(r.steps.map((s) => s.state), ['ok', 'ok', 'ok']);
});

t.test('bad strategy settings are refused before anything is locked', async (t) => {
  const etcd = new FakeEtcd();
  const a = await driver(etcd, 'h1', []);
  const bad = await a.ro.start({ units: ['h1/a'], rolling: { ...ONE, maxUnavailable: 'lots' }, wait: false }).then(() => null, (e: unknown) => e);
  t.match(bad, { code: 'SUPD_BAD_REQUEST', message: /maxUnavailable: expected a count/ });
  t.notOk(etcd.kv.has('/supd/rollout/lock'));
});

/** A canary rollout over h2/b, h1/a, h3/c whose driver h1 dies while h2/b soaks (60 s). */
async function diedWhileSoaking(t: Tap): Promise<{ etcd: FakeEtcd; records: Records; id: string }> {
  const etcd = new FakeEtcd();
  const calls: Call[] = [];
  const records = new Records();
  for (const u of ['h1/a', 'h2/b', 'h3/c']) records.set(u, 'ready');
  records.pids.set('h2/b', 100);
  const a = await driver(etcd, 'h1', calls, records);
  const started = await a.ro.start({ units: ['h2/b', 'h1/a', 'h3/c'], rolling: { ...ONE, canary: '60s' }, wait: false });
  const c1 = await nextCall(calls, 1);
  records.pids.set('h2/b', 200);
  c1.answer(200);
  await new Promise((r) => setTimeout(r, 30));
  t.match(await a.ro.get(started.id), { steps: [{ state: 'in-progress', reason: 'canary: soaking' }] }, 'the canary soaking when its driver dies');
  etcd.expire(a.store.lease as number);
  return { etcd, records, id: started.id };
}

type Tap = { match(found: unknown, wanted: unknown, message: string): unknown };

t.test('resumed while its canary soaked: the canary is not restarted again, it soaks again in full, and failing then stops the rollout', async (t) => {
  const { etcd, records, id } = await diedWhileSoaking(t);
  const calls: Call[] = [];
  const b = await driver(etcd, 'h2', calls, records);
  t.equal((await b.ro.get(id)).state, 'interrupted');
  const resumed = await b.ro.resume(id, false);
  t.match(resumed, { state: 'running', driver: 'h2', steps: [{ unit: 'h2/b', state: 'in-progress', reason: /soaking \(again in full: resumed\)/ }, { state: 'pending' }, { state: 'pending' }] },
    'the soak is neither skipped nor counted as done');
  await new Promise((r) => setTimeout(r, 30));
  t.equal(calls.length, 0, 'the canary, restarted once already, is not restarted again; nothing else is touched while it soaks');
  records.set('h2/b', 'stopping');
  const end = await waitEnd(b.ro, id);
  t.match(end, { state: 'error', error: { unit: 'h2/b', reason: /left ready during its soak/ } });
  t.same(end.steps.map((s) => s.state), ['error', 'pending', 'pending']);
  t.equal(calls.length, 0, 'no other unit was asked');
});

t.test('resumed while its canary soaked, the canary restarted meanwhile: the rollout stops at once', async (t) => {
  const { etcd, records, id } = await diedWhileSoaking(t);
  records.pids.set('h2/b', 300);
  const calls: Call[] = [];
  const b = await driver(etcd, 'h2', calls, records);
  await b.ro.resume(id, false);
  const end = await waitEnd(b.ro, id);
  t.match(end, { state: 'error', error: { unit: 'h2/b', reason: /restarted while the rollout had no driver \(pid 200 → 300\)/ } });
  t.same(end.steps.map((s) => s.state), ['error', 'pending', 'pending']);
  t.equal(calls.length, 0, 'no other unit was asked');
  t.notOk(etcd.kv.has('/supd/rollout/lock'), 'the lock is released');
});

t.test('resumed while its canary soaked, the soak holding: the rest goes on after it', async (t) => {
  const { etcd, records, id } = await diedWhileSoaking(t);
  const calls: Call[] = [];
  const b = await driver(etcd, 'h2', calls, records);
  // The soak of the resumed canary is the plan's; shorten it in etcd for the test (60 s → 50 ms).
  const key = `/supd/rollouts/${id}`;
  const stored = JSON.parse(etcd.kv.get(key)?.value as string) as { plan: { canary: number } };
  stored.plan.canary = 50;
  etcd.kv.set(key, { value: JSON.stringify(stored), lease: null });
  const done = b.ro.resume(id, true);
  const c1 = await nextCall(calls, 1);
  t.equal(c1.path, '/v1/units/a/restart', 'after the soak, the next server');
  c1.answer(200);
  (await nextCall(calls, 2)).answer(200);
  const end = await done;
  t.match(end, { state: 'ok' });
  t.same(end.steps.map((s) => [s.unit, s.state]), [['h2/b', 'ok'], ['h1/a', 'ok'], ['h3/c', 'ok']]);
});

async function waitEnd(ro: FleetRollouts, id: string): Promise<Awaited<ReturnType<FleetRollouts['get']>>> {
  for (let i = 0; i < 300; i++) {
    const v = await ro.get(id);
    if (v.state !== 'running') return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`rollout ${id} still running`);
}
