// Rolling restarts and metadata-driven follower rollouts through the runtime (daemon/runtime.ts and
// daemon/rollouts.ts), on fake edges and a manual clock: order, how many units are down at once,
// the outcome, failure, conflict, cancel, and a change folded into one more pass.
import t from 'tap';
import type { SupdEvent } from '../../daemon/control.js';
import { harness, isTransition, unitSpec, type Harness } from './harness.js';
import type { UnitSpec } from '../../units/types.js';

const instances = (n: number, o: Parameters<typeof unitSpec>[1] = {}): UnitSpec[] =>
  Array.from({ length: n }, (_, i) => unitSpec(`web_${i + 1}`, { groups: ['web'], ready: { grace: 100 }, ...o }));

async function bootAll(h: Harness): Promise<void> {
  h.drive();
  const booted = h.rt.boot();
  await h.advance(100);
  await booted;
}

/** The most units of `names` that were not ready at the same time, over the events since `from`. */
function maxDown(events: readonly SupdEvent[], names: readonly string[], from: number): number {
  const down = new Set<string>();
  let max = 0;
  for (const e of events.slice(from)) {
    if (!isTransition(e) || !names.includes(e.unit)) continue;
    if (e.to === 'ready') down.delete(e.unit);
    else down.add(e.unit);
    max = Math.max(max, down.size);
  }
  return max;
}

const isRollout = (e: SupdEvent): e is Extract<SupdEvent, { type: 'rollout' }> => e.type === 'rollout';
const restartOrder = (events: readonly SupdEvent[], from: number): string[] =>
  events.slice(from).flatMap((e) => (isTransition(e) && e.to === 'stopping' ? [e.unit] : []));

t.test('one-by-one restarts each unit in turn, never two down at once, and reports each step', async (t) => {
  const h = harness(t, instances(3), { spawner: { auto: true } });
  await bootAll(h);
  const before = h.rt.list().map((u) => u.pid);
  const from = h.events.length;
  const rolled = h.command({ action: 'restart', target: 'web', rolling: 'one-by-one' });
  for (const u of ['web_1', 'web_2', 'web_3']) {
    await h.enters(u, 'starting');
    t.equal(h.status(u).rollout?.step, 'in-progress', `${u} shows its step`);
    await h.advance(100);
  }
  const result = await rolled;
  t.equal(result.ok, true);
  t.equal(result.rollout?.state, 'ok');
  t.same(result.rollout?.steps.map((s) => [s.unit, s.state]), [['web_1', 'ok'], ['web_2', 'ok'], ['web_3', 'ok']]);
  t.same(restartOrder(h.events, from), ['web_1', 'web_2', 'web_3']);
  t.equal(maxDown(h.events, ['web_1', 'web_2', 'web_3'], from), 1);
  t.notOk(h.rt.list().some((u, i) => u.pid === before[i]), 'every unit runs a new process');
  t.same(h.rt.rollouts().map((r) => r.state), ['ok'], 'listed once, finished');
  const published = h.events.slice(from).filter(isRollout).map((e) => e.rollout.state);
  t.equal(published[0], 'running');
  t.equal(published.at(-1), 'ok');
});

t.test('half-by-half restarts the first half together, then the second', async (t) => {
  const names = ['web_1', 'web_2', 'web_3', 'web_4'];
  const h = harness(t, instances(4), { spawner: { auto: true } });
  await bootAll(h);
  const from = h.events.length;
  const rolled = h.command({ action: 'restart', target: 'web', rolling: 'half-by-half' });
  await h.enters('web_2', 'starting');
  t.same(names.map((n) => h.state(n)), ['starting', 'starting', 'ready', 'ready'], 'the second half serves meanwhile');
  await h.advance(100);
  await h.enters('web_4', 'starting');
  t.same(names.map((n) => h.state(n)), ['ready', 'ready', 'starting', 'starting']);
  await h.advance(100);
  const result = await rolled;
  t.equal(result.rollout?.state, 'ok');
  t.same(result.rollout?.steps.map((s) => s.batch), [0, 0, 1, 1]);
  t.equal(maxDown(h.events, names, from), 2);
});

t.test('a unit that does not come back stops the rollout there; the rest keep their processes', async (t) => {
  const h = harness(t, instances(3, { restart: { delay: 1000, burst: 5 } }));
  h.drive();
  const booted = h.rt.boot();
  for (const u of ['web_1', 'web_2', 'web_3']) await h.spawned(u);
  await h.advance(100);
  await booted;
  const web3 = h.status('web_3').pid;
  const rolled = h.command({ action: 'restart', target: 'web', rolling: 'one-by-one' });
  await h.enters('web_1', 'starting');
  await h.spawned('web_1');
  await h.advance(100);
  await h.enters('web_2', 'starting');
  h.fake.spawner.failSpawn('command not found: /usr/bin/server', 'web_2');
  const result = await rolled;
  t.equal(result.ok, false);
  t.equal(result.rollout?.state, 'error');
  t.equal(result.rollout?.error?.unit, 'web_2');
  t.same(result.rollout?.steps.map((s) => s.state), ['ok', 'error', 'pending']);
  t.equal(h.status('web_3').pid, web3, 'web_3 was not touched');
});

