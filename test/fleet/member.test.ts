// The fleet member against the in-memory etcd: what it publishes, what the fleet view shows when
// a host's lease goes, and how a lost quorum is reported.
import t from 'tap';
import pino from 'pino';
import { FleetMember, type LocalUnits } from '../../daemon/fleet/member.js';
import type { UnitRecord } from '../../daemon/fleet/records.js';
import type { FleetEvent } from '../../daemon/control.js';
import { FakeEtcd, type FakeStoreClient } from '../fakes/etcd.js';

const log = pino({ level: 'silent' });

class Units implements LocalUnits {
  recs = new Map<string, UnitRecord>();
  private listeners = new Set<(u: string | null) => void>();
  names(): string[] {
    return [...this.recs.keys()];
  }
  record(name: string): UnitRecord | null {
    return this.recs.get(name) ?? null;
  }
  subscribe(on: (u: string | null) => void): () => void {
    this.listeners.add(on);
    return () => this.listeners.delete(on);
  }
  set(name: string, state: UnitRecord['state'], pid: number | null = null): void {
    this.recs.set(name, { state, ready: state === 'ready', pid, generation: 1, metadata: null, stale: false, reason: state, since: '2026-01-01T00:00:00.000Z', requires: [], groups: [] });
    for (const l of this.listeners) l(name);
  }
  remove(name: string): void {
    this.recs.delete(name);
    for (const l of this.listeners) l(null);
  }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

function member(etcd: FakeEtcd, host: string, units: Units): { m: FleetMember; store: FakeStoreClient } {
  const store = etcd.client();
  const m = new FleetMember(store, units, {
    host, advertise: `http://${host}:7878`, prefix: '/supd', ttlMs: 2000, token: 't', version: '1.0.0', timeoutMs: 100, commandTimeoutMs: 100,
  }, log);
  m.start();
  return { m, store };
}

/** h1 with web ready (pid 11) and h2 with db ready (pid 22), both published. */
async function twoHosts(): Promise<{ etcd: FakeEtcd; u1: Units; u2: Units; a: ReturnType<typeof member>; b: ReturnType<typeof member> }> {
  const etcd = new FakeEtcd();
  const u1 = new Units();
  u1.set('web', 'ready', 11);
  const u2 = new Units();
  u2.set('db', 'ready', 22);
  const a = member(etcd, 'h1', u1);
  const b = member(etcd, 'h2', u2);
  await settle();
  return { etcd, u1, u2, a, b };
}

t.test('each host publishes its host record, alive key and units; any host reads them all', async (t) => {
  const etcd = new FakeEtcd();
  const u1 = new Units();
  u1.set('web', 'ready', 11);
  const u2 = new Units();
  u2.set('db', 'starting');
  const a = member(etcd, 'h1', u1);
  const b = member(etcd, 'h2', u2);
  await settle();
  t.same([...etcd.kv.keys()].sort(), ['/supd/alive/h1', '/supd/alive/h2', '/supd/hosts/h1', '/supd/hosts/h2', '/supd/units/h1/web', '/supd/units/h2/db']);
  u2.set('db', 'ready', 22);
  await settle();
  const view = await a.m.status();
  t.same(view.units.map((u) => [u.host, u.name, u.state, u.pid]), [['h1', 'web', 'ready', 11], ['h2', 'db', 'ready', 22]]);
  t.same(view.hosts.map((h) => [h.name, h.api, h.reachable]), [['h1', 'http://h1:7878', true], ['h2', 'http://h2:7878', true]]);
  t.same(a.m.remote('h2', 'db')?.state, 'ready', 'the watched copy follows the other host');
  await a.m.close();
  await b.m.close();
});

t.test('a host whose lease expired is unreachable and its units unknown; a new lease republishes', async (t) => {
  const { etcd, a, b } = await twoHosts();
  const remoteEvents: string[] = [];
  a.m.onRemote((h, u) => remoteEvents.push(`${h}/${u ?? '*'}`));
  etcd.expire(b.store.lease as number);
  await settle();
  const view = await a.m.status();
  t.same(view.units.find((u) => u.host === 'h2'), { host: 'h2', name: 'db', state: 'unknown', ready: false, pid: null, generation: 1, stale: false, reason: 'host h2 is unreachable (its etcd lease expired)', since: '2026-01-01T00:00:00.000Z' });
  t.same(view.hosts.find((h) => h.name === 'h2')?.reachable, false);
  t.equal(a.m.remote('h2', 'db'), null, 'a remote unit of an unreachable host is not ready for anyone');
  t.same(remoteEvents, ['h2/*'], 'the other host hears of it by watch');
  t.ok(b.store.regrant());
  await settle();
  t.same((await a.m.status()).units.find((u) => u.host === 'h2')?.state, 'ready');
  await a.m.close();
  await b.m.close();
});

t.test('records of units no longer in the unit files are deleted', async (t) => {
  const etcd = new FakeEtcd();
  etcd.put('/supd/units/h1/old', '{"state":"ready"}', null);
  const u1 = new Units();
  u1.set('web', 'inactive');
  u1.set('gone', 'inactive');
  const a = member(etcd, 'h1', u1);
  await settle();
  t.notOk(etcd.kv.has('/supd/units/h1/old'), 'a record left from an older set of units is removed at start');
  u1.remove('gone');
  await settle();
  t.notOk(etcd.kv.has('/supd/units/h1/gone'), 'a unit removed by a reload is removed');
  t.ok(etcd.kv.has('/supd/units/h1/web'));
  await a.m.close();
});

t.test('without quorum, status fails with exit code 3 naming etcd; changes made meanwhile are published after', async (t) => {
  const etcd = new FakeEtcd();
  const u1 = new Units();
  u1.set('web', 'ready', 11);
  const a = member(etcd, 'h1', u1);
  await settle();
  etcd.down();
  const err = await a.m.status().then(() => null, (e: unknown) => e);
  t.match(err, { code: 'SUPD_FLEET_UNAVAILABLE', exitCode: 3, message: /etcd cannot be reached from h1/ });
  u1.set('web', 'backoff');
  await settle();
  etcd.up();
  await new Promise((r) => setTimeout(r, 1100));
  t.match(JSON.parse(etcd.kv.get('/supd/units/h1/web')?.value ?? '{}'), { state: 'backoff' }, 'the change is retried once etcd answers');
  await a.m.close();
});

t.test('the fleet event stream: a snapshot from the watched copy, then each host\'s change, and etcd lost', async (t) => {
  const { etcd, u1, u2, a, b } = await twoHosts();
  const snap = a.m.snapshot();
  t.same(snap.view.units.map((u) => `${u.host}/${u.name} ${u.state}`), ['h1/web ready', 'h2/db ready']);
  t.same(snap.etcd, { reachable: true, reason: '' });
  const events: FleetEvent[] = [];
  const unsubscribe = a.m.subscribe((e) => events.push(e));
  const told = (): string[] => events.splice(0).map((e) => {
    switch (e.type) {
      case 'fleet-unit': return `unit ${e.unit.host}/${e.unit.name} ${e.unit.state}`;
      case 'fleet-unit-gone': return `gone ${e.host}/${e.name}`;
      case 'fleet-host': return `host ${e.host.name} ${e.host.reachable ? 'reachable' : 'unreachable'}`;
      case 'fleet-etcd': return `etcd ${e.etcd.reachable ? 'up' : `down: ${e.etcd.reason}`}`;
      default: return e.type;
    }
  });
  u2.set('db', 'stopping', 22);
  await settle();
  t.same(told(), ['unit h2/db stopping'], 'a remote change is told once, as the unit\'s new view');
  u1.set('api', 'starting');
  await settle();
  t.same(told(), ['unit h1/api starting'], 'a unit of this host too (its record in etcd)');
  etcd.expire(b.store.lease as number);
  await settle();
  t.same(told(), ['host h2 unreachable', 'unit h2/db unknown'], 'a host whose lease expired, and its units');
  u1.remove('api');
  await settle();
  t.same(told(), ['gone h1/api']);
  etcd.expire(a.store.lease as number);
  await settle();
  t.match(told(), ['etcd down: the etcd lease of h1 was lost: etcd cannot be reached (local units keep running)']);
  t.same(a.m.snapshot().etcd.reachable, false);
  unsubscribe();
  u1.set('web', 'stopping');
  await settle();
  t.same(events, [], 'nothing after unsubscribing');
  await a.m.close();
  await b.m.close();
});
