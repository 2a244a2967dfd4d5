// Rollouts inside the fleet: a metadata change becomes a follower rollout in the same dispatch
// (no trip through the shell), with the budget counting followers already down, failed followers
// started first, a change during a rollout folded into one more pass, a canary that soaks, and
// the one outcome check shared with jobs. The edges are played by a small simulator: spawns
// succeed (or crash at once for units marked broken), signals end the process at once.
import t from 'tap';
import { createFleet, dispatch, type Fleet, type FleetEffect, type FleetEvent } from '../../daemon/core/fleet.js';
import type { Rollout } from '../../daemon/core/rollout.js';
import type { UnitSpec } from '../../units/types.js';
import { genOf, ofKind, stateOf, topology, unitSpec, type SpecOverrides } from './helpers.js';

type Ev = FleetEvent extends infer E ? (E extends unknown ? Omit<E, 'now'> : never) : never;

class Sim {
  readonly f: Fleet;
  /** Units whose every new process exits with code 1 right after it spawned. */
  readonly broken = new Set<string>();
  /** Most followers out of service (not ready) seen after any dispatch. */
  maxOut = 0;
  /** Order of what the edges were asked to do: `spawn f1`, `signal f2`. */
  readonly log: string[] = [];

  constructor(specs: UnitSpec[], readonly watched: string[]) {
    this.f = createFleet(specs, topology(specs), 0);
  }

  private sample(): void {
    this.maxOut = Math.max(this.maxOut, this.watched.filter((n) => stateOf(this.f, n) !== 'ready').length);
  }

  send(now: number, ev: Ev): FleetEffect[] {
    return this.play(dispatch(this.f, { ...ev, now }), now);
  }

  private play(effects: FleetEffect[], now: number): FleetEffect[] {
    const all = [...effects];
    this.sample();
    for (let i = 0; i < all.length; i++) {
      const e = all[i] as FleetEffect;
      if (e.kind === 'spawn') {
        this.log.push(`spawn ${e.unit}`);
        all.push(...dispatch(this.f, { type: 'unit', unit: e.unit, event: { type: 'spawned', gen: e.gen, pid: 1000 + e.gen }, now }));
        if (this.broken.has(e.unit)) {
          all.push(...dispatch(this.f, { type: 'unit', unit: e.unit, event: { type: 'exited', gen: e.gen, code: 1, signal: null }, now }));
        }
      } else if (e.kind === 'signal') {
        this.log.push(`signal ${e.unit}`);
        all.push(...dispatch(this.f, { type: 'unit', unit: e.unit, event: { type: 'exited', gen: genOf(this.f, e.unit), code: 0, signal: null }, now }));
      }
      this.sample();
    }
    return all;
  }

  runUntil(until: number): FleetEffect[] {
    const all: FleetEffect[] = [];
    for (;;) {
      const due = this.f.timers.nextDue();
      if (due === null || due > until) return all;
      all.push(...this.play(dispatch(this.f, { type: 'tick', now: due }), due));
    }
  }

  rollouts(effects: FleetEffect[]): Rollout[] {
    return ofKind(effects, 'rollout').map((e) => e.rollout);
  }
}

const master = unitSpec('master', { metadata: ['/srv/meta/*.json'], rollout: { debounce: 1000 } });
const follower = (name: string, o: SpecOverrides = {}): UnitSpec =>
  unitSpec(name, { follows: 'master', requires: ['master'], restart: { burst: 0 }, ...o });
const FOLLOWERS = ['f1', 'f2', 'f3'];

/** master and three followers, all ready at 10s. */
function metaSim(o: SpecOverrides = {}, masterRollout: Partial<UnitSpec['rollout']> = {}): Sim {
  const m = { ...master, rollout: { ...master.rollout, ...masterRollout } };
  const s = new Sim([m, ...FOLLOWERS.map((n) => follower(n, o))], FOLLOWERS);
  s.send(0, { type: 'start', units: FOLLOWERS, job: null });
  s.runUntil(10_000);
  t.same(FOLLOWERS.map((n) => stateOf(s.f, n)), ['ready', 'ready', 'ready']);
  s.maxOut = 0;
  s.log.length = 0;
  return s;
}

