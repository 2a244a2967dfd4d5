// Metadata → followers end to end: a burst of writes to a master's metadata is one change and one
// rolling restart of its followers (the master untouched, followers `stale` until restarted); a
// change during a rollout adds exactly one more pass; nothing happens while the master is not ready.
// Each follower's lb.disable hook waits for a token file the test creates (and consumes it), so
// the test holds every rollout step open for as long as it inspects status. Only the checks that
// something does NOT happen wait out a quiet window (three debounces).
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { RolloutView, SupdEvent } from '../../daemon/control.js';
import { Supd, assertBuilt, fixture, waitUntil } from './harness.js';

assertBuilt();

const DEBOUNCE_MS = 400;

interface Fleet {
  supd: Supd;
  dir: string;
  meta: string;
  /** Lines the followers' lb hooks wrote: `disable f1`, `enable f1`, … */
  hookLog(): string[];
  /** Lets the pending (or next) lb.disable of `unit` finish. */
  release(unit: string): void;
  rollouts(): Promise<RolloutView[]>;
  pid(unit: string): Promise<number | null>;
}

async function fleet(t: Test, gatedMaster = false): Promise<Fleet> {
  const dir = t.testdir();
  const meta = path.join(dir, 'meta');
  fs.mkdirSync(meta);
  fs.writeFileSync(path.join(meta, 'a.json'), '{"v":0}\n');
  const log = path.join(dir, 'lb.log');
  const hook = (verb: string, gate: boolean): string =>
    JSON.stringify(`echo ${verb} \${unit} >> ${log}` + (gate ? `; while [ ! -e ${dir}/go-\${unit} ]; do sleep 0.02; done; rm ${dir}/go-\${unit}` : ''));
  const follower = `command: ${fixture('sleeper.js')}\nfollows: master\nrequires: [master]\nready: {grace: 100ms}\n`
    + `lb: {disable: ${hook('disable', true)}, enable: ${hook('enable', false)}, timeout: 20s}\n`;
  // A gated master is ready only while `master-ok` exists.
  const gate = path.join(dir, 'master-ok');
  fs.writeFileSync(gate, '');
  const masterReady = gatedMaster ? `ready: {exec: [test, -e, ${JSON.stringify(gate)}], timeout: 20s, interval: 50ms}` : 'ready: {grace: 100ms}';
  const supd = await new Supd(t, {
    units: {
      master: `command: ${fixture('sleeper.js')}\n${masterReady}\n`
        + `metadata: [${JSON.stringify(path.join(meta, '*.json'))}]\nrollout: {auto: true, strategy: one-by-one, debounce: ${DEBOUNCE_MS}ms}\n`,
      f1: follower,
      f2: follower,
    },
  }).start();
  for (const u of ['master', 'f1', 'f2']) await supd.waitState(u, 'ready');
  return {
    supd, dir, meta,
    hookLog: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []),
    release: (unit) => fs.writeFileSync(path.join(dir, `go-${unit}`), ''),
    rollouts: async () => ((await supd.api('GET', '/v1/rollouts')).body as { rollouts: RolloutView[] }).rollouts,
    pid: async (unit) => (await supd.unit(unit)).pid,
  };
}

type RolloutEvent = Extract<SupdEvent, { type: 'rollout' }>;

const isRollout = (e: SupdEvent): e is RolloutEvent => e.type === 'rollout';

/** Index of the first rollout event at or after `from` whose rollout matches. */
function waitRollout(supd: Supd, pred: (r: RolloutView) => boolean, what: string, from = 0): Promise<number> {
  return supd.waitEvent((e) => isRollout(e) && pred(e.rollout), what, from);
}

async function waitHookLines(f: Fleet, n: number): Promise<string[]> {
  return waitUntil(() => (f.hookLog().length >= n ? f.hookLog() : null), `${n} lb hook lines`);
}

/** Waits out a quiet window: a second change, had the burst been split, would have settled by then. */
const quiet = (): Promise<void> => new Promise((r) => setTimeout(r, DEBOUNCE_MS * 3));