t.test('a second rolling restart of the same units is refused while one runs; cancel ends it', async (t) => {
  const h = harness(t, instances(2), { spawner: { auto: true } });
  await bootAll(h);
  const first = h.command({ action: 'restart', target: 'web', rolling: 'one-by-one' });
  await h.enters('web_1', 'starting');
  await t.rejects(h.command({ action: 'restart', target: 'web_2', rolling: 'one-by-one' }), { code: 'SUPD_CONFLICT' });
  const [running] = h.rt.rollouts();
  t.equal(running?.state, 'running');
  h.rt.cancelRollout(running?.id ?? '');
  await h.advance(100);
  const result = await first;
  t.equal(result.rollout?.state, 'canceled');
  t.same(result.rollout?.steps.map((s) => s.state), ['ok', 'canceled'], 'the step under way finishes, the rest is canceled');
  t.equal(h.status('web_2').restarts, 0, 'web_2 was never restarted');
  t.throws(() => h.rt.cancelRollout('r-none'), { code: 'SUPD_UNKNOWN_ROLLOUT' });
});

t.test('--rolling applies to restart only', async (t) => {
  const h = harness(t, instances(1));
  await t.rejects(h.command({ action: 'start', target: 'web', rolling: 'one-by-one' }), { code: 'SUPD_BAD_REQUEST' });
});

const fleetWithMaster = (): UnitSpec[] => [
  unitSpec('vdp', { ready: { grace: 100 }, metadata: ['/srv/meta/*.json'], rollout: { debounce: 2000, strategy: 'one-by-one', auto: true } }),
  ...['aux_1', 'aux_2'].map((n) => unitSpec(n, { follows: 'vdp', groups: ['aux'], ready: { grace: 100 } })),
];

t.test('a metadata change settles for rollout.debounce, marks the followers stale and rolls them', async (t) => {
  const h = harness(t, fleetWithMaster(), { spawner: { auto: true } });
  await bootAll(h);
  const from = h.events.length;
  h.rt.metadataTouched('vdp', ['/srv/meta/catalog.json']);
  await h.advance(1500);
  h.rt.metadataTouched('vdp', ['/srv/meta/catalog.json']);
  await h.advance(1999);
  t.same(h.events.slice(from).filter((e) => e.type === 'stale'), [], 'nothing while changes keep coming');
  await h.advance(1);
  const stale = h.events.slice(from).flatMap((e) => (e.type === 'stale' ? [e.unit] : []));
  t.same(stale, ['aux_1', 'aux_2'], 'both followers are stale once the change settled');
  t.equal(h.status('aux_2').stale, true, 'aux_2, waiting its turn, shows stale');
  const started = await h.next(isRollout);
  t.equal(started.rollout.trigger, 'metadata:/srv/meta/catalog.json');
  t.equal(started.rollout.target, 'vdp:followers');
  for (const u of ['aux_1', 'aux_2']) {
    await h.enters(u, 'starting');
    await h.advance(100);
  }
  const done = await h.next((e) => isRollout(e) && e.rollout.state !== 'running');
  t.equal(isRollout(done) && done.rollout.state, 'ok');
  t.same(restartOrder(h.events, from), ['aux_1', 'aux_2']);
  t.equal(h.status('aux_1').stale, false, 'a follower restarted after the change is no longer stale');
  t.equal(h.status('vdp').restarts, 0, 'the master itself keeps running');
});

t.test('a change during a follower rollout is folded into one more pass, not a second rollout at once', async (t) => {
  const h = harness(t, fleetWithMaster(), { spawner: { auto: true } });
  await bootAll(h);
  h.rt.metadataTouched('vdp', ['/srv/meta/a.json']);
  await h.advance(2000);
  await h.enters('aux_1', 'starting');
  h.rt.metadataTouched('vdp', ['/srv/meta/b.json']);
  await h.advance(100);
  await h.advance(2000);
  t.equal(h.rt.rollouts().filter((r) => r.state === 'running').length, 1, 'one rollout at a time');
  for (let pass = 0; pass < 8 && h.rt.rollouts().length < 2; pass++) await h.advance(100);
  const [first, second] = h.rt.rollouts();
  t.equal(first?.trigger, 'metadata:/srv/meta/a.json');
  t.equal(second?.trigger, 'metadata:/srv/meta/b.json', 'the later change runs as the next pass');
  for (let pass = 0; pass < 8 && second?.id !== undefined && h.rt.rollout(second.id)?.state === 'running'; pass++) await h.advance(100);
  t.same(h.rt.rollouts().map((r) => r.state), ['ok', 'ok']);
  t.equal(h.status('aux_2').stale, false);
});

t.test('with rollout.auto off the followers are only marked stale', async (t) => {
  const specs = fleetWithMaster();
  specs[0] = unitSpec('vdp', { ready: { grace: 100 }, metadata: ['/srv/meta/*.json'], rollout: { debounce: 500, auto: false } });
  const h = harness(t, specs, { spawner: { auto: true } });
  await bootAll(h);
  h.rt.metadataTouched('vdp', ['/srv/meta/catalog.json']);
  await h.advance(500);
  t.same([h.status('aux_1').stale, h.status('aux_2').stale], [true, true]);
  t.same(h.rt.rollouts(), []);
});
