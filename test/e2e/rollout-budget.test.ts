// The rollout budget end to end (SPEC "Rolling restarts"): three followers of a master, one of
// them broken by a metadata push (the rollout stops at it with `error`, the others untouched and
// serving). The fixed push starts the failed follower first, and while it is not ready no other
// follower is restarted. Units out of service are counted from every transition on the event
// stream and from `status` polled every 40 ms: never more than the budget (one).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { RolloutView, SupdEvent, UnitStatus } from '../../daemon/control.js';
import { NODE, FIXTURES, Supd, assertBuilt } from './harness.js';

assertBuilt();

const FOLLOWERS = ['f1', 'f2', 'f3'];
type RolloutEvent = Extract<SupdEvent, { type: 'rollout' }>;

/** Counts followers not ready, from the event stream (every transition) and from status polls. */
class OutOfService {
  private state = new Map<string, string>();
  private seenEvents = 0;
  maxFromEvents = 0;
  maxFromPolls = 0;
  polls = 0;
  private timer: NodeJS.Timeout;

  constructor(private readonly supd: Supd, initial: UnitStatus[]) {
    for (const u of initial) this.state.set(u.name, u.state);
    // Transitions before now (boot) are already in `initial`.
    this.seenEvents = supd.events.length;
    this.timer = setInterval(() => void this.poll(), 40);
  }

  private out(states: Iterable<[string, string]>): number {
    let n = 0;
    for (const [name, s] of states) if (FOLLOWERS.includes(name) && s !== 'ready') n++;
    return n;
  }

  /** Replays the transitions received since the last call. */
  catchUp(): void {
    const ev = this.supd.events;
    for (; this.seenEvents < ev.length; this.seenEvents++) {
      const e = ev[this.seenEvents] as SupdEvent;
      if (e.type !== 'transition') continue;
      this.state.set(e.unit, e.to);
      this.maxFromEvents = Math.max(this.maxFromEvents, this.out(this.state));
    }
  }

  private async poll(): Promise<void> {
    const units = await this.supd.status().catch(() => null);
    if (units === null) return;
    this.polls++;
    this.maxFromPolls = Math.max(this.maxFromPolls, this.out(units.map((u) => [u.name, u.state])));
    this.catchUp();
  }

  stop(): void {
    clearInterval(this.timer);
    this.catchUp();
  }
}

t.test('a failed follower is started first, no serving follower leaves meanwhile, never more than one out', async (t) => {
  const dir = t.testdir();
  const meta = path.join(dir, 'meta');
  fs.mkdirSync(meta);
  fs.writeFileSync(path.join(meta, 'a.json'), '{"v":0}\n');
  const sleeper = `${NODE} ${path.join(FIXTURES, 'sleeper.js')}`;
  const units: Record<string, string> = {
    master: `command: ${JSON.stringify([NODE, path.join(FIXTURES, 'sleeper.js')])}\nready: {grace: 100ms}\n`
      + `metadata: [${JSON.stringify(path.join(meta, '*.json'))}]\nrollout: {strategy: one-by-one, debounce: 300ms}\n`,
  };
  for (const f of FOLLOWERS) {
    // A follower fails at once while `broken-<name>` exists, and is ready only while `ok-<name>` does.
    const cmd = `if [ -e ${dir}/broken-${f} ]; then echo broken; exit 1; fi; exec ${sleeper}`;
    units[f] = `command: ${JSON.stringify(cmd)}\nfollows: master\nrequires: [master]\nrestart: {burst: 0}\n`
      + `ready: {exec: [test, -e, ${JSON.stringify(path.join(dir, `ok-${f}`))}], interval: 50ms, timeout: 60s}\n`;
    fs.writeFileSync(path.join(dir, `ok-${f}`), '');
  }
  const supd = await new Supd(t, { units }).start();
  for (const u of ['master', ...FOLLOWERS]) await supd.waitState(u, 'ready');
  const watch = new OutOfService(supd, await supd.status());
  t.teardown(() => watch.stop());
  const pid = async (u: string): Promise<number | null> => (await supd.unit(u)).pid;
  const rolloutOf = (from: number, pred: (r: RolloutView) => boolean, what: string): Promise<RolloutView> =>
    supd.waitEvent((e) => e.type === 'rollout' && pred(e.rollout), what, from).then((i) => (supd.events[i] as RolloutEvent).rollout);

  // 1. A push that breaks f1: the rollout stops at f1 with error; f2 and f3 keep their processes.
  const before = { f2: await pid('f2'), f3: await pid('f3') };
  fs.writeFileSync(path.join(dir, 'broken-f1'), '');
  let from = supd.events.length;
  fs.writeFileSync(path.join(meta, 'a.json'), '{"v":1}\n');
  const failed = await rolloutOf(from, (r) => r.finished !== null, 'the first rollout to end');
  t.match(failed, { state: 'error', error: { unit: 'f1', reason: /did not come back ready/ } });
  t.same(failed.steps.map((s) => `${s.unit} ${s.state}`), ['f1 error', 'f2 pending', 'f3 pending']);
  t.equal((await supd.unit('f1')).state, 'failed');
  t.same({ f2: await pid('f2'), f3: await pid('f3') }, before, 'f2 and f3 untouched');

  // 2. The fixed push: f1 is started first and held not ready; nothing else moves meanwhile.
  fs.rmSync(path.join(dir, 'broken-f1'));
  fs.rmSync(path.join(dir, 'ok-f1'));
  from = supd.events.length;
  fs.writeFileSync(path.join(meta, 'b.json'), '{"v":2}\n');
  const second = await rolloutOf(from, (r) => r.state === 'running', 'the second rollout');
  t.same(second.steps.map((s) => `${s.action} ${s.unit}`), ['start f1', 'restart f2', 'restart f3'], 'the failed follower is part of it, first');
  await supd.waitEvent((e) => e.type === 'transition' && e.unit === 'f1' && e.to === 'starting', 'f1 starting', from);
  // f1 stays starting for as long as its ready gate is missing: long enough for a wrong rollout to move on.
  await new Promise((r) => setTimeout(r, 1500));
  t.equal((await supd.unit('f1')).state, 'starting', 'f1 is not ready yet');
  t.same({ f2: await pid('f2'), f3: await pid('f3') }, before, 'no serving follower restarted while f1 is not ready');
  t.same(supd.events.slice(from).filter((e) => e.type === 'transition' && (e.unit === 'f2' || e.unit === 'f3')), [], 'f2 and f3 did not change state at all');

  fs.writeFileSync(path.join(dir, 'ok-f1'), '');
  const done = await rolloutOf(from, (r) => r.id === second.id && r.finished !== null, 'the second rollout to end');
  t.match(done, { state: 'ok' });
  const order = supd.events.slice(from).flatMap((e) => (e.type === 'transition' && e.to === 'ready' ? [e.unit] : []));
  t.same(order, ['f1', 'f2', 'f3'], 'f1 ready first, then f2 and f3 one by one');
  t.not(await pid('f2'), before.f2);
  t.not(await pid('f3'), before.f3);

  watch.stop();
  t.ok(watch.polls >= 10, `status was sampled (${watch.polls} polls)`);
  t.equal(watch.maxFromEvents, 1, 'never more than one follower out, at any transition');
  t.ok(watch.maxFromPolls <= 1, 'nor at any status poll');
});