t.test('three writes within the debounce window: one rollout of the followers, master untouched', async (t) => {
  const f = await fleet(t);
  const { supd } = f;
  const before = { master: await f.pid('master'), f1: await f.pid('f1'), f2: await f.pid('f2') };
  const from = supd.events.length;
  const file = path.join(f.meta, 'a.json');
  for (let i = 1; i <= 3; i++) {
    fs.writeFileSync(file, `{"v":${i}}\n`);
    await new Promise((r) => setTimeout(r, 40));
  }
  const started = await waitRollout(supd, (r) => r.state === 'running', 'a follower rollout', from);
  const r1 = (supd.events[started] as RolloutEvent).rollout;
  t.equal(r1.strategy, 'one-by-one', "the master's strategy");
  t.same(r1.steps.map((s) => s.unit), ['f1', 'f2'], 'the followers, and only them');
  t.match(r1.trigger, /a\.json/, 'the rollout names the file that triggered it');

  // f1's lb.disable is held: both followers still run their old processes and show stale.
  await waitHookLines(f, 1);
  let units = await supd.status();
  const st = (n: string) => units.find((u) => u.name === n);
  t.match(st('f1'), { state: 'draining', stale: true, pid: before.f1 }, 'f1 is stale while its turn begins');
  t.match(st('f2'), { state: 'ready', stale: true, pid: before.f2 }, 'f2 is stale and still serving');
  t.match(st('master'), { state: 'ready', stale: false, pid: before.master });
  const staleEvents = supd.events.slice(from).filter((e) => e.type === 'stale');
  t.same(staleEvents.map((e) => e.type === 'stale' && e.unit).sort(), ['f1', 'f2'], 'one stale event per follower');
  t.ok(staleEvents.every((e) => e.type === 'stale' && /master metadata changed: .*a\.json/.test(e.reason)), 'stale events name the file');

  f.release('f1');
  await waitHookLines(f, 3); // enable f1, disable f2
  units = await supd.status();
  t.match(st('f1'), { state: 'ready', stale: false }, 'f1 restarted: no longer stale');
  t.not(st('f1')?.pid, before.f1);
  t.match(st('f2'), { stale: true, pid: before.f2 }, 'f2 waits its turn, still stale');
  f.release('f2');
  await waitRollout(supd, (r) => r.id === r1.id && r.state === 'ok', 'the rollout to finish ok', started);
  t.same(f.hookLog(), ['disable f1', 'enable f1', 'disable f2', 'enable f2'], 'one by one');

  await quiet();
  t.equal((await f.rollouts()).length, 1, 'exactly one rollout for the burst');
  t.equal(supd.events.slice(from).filter((e) => e.type === 'stale').length, 2, 'and one change: no stale events since');
  t.equal(await f.pid('master'), before.master, 'the master kept running');
  for (const n of ['f1', 'f2'] as const) {
    const spawned = supd.events.slice(from).filter((e) => e.type === 'spawned' && e.unit === n);
    t.equal(spawned.length, 1, `${n} restarted once`);
    t.match(await supd.unit(n), { state: 'ready', stale: false });
  }
});

