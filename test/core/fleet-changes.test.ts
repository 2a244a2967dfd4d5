// The fleet and the world around it: remote requirements polled until they answer, reloads that
// add and remove units, and a master's metadata changes debounced into one.
import t from 'tap';
import { createFleet, dispatch, isStale, type Fleet } from '../../daemon/core/fleet.js';
import type { UnitSpec } from '../../units/types.js';
import { exited, ofKind, runUntil, send, stateOf, topology, unitsOf, unitSpec } from './helpers.js';

function fleetOf(specs: UnitSpec[]): Fleet {
  return createFleet(specs, topology(specs), 0);
}

t.test('a remote requirement is polled until it answers, then the unit spawns', async (t) => {
  const f = fleetOf([unitSpec('proxy', { requires: ['tcp://archive:9000', 'http://meta.local/health'] })]);
  let out = send(f, 0, { type: 'start', units: ['proxy'], job: 'j' });
  t.same(unitsOf(out, 'spawn'), []);
  t.match(f.units.get('proxy')?.s, { state: 'waiting', missing: ['tcp://archive:9000', 'http://meta.local/health'] });

  out = runUntil(f, 0);
  t.match(ofKind(out, 'checkRemote'), [
    { unit: 'proxy', gen: 0, requirement: { kind: 'tcp', host: 'archive', port: 9000 } },
    { unit: 'proxy', gen: 0, requirement: { kind: 'http', url: 'http://meta.local/health' } },
  ]);
  const remote = (raw: string, ok: boolean, now: number): ReturnType<typeof send> =>
    send(f, now, { type: 'unit', unit: 'proxy', event: { type: 'remoteResult', gen: 0, raw, ok, message: ok ? 'answered' : 'refused' } });

  t.same(remote('tcp://archive:9000', false, 50), []);
  t.same(remote('http://meta.local/health', true, 60), [], 'one answered, one still missing');
  t.match(f.units.get('proxy')?.s, { state: 'waiting', missing: ['tcp://archive:9000'] });
  t.same(runUntil(f, 1049), []);
  out = runUntil(f, 1050);
  t.same(ofKind(out, 'checkRemote').map((e) => e.requirement.raw), ['tcp://archive:9000'], 'only the missing one is checked again');

  out = remote('tcp://archive:9000', true, 1100);
  t.same(unitsOf(out, 'spawn'), ['proxy']);
  out = runUntil(f, 2100);
  t.equal(stateOf(f, 'proxy'), 'ready');
  t.match(ofKind(out, 'jobDone'), [{ job: 'j', ok: true }]);
});

t.test('a restart checks remote requirements afresh', async (t) => {
  const f = fleetOf([unitSpec('proxy', { requires: ['tcp://archive:9000'], restart: { delay: 0 } })]);
  send(f, 0, { type: 'start', units: ['proxy'], job: null });
  runUntil(f, 0);
  send(f, 10, { type: 'unit', unit: 'proxy', event: { type: 'remoteResult', gen: 0, raw: 'tcp://archive:9000', ok: true, message: '' } });
  runUntil(f, 1010);
  t.equal(stateOf(f, 'proxy'), 'ready');
  exited(f, 'proxy', 2000, 1);
  const out = runUntil(f, 2000);
  t.equal(stateOf(f, 'proxy'), 'waiting');
  t.same(ofKind(out, 'checkRemote').map((e) => e.requirement.raw), ['tcp://archive:9000']);
});

t.test('reload starts added units and stops removed ones, keeping them until they are down', async (t) => {
  const old = [unitSpec('keep'), unitSpec('gone'), unitSpec('idle', { autostart: false })];
  const f = fleetOf(old);
  send(f, 0, { type: 'start', units: ['keep', 'gone'], job: null });
  runUntil(f, 1000);

  const next = [unitSpec('keep', { description: 'changed' }), unitSpec('fresh'), unitSpec('manual', { autostart: false })];
  const out = send(f, 2000, { type: 'reload', specs: next, topo: topology(next) });
  t.same(unitsOf(out, 'signal'), ['gone']);
  t.same(unitsOf(out, 'spawn'), ['fresh'], 'only the added autostart unit starts');
  t.equal(stateOf(f, 'keep'), 'ready', 'a changed unit keeps running');
  t.equal(f.specs.get('keep')?.description, 'changed');
  t.equal(stateOf(f, 'manual'), 'inactive');
  t.equal(stateOf(f, 'idle'), 'absent', 'a removed unit that was down is gone at once');
  t.equal(stateOf(f, 'gone'), 'stopping', 'a removed running unit stays until it is down');

  exited(f, 'gone', 2100, 0);
  t.equal(stateOf(f, 'gone'), 'absent');
  t.same([...f.units.keys()].sort(), ['fresh', 'keep', 'manual']);
  t.same([...f.specs.keys()].sort(), ['fresh', 'keep', 'manual'], 'no spec is left of removed units');
});