t.test('a metadata change restarts the followers one by one inside the core, never two out at once', async (t) => {
  const s = metaSim();
  s.send(20_000, { type: 'metadata', unit: 'master', paths: ['/srv/meta/a.json'] });
  const out = s.runUntil(60_000);
  t.same(s.log, ['signal f1', 'spawn f1', 'signal f2', 'spawn f2', 'signal f3', 'spawn f3']);
  const last = s.rollouts(out).at(-1);
  t.match(last, { target: 'master:followers', state: 'ok', trigger: 'metadata:/srv/meta/a.json', budget: 1 });
  t.same(last?.steps.map((x) => `${x.action} ${x.unit} ${x.state}`), ['restart f1 ok', 'restart f2 ok', 'restart f3 ok']);
  t.equal(s.maxOut, 1, 'one follower out at most');
  t.equal(stateOf(s.f, 'master'), 'ready');
  t.equal(genOf(s.f, 'master'), 1, 'the master untouched');
});

t.test('a failed follower is started first; no other follower is restarted while it is not ready', async (t) => {
  const s = metaSim();
  s.broken.add('f2');
  s.send(11_000, { type: 'restart', units: ['f2'], safe: false, withDependents: false, job: null });
  t.equal(stateOf(s.f, 'f2'), 'failed', 'f2 crashed past its burst');
  s.broken.delete('f2');
  s.maxOut = 0;
  s.log.length = 0;

  s.send(20_000, { type: 'metadata', unit: 'master', paths: ['/srv/meta/a.json'] });
  const settled = s.runUntil(21_000); // the debounce settles at 21s: the rollout begins
  const r = s.rollouts(settled)[0];
  t.same(r?.steps.map((x) => `${x.action} ${x.unit}`), ['start f2', 'restart f1', 'restart f3'], 'f2, failed, is part of the rollout and first');
  t.same(s.log, ['spawn f2'], 'f2 is started; f1 and f3 keep serving');
  t.equal(stateOf(s.f, 'f2'), 'starting');
  t.same([stateOf(s.f, 'f1'), stateOf(s.f, 'f3')], ['ready', 'ready']);
  const out = s.runUntil(60_000);
  t.same(s.log, ['spawn f2', 'signal f1', 'spawn f1', 'signal f3', 'spawn f3'], 'f1 only after f2 is ready');
  t.match(s.rollouts(out).at(-1), { state: 'ok' });
  t.equal(s.maxOut, 1, 'never more than one follower out');
});

t.test('a rollout that fails at a follower leaves it failed; the next metadata change starts it first', async (t) => {
  const s = metaSim();
  s.broken.add('f1');
  s.send(20_000, { type: 'metadata', unit: 'master', paths: ['/srv/meta/a.json'] });
  const first = s.runUntil(30_000);
  t.match(s.rollouts(first).at(-1), { state: 'error', error: { unit: 'f1', reason: /did not come back ready: exited with code 1/ } });
  t.same(s.log, ['signal f1', 'spawn f1'], 'f2 and f3 untouched');
  t.equal(stateOf(s.f, 'f1'), 'failed');

  s.broken.delete('f1');
  s.log.length = 0;
  s.maxOut = 0;
  s.send(40_000, { type: 'metadata', unit: 'master', paths: ['/srv/meta/b.json'] });
  const second = s.runUntil(80_000);
  const r = s.rollouts(second).at(-1);
  t.same(r?.steps.map((x) => `${x.action} ${x.unit} ${x.state}`), ['start f1 ok', 'restart f2 ok', 'restart f3 ok']);
  t.same(s.log, ['spawn f1', 'signal f2', 'spawn f2', 'signal f3', 'spawn f3']);
  t.equal(s.maxOut, 1);
});

