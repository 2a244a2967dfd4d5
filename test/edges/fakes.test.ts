// The fakes in test/fakes/ behave like the edges they stand for, in the ways runtime tests rely on.
import t from 'tap';
import { fakeEdges, settle } from '../fakes/edges.js';
import { createFakeWatcher } from '../fakes/others.js';
import type { EdgeHooks } from '../../daemon/edge-set.js';
import { plainRunAs } from '../../daemon/edges/runas.js';

function recordingHooks() {
  const events: string[] = [];
  const hooks: EdgeHooks = {
    onSpawned: (u, g, pid) => events.push(`spawned ${u}#${g} ${pid}`),
    onSpawnFailed: (u, g, m) => events.push(`failed ${u}#${g} ${m}`),
    onExited: (u, g, pid, code, signal) => events.push(`exited ${u}#${g} ${pid} ${String(code)} ${String(signal)}`),
    onWake: (now) => events.push(`wake ${now}`),
  };
  return { events, hooks };
}

const req = (unit: string, gen = 1) => ({ unit, gen, argv: ['x'], as: plainRunAs({}), preStart: [], ports: [], portWaitMs: 0 });

t.test('the fake spawner answers when told, and a terminating signal ends the process', async (t) => {
  const { events, hooks } = recordingHooks();
  const { factory, fake } = fakeEdges();
  const edges = factory(hooks);
  edges.spawner.spawn(req('db'));
  t.same(events, [], 'nothing before the test answers');
  const pid = fake.spawner.spawned('db');
  edges.spawner.signal(pid, 'SIGHUP');
  edges.spawner.signal(pid, 'SIGTERM');
  await settle();
  t.same(events, [`spawned db#1 ${pid}`, `exited db#1 ${pid} null SIGTERM`]);
  t.same(fake.spawner.calls.map((c) => c.kind), ['spawn', 'signal', 'signal']);
  edges.spawner.spawn(req('web', 2));
  fake.spawner.failSpawn('command not found: x');
  t.equal(events.at(-1), 'failed web#2 command not found: x');
});

t.test('with auto, spawns are answered in a microtask; killTree ends the process', async (t) => {
  const { events, hooks } = recordingHooks();
  const { factory, fake } = fakeEdges({ spawner: { auto: true, firstPid: 500 } });
  const edges = factory(hooks);
  edges.spawner.spawn(req('db'));
  await settle();
  t.same(events, ['spawned db#1 500']);
  await edges.spawner.killTree(500);
  t.same(events.at(-1), 'exited db#1 500 null SIGKILL');
  t.same(fake.spawner.running(), []);
});

t.test('the fake clock fires due wake-ups in order as time advances', async (t) => {
  const { events, hooks } = recordingHooks();
  const { factory, fake } = fakeEdges({ start: 1000 });
  const edges = factory(hooks);
  edges.clock.wakeAt(1500);
  edges.clock.wakeAt(1200);
  fake.clock.advance(100);
  t.same(events, []);
  fake.clock.advance(150);
  t.same(events, ['wake 1200']);
  t.equal(edges.clock.now(), 1250);
  edges.clock.wakeAt(null);
  fake.clock.advance(10_000);
  t.same(events, ['wake 1200'], 'cancelled');
});

t.test('the fake log store feeds tails, follows and watches', async (t) => {
  const { hooks } = recordingHooks();
  const { factory, fake } = fakeEdges();
  const edges = factory(hooks);
  const matches: string[] = [];
  edges.logs.watchFor('db', /ready \d+/, () => matches.push('matched'));
  t.same(fake.logs.watching('db'), ['ready \\d+']);
  const followed: string[] = [];
  edges.logs.follow('db', (c) => followed.push(c.toString()));
  fake.logs.write('db', 'booting\nready 42\n');
  await settle();
  t.same(matches, ['matched']);
  t.same(followed, ['booting\nready 42\n']);
  t.equal(await edges.logs.tail('db', 1), 'ready 42\n');
});

t.test('the fake watcher reports matching paths to open watches', async (t) => {
  const w = createFakeWatcher();
  const seen: string[][] = [];
  const h = w.watchGlobs(['/srv/meta/*.json'], (p) => seen.push(p));
  w.change(['/srv/meta/a.json', '/srv/other/b.json']);
  t.same(seen, [['/srv/meta/a.json']]);
  await h.close();
  w.change(['/srv/meta/a.json']);
  t.equal(seen.length, 1);
});