t.test('a unit removed and later added again is a unit like any other', async (t) => {
  const a = [unitSpec('keep'), unitSpec('back')];
  const f = fleetOf(a);
  send(f, 0, { type: 'start', units: ['keep', 'back'], job: null });
  runUntil(f, 1000);
  const without = [unitSpec('keep')];
  send(f, 2000, { type: 'reload', specs: without, topo: topology(without) });
  exited(f, 'back', 2100, 0);
  send(f, 3000, { type: 'reload', specs: without, topo: topology(without) });
  t.same(f.removed, new Set(), 'nothing is waiting to be removed');

  send(f, 4000, { type: 'reload', specs: a, topo: topology(a) });
  runUntil(f, 5000);
  t.equal(stateOf(f, 'back'), 'ready');
  send(f, 6000, { type: 'stop', units: ['back'], safe: false, job: null });
  exited(f, 'back', 6100, 0);
  t.equal(stateOf(f, 'back'), 'inactive', 'stopping it keeps it in the fleet');
});

t.test('a unit removed while still stopping and added back at once is kept', async (t) => {
  const a = [unitSpec('back')];
  const f = fleetOf(a);
  send(f, 0, { type: 'start', units: ['back'], job: null });
  runUntil(f, 1000);
  send(f, 2000, { type: 'reload', specs: [], topo: topology([]) });
  t.equal(stateOf(f, 'back'), 'stopping');
  send(f, 2050, { type: 'reload', specs: a, topo: topology(a) });
  exited(f, 'back', 2100, 0);
  t.not(stateOf(f, 'back'), 'absent');
});

const master = unitSpec('master', { metadata: ['/srv/meta/*.json'], rollout: { debounce: 2000 } });
const follower = (name: string): UnitSpec => unitSpec(name, { follows: 'master', requires: ['master'] });

function metaFleet(): Fleet {
  const specs = [master, follower('s1'), follower('s2')];
  const f = fleetOf(specs);
  send(f, 0, { type: 'start', units: ['s1', 's2'], job: null });
  runUntil(f, 5000);
  return f;
}

t.test('three metadata changes within the debounce make one metadataChanged, at the last + debounce', async (t) => {
  const f = metaFleet();
  const meta = (now: number, path: string): ReturnType<typeof send> => send(f, now, { type: 'metadata', unit: 'master', paths: [path] });
  t.same(meta(10_000, '/srv/meta/a.json'), []);
  t.same(meta(11_000, '/srv/meta/b.json'), []);
  t.same(meta(12_500, '/srv/meta/a.json'), []);
  t.same(runUntil(f, 14_499), [], 'nothing before the last change has settled');
  t.equal(isStale(f, 's1'), false);
  const out = runUntil(f, 20_000);
  t.same(ofKind(out, 'metadataChanged'), [{ kind: 'metadataChanged', unit: 'master', paths: ['/srv/meta/a.json', '/srv/meta/b.json'], at: 14_500 }]);
  t.match(ofKind(out, 'rollout').map((e) => e.rollout), [{ target: 'master:followers', trigger: 'metadata:/srv/meta/a.json (+1)' }], 'one follower rollout');
  t.equal(isStale(f, 's1'), true, 'followers spawned before the change are stale');
  t.equal(isStale(f, 's2'), true);
  t.equal(isStale(f, 'master'), false, 'the master follows nobody');
});

t.test('a follower restarted after the change is no longer stale', async (t) => {
  const f = metaFleet();
  send(f, 10_000, { type: 'metadata', unit: 'master', paths: ['/srv/meta/a.json'] });
  runUntil(f, 12_000);
  send(f, 13_000, { type: 'restart', units: ['s1'], safe: false, withDependents: false, job: null });
  exited(f, 's1', 13_100, 0);
  runUntil(f, 15_000);
  t.equal(stateOf(f, 's1'), 'ready');
  t.equal(isStale(f, 's1'), false);
  t.equal(isStale(f, 's2'), true);
});

t.test('metadata that settles while the master is not ready changes nothing', async (t) => {
  const specs = [master, follower('s1')];
  const f = fleetOf(specs);
  send(f, 0, { type: 'metadata', unit: 'master', paths: ['/srv/meta/a.json'] });
  t.same(runUntil(f, 10_000), []);
  t.equal(f.units.get('master')?.metaChangedAt, null);

  send(f, 20_000, { type: 'start', units: ['s1'], job: null });
  runUntil(f, 25_000);
  t.equal(isStale(f, 's1'), false, 'a follower started later reads the files fresh');
  t.same(dispatch(f, { type: 'tick', now: 100_000 }), [], 'the earlier change does not come back');
});