t.test('a pending follower that crashes is started first; a follower done earlier that fails for good stops the rollout naming it', async (t) => {
  const s = metaSim();
  s.send(20_000, { type: 'metadata', unit: 'master', paths: ['/srv/meta/a.json'] });
  s.runUntil(21_000); // f1 restarting
  t.equal(stateOf(s.f, 'f1'), 'starting');
  // f3, serving and not yet rolled, crashes for good while f1 is out: it is down, so it is next.
  s.send(21_100, { type: 'unit', unit: 'f3', event: { type: 'exited', gen: genOf(s.f, 'f3'), code: 1, signal: null } });
  t.equal(stateOf(s.f, 'f3'), 'starting', 'f3 is down: started at once, which takes nothing out of service');
  s.runUntil(22_000);
  t.same(s.log, ['signal f1', 'spawn f1', 'spawn f3'], 'f2 is not touched while f1 and f3 are out');
  const out = s.runUntil(60_000);
  t.match(s.rollouts(out).at(-1), { state: 'ok' });
  t.same(s.log, ['signal f1', 'spawn f1', 'spawn f3', 'signal f2', 'spawn f2']);
  t.equal(s.maxOut, 2, 'f3 fell over by itself while f1 was out: two down, the rollout added none');

  const s2 = metaSim();
  s2.send(20_000, { type: 'metadata', unit: 'master', paths: ['/srv/meta/a.json'] });
  s2.runUntil(22_000); // f1 ready again at 22s, f2 restarting
  t.same(s2.log, ['signal f1', 'spawn f1', 'signal f2', 'spawn f2']);
  s2.send(22_500, { type: 'unit', unit: 'f1', event: { type: 'exited', gen: genOf(s2.f, 'f1'), code: 1, signal: null } });
  t.equal(stateOf(s2.f, 'f1'), 'failed');
  const out2 = s2.runUntil(60_000);
  t.match(s2.rollouts(out2).at(-1), { state: 'error', error: { unit: 'f1', reason: /f1 is down: taking out another unit would exceed the rollout's budget of 1/ } });
  t.same(s2.log, ['signal f1', 'spawn f1', 'signal f2', 'spawn f2'], 'f3, serving, was never taken out');
  t.equal(stateOf(s2.f, 'f3'), 'ready');
});

t.test('a change during a rollout is folded into one more pass in the same dispatch that ends it', async (t) => {
  const s = metaSim();
  s.send(20_000, { type: 'metadata', unit: 'master', paths: ['/srv/meta/a.json'] });
  s.runUntil(21_000);
  s.send(21_200, { type: 'metadata', unit: 'master', paths: ['/srv/meta/b.json'] });
  s.send(21_400, { type: 'metadata', unit: 'master', paths: ['/srv/meta/c.json'] });
  const out = s.runUntil(100_000);
  const ids = [...new Set(s.rollouts(out).map((r) => r.id))];
  t.equal(ids.length, 2, 'two rollouts: the first, and one more pass');
  const second = s.rollouts(out).filter((r) => r.id === ids[1]).at(-1);
  t.match(second, { state: 'ok', trigger: 'metadata:/srv/meta/b.json (+1)' });
  t.same(second?.steps.map((x) => x.unit), FOLLOWERS);
  t.equal(s.log.filter((l) => l.startsWith('spawn')).length, 6, 'each follower restarted twice');
});

t.test('--max-unavailable 2 over five units: two out at once, never three', async (t) => {
  const names = ['w1', 'w2', 'w3', 'w4', 'w5'];
  const s = new Sim(names.map((n) => unitSpec(n, { groups: ['web'] })), names);
  s.send(0, { type: 'start', units: names, job: null });
  s.runUntil(5000);
  s.maxOut = 0;
  s.log.length = 0;
  const plan = { strategy: 'one-by-one' as const, maxUnavailable: { count: 2 }, canary: null };
  const started = s.send(10_000, { type: 'rollout', target: 'web', units: names, plan, safe: true, trigger: 'api', job: 'j' });
  t.same(s.log, ['signal w1', 'signal w2', 'spawn w1', 'spawn w2'], 'two taken out at once');
  t.match(s.rollouts(started)[0], { budget: 2, job: 'j' });
  const out = s.runUntil(60_000);
  t.match(s.rollouts(out).at(-1), { state: 'ok', finished: 13_000 }, 'three waves of a second: w1+w2, w3+w4, w5');
  t.equal(s.maxOut, 2);
});

t.test('a canary soaks alone; a failed health check during the soak stops the rollout before any other unit', async (t) => {
  const names = ['w1', 'w2', 'w3'];
  const health = { check: { kind: 'tcp' as const, host: '127.0.0.1', port: 1 }, interval: 1000, timeout: 500, failures: 3 };
  const s = new Sim(names.map((n) => unitSpec(n, { health })), names);
  s.send(0, { type: 'start', units: names, job: null });
  s.runUntil(5000);
  s.log.length = 0;
  const plan = { strategy: 'one-by-one' as const, maxUnavailable: { count: 2 }, canary: 10_000 };
  s.send(10_000, { type: 'rollout', target: 'web', units: names, plan, safe: true, trigger: 'api', job: null });
  s.runUntil(11_000); // w1 ready again at 11s, soaking until 21s
  t.same(s.log, ['signal w1', 'spawn w1']);
  const r = s.f.rollouts.list()[0];
  t.equal(r?.soakUntil, 21_000);
  t.equal(s.f.rollouts.stepOf('w1')?.step, 'in-progress', 'the canary step is in progress while it soaks');
  // One health probe of the new w1 fails.
  const out = s.send(12_000, { type: 'unit', unit: 'w1', event: { type: 'probeResult', gen: genOf(s.f, 'w1'), purpose: 'health', ok: false, message: 'connection refused' } });
  t.match(s.rollouts(out).at(-1), { state: 'error', error: { unit: 'w1', reason: /canary health check failed during its soak/ } });
  s.runUntil(40_000);
  t.same(s.log, ['signal w1', 'spawn w1'], 'w2 and w3 never touched');
});

t.test('a canary that stays healthy through its soak lets the rest go, within the budget', async (t) => {
  const names = ['w1', 'w2', 'w3'];
  const s = new Sim(names.map((n) => unitSpec(n)), names);
  s.send(0, { type: 'start', units: names, job: null });
  s.runUntil(5000);
  s.log.length = 0;
  const plan = { strategy: 'one-by-one' as const, maxUnavailable: { count: 2 }, canary: 10_000 };
  s.send(10_000, { type: 'rollout', target: 'web', units: names, plan, safe: true, trigger: 'api', job: null });
  s.runUntil(20_999);
  t.same(s.log, ['signal w1', 'spawn w1'], 'only the canary during its soak');
  const out = s.runUntil(60_000);
  t.same(s.log, ['signal w1', 'spawn w1', 'signal w2', 'signal w3', 'spawn w2', 'spawn w3'], 'then the rest, two at a time');
  t.match(s.rollouts(out).at(-1), { state: 'ok' });
});

t.test('a failing lb.enable hook fails the step; the units after it are untouched', async (t) => {
  const names = ['w1', 'w2'];
  const lb = { disable: ['lb', 'off'], enable: ['lb', 'on'] };
  const s = new Sim(names.map((n) => unitSpec(n, { lb })), names);
  s.send(0, { type: 'start', units: names, job: null });
  s.runUntil(5000);
  s.log.length = 0;
  const plan = { strategy: 'one-by-one' as const, maxUnavailable: null, canary: null };
  const begin = s.send(10_000, { type: 'rollout', target: 'web', units: names, plan, safe: true, trigger: 'api', job: null });
  t.same(ofKind(begin, 'runCommand').map((e) => `${e.unit} ${e.purpose}`), ['w1 lb-disable']);
  const hook = (purpose: 'lb-disable' | 'lb-enable', ok: boolean, now: number): FleetEffect[] =>
    s.send(now, { type: 'unit', unit: 'w1', event: { type: 'commandDone', gen: genOf(s.f, 'w1'), purpose, ok, message: ok ? 'ok' : 'exited with code 3' } });
  hook('lb-disable', true, 10_100);
  const ready = s.runUntil(12_000);
  t.same(ofKind(ready, 'runCommand').map((e) => `${e.unit} ${e.purpose}`), ['w1 lb-enable']);
  t.equal(s.f.rollouts.stepOf('w1')?.step, 'in-progress', 'ready, but not back in the balancer yet');
  const out = hook('lb-enable', false, 12_100);
  t.match(s.rollouts(out).at(-1), { state: 'error', error: { unit: 'w1', reason: 'lb-enable hook exited with code 3' } });
  t.same(s.log, ['signal w1', 'spawn w1'], 'w2 untouched');
});

t.test('the transitions a rollout causes say which rollout asked (issue 10 §6)', async (t) => {
  const s = metaSim();
  s.broken.add('f2');
  s.send(11_000, { type: 'restart', units: ['f2'], safe: false, withDependents: false, job: null, by: 'supctl' });
  s.broken.delete('f2');
  s.send(20_000, { type: 'metadata', unit: 'master', paths: ['/srv/meta/a.json'] });
  const out = s.runUntil(60_000);
  const id = s.rollouts(out).at(-1)?.id ?? '?';
  const reasons = ofKind(out, 'transition').filter((e) => e.from !== e.to).map((e) => `${e.unit}: ${e.from} → ${e.to}: ${e.reason}`);
  t.ok(reasons.includes(`f2: failed → starting: start requested by rollout ${id}`), 'the failed follower is started by the rollout');
  t.ok(reasons.includes(`f1: ready → stopping: safe restart requested by rollout ${id}`), 'a ready follower is restarted by the rollout');
  t.notOk(reasons.some((r) => r.includes('requested by supctl')), 'no reason repeats an earlier request');
  t.ok(reasons.includes(`f1: inactive → starting: safe restart requested by rollout ${id}`), 'the start after the stop names the same request');
});