t.test('writes during a rollout: exactly one more pass after it, never two', async (t) => {
  const f = await fleet(t);
  const { supd } = f;
  const from = supd.events.length;
  fs.writeFileSync(path.join(f.meta, 'a.json'), '{"v":1}\n');
  const started = await waitRollout(supd, (r) => r.state === 'running', 'the first rollout', from);
  const r1 = (supd.events[started] as RolloutEvent).rollout;
  await waitHookLines(f, 1); // f1's lb.disable is held: r1 is running

  // Two separate changes while r1 runs; each one settles (its stale events show it) before the next.
  let mark = supd.events.length;
  fs.writeFileSync(path.join(f.meta, 'b.json'), '{"v":2}\n');
  await supd.waitEvent((e) => e.type === 'stale' && /b\.json/.test(e.reason), 'the b.json change to settle', mark);
  mark = supd.events.length;
  fs.writeFileSync(path.join(f.meta, 'c.json'), '{"v":3}\n');
  await supd.waitEvent((e) => e.type === 'stale' && /c\.json/.test(e.reason), 'the c.json change to settle', mark);
  t.equal((await f.rollouts()).length, 1, 'no second rollout while the first runs');

  f.release('f1');
  await waitHookLines(f, 3);
  f.release('f2');
  const done1 = await waitRollout(supd, (r) => r.id === r1.id && r.state === 'ok', 'the first rollout to finish', started);
  const second = await waitRollout(supd, (r) => r.id !== r1.id && r.state === 'running', 'one more pass', started);
  t.ok(second > done1, 'the extra pass starts after the first rollout finished');
  const r2 = (supd.events[second] as RolloutEvent).rollout;
  t.match(r2.trigger, /c\.json/, 'the extra pass names the latest file');
  t.same(r2.steps.map((s) => s.unit), ['f1', 'f2']);
  t.equal((await f.rollouts()).length, 2, 'both changes coalesced into one extra pass');

  await waitHookLines(f, 5);
  f.release('f1');
  await waitHookLines(f, 7);
  f.release('f2');
  await waitRollout(supd, (r) => r.id === r2.id && r.state === 'ok', 'the extra pass to finish', second);
  // A third pass would be queued the moment r2 finished, so it would be listed by now.
  const all = await f.rollouts();
  t.same(all.map((r) => r.state), ['ok', 'ok'], 'exactly two rollouts, both ok');
  t.same(f.hookLog(), ['disable f1', 'enable f1', 'disable f2', 'enable f2', 'disable f1', 'enable f1', 'disable f2', 'enable f2']);
});

t.test('nothing happens while the master is not ready', async (t) => {
  const f = await fleet(t, true);
  const { supd } = f;
  const before = { f1: await f.pid('f1'), f2: await f.pid('f2') };
  // The master restarts alone (its followers keep running) and stays `starting` until the gate exists.
  fs.rmSync(path.join(f.dir, 'master-ok'));
  const from = supd.events.length;
  const r = await supd.api('POST', '/v1/units/master/restart', JSON.stringify({ wait: false }));
  t.equal(r.status, 200, r.text);
  await supd.waitEvent((e) => e.type === 'spawned' && e.unit === 'master', 'the new master process', from);
  fs.writeFileSync(path.join(f.meta, 'a.json'), '{"v":1}\n');
  await quiet();
  t.equal((await supd.unit('master')).state, 'starting', 'the master is still not ready');
  t.same(supd.events.slice(from).filter((e) => e.type === 'stale' || e.type === 'rollout'), [], 'no stale follower, no rollout');
  t.same(await f.rollouts(), []);
  for (const n of ['f1', 'f2'] as const) t.match(await supd.unit(n), { state: 'ready', stale: false, pid: before[n] }, `${n} untouched`);

  // Once the master is ready, the next change is acted on, and names its own file only.
  fs.writeFileSync(path.join(f.dir, 'master-ok'), '');
  await supd.waitState('master', 'ready', from);
  const mark = supd.events.length;
  fs.writeFileSync(path.join(f.meta, 'b.json'), '{"v":2}\n');
  const started = await waitRollout(supd, (x) => x.state === 'running', 'a follower rollout', mark);
  const r1 = (supd.events[started] as RolloutEvent).rollout;
  t.match(r1.trigger, /b\.json/);
  t.notMatch(r1.trigger, /a\.json/, 'the change made while the master was not ready was dropped');
  await waitHookLines(f, 1);
  f.release('f1');
  await waitHookLines(f, 3);
  f.release('f2');
  await waitRollout(supd, (x) => x.id === r1.id && x.state === 'ok', 'the rollout to finish', started);
  t.equal((await f.rollouts()).length, 1);
});
