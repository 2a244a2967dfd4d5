// Units of other hosts (`HOST/UNIT`) enter the core as read-only records: a start waits on them
// and is woken by the record changing (an event, no timer, no probe); a remote master's newer
// metadata generation makes its followers here stale.
import t from 'tap';
import { createFleet, isStale, type Fleet } from '../../daemon/core/fleet.js';
import type { UnitSpec } from '../../units/types.js';
import { ofKind, send, stateOf, topology, unitsOf, unitSpec } from './helpers.js';

const ref = (name: string): { host: string; unit: string; name: string } => {
  const [host = '', unit = ''] = name.split('/');
  return { host, unit, name };
};

function fleetOf(specs: UnitSpec[]): Fleet {
  return createFleet(specs, topology(specs), 0);
}

const proxy = (): UnitSpec => ({ ...unitSpec('proxy'), fleet: { requires: [ref('h1/archive')], after: [], follows: null } });

t.test('a unit requiring HOST/UNIT waits, without timers or probes, until the record shows it ready', async (t) => {
  const f = fleetOf([proxy()]);
  const out = send(f, 0, { type: 'start', units: ['proxy'], job: null });
  t.same(unitsOf(out, 'spawn'), [], 'nothing spawns');
  t.match(f.units.get('proxy')?.s, { state: 'waiting', missing: ['h1/archive'] });
  t.equal(f.timers.nextDue(), null, 'no timer: the wait is woken by an event');
  t.same(ofKind(out, 'checkRemote'), [], 'and no probe');

  const starting = send(f, 10, { type: 'remote', name: 'h1/archive', unit: { state: 'starting', ready: false, metadata: null } });
  t.same(unitsOf(starting, 'spawn'), [], 'a remote unit still starting is not enough');
  const ready = send(f, 20, { type: 'remote', name: 'h1/archive', unit: { state: 'ready', ready: true, metadata: null } });
  t.same(unitsOf(ready, 'spawn'), ['proxy'], 'the record turning ready spawns it in the same dispatch');
  t.equal(stateOf(f, 'proxy'), 'starting');
});

t.test('a remote requirement that is unknown (its host unreachable) keeps the unit waiting', async (t) => {
  const f = fleetOf([proxy()]);
  send(f, 0, { type: 'remote', name: 'h1/archive', unit: { state: 'ready', ready: true, metadata: null } });
  send(f, 1, { type: 'remote', name: 'h1/archive', unit: null });
  const out = send(f, 2, { type: 'start', units: ['proxy'], job: null });
  t.same(unitsOf(out, 'spawn'), []);
  t.equal(stateOf(f, 'proxy'), 'waiting');
});

t.test('after: HOST/UNIT holds a start only while that unit is on its way up', async (t) => {
  const web = (): UnitSpec => ({ ...unitSpec('web'), fleet: { requires: [], after: [ref('h2/db')], follows: null } });
  const f = fleetOf([web()]);
  send(f, 0, { type: 'remote', name: 'h2/db', unit: { state: 'starting', ready: false, metadata: null } });
  t.same(unitsOf(send(f, 1, { type: 'start', units: ['web'], job: null }), 'spawn'), []);
  t.same(unitsOf(send(f, 2, { type: 'remote', name: 'h2/db', unit: { state: 'failed', ready: false, metadata: null } }), 'spawn'), ['web'], 'a failed db does not hold web');
});

t.test('a follower of a master on another host turns stale when the master publishes a newer metadata generation', async (t) => {
  const aux = (): UnitSpec => ({ ...unitSpec('aux'), fleet: { requires: [], after: [], follows: ref('h1/vdp') } });
  const f = fleetOf([aux()]);
  send(f, 0, { type: 'remote', name: 'h1/vdp', unit: { state: 'ready', ready: true, metadata: null } });
  send(f, 100, { type: 'start', units: ['aux'], job: null });
  const pid = 4242;
  send(f, 110, { type: 'unit', unit: 'aux', event: { type: 'spawned', gen: f.units.get('aux')?.gen ?? 0, pid } });
  t.notOk(isStale(f, 'aux'));
  send(f, 5000, { type: 'remote', name: 'h1/vdp', unit: { state: 'ready', ready: true, metadata: 4000 } });
  t.ok(isStale(f, 'aux'), 'spawned before the master\'s change');
});

t.test('etcd unreachable: a unit waiting on HOST/UNIT keeps waiting and says it waits on the fleet store', async (t) => {
  const f = fleetOf([proxy()]);
  send(f, 0, { type: 'remote', name: 'h1/archive', unit: { state: 'inactive', ready: false, metadata: null } });
  send(f, 1, { type: 'start', units: ['proxy'], job: null, by: 'supctl' });
  t.match(f.units.get('proxy')?.reason, /^start requested by supctl; waiting for h1\/archive$/, 'the plain wait while etcd answers');

  send(f, 2, { type: 'fleetStore', down: 'no answer to its lease keep-alive for 2.0s' });
  t.equal(stateOf(f, 'proxy'), 'waiting');
  t.match(f.units.get('proxy')?.reason, /^start requested by supctl; waiting for h1\/archive \(last seen inactive\): the fleet store \(etcd\) is unreachable \(no answer to its lease keep-alive for 2\.0s\)/,
    'the reason names the unreachable store and what etcd last showed, not a stale plain wait');

  // A stale record saying ready is not trusted while etcd is away.
  const stale = send(f, 3, { type: 'remote', name: 'h1/archive', unit: { state: 'ready', ready: true, metadata: null } });
  t.same(unitsOf(stale, 'spawn'), [], 'no start on what etcd showed before it went away');
  t.match(f.units.get('proxy')?.reason, /h1\/archive \(last seen ready\): the fleet store \(etcd\) is unreachable/);

  const back = send(f, 4, { type: 'fleetStore', down: null });
  t.same(unitsOf(back, 'spawn'), ['proxy'], 'etcd answering again, the ready record starts it');
  t.equal(stateOf(f, 'proxy'), 'starting');
});

t.test('etcd unreachable, then back while the remote unit is still down: the plain wait returns', async (t) => {
  const f = fleetOf([proxy()]);
  send(f, 0, { type: 'fleetStore', down: 'not reached yet' });
  send(f, 1, { type: 'start', units: ['proxy'], job: null });
  t.match(f.units.get('proxy')?.reason, /waiting for h1\/archive \(never seen\): the fleet store \(etcd\) is unreachable \(not reached yet\)/);
  send(f, 2, { type: 'fleetStore', down: null });
  t.equal(stateOf(f, 'proxy'), 'waiting');
  t.match(f.units.get('proxy')?.reason, /; waiting for h1\/archive$/);
});
