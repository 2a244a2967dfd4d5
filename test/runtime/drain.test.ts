// Safe stops through the runtime: out of the load balancer first, then the safeStop action, then
// waiting for established connections, then the stop; a drain that overruns its timeout is forced.
import t from 'tap';
import type { CommandResult } from '../../daemon/edges/commands.js';
import { COMMAND_OK } from '../fakes/others.js';
import { harness, unitSpec, type Harness } from './harness.js';

const web = unitSpec('web', {
  ready: { grace: 100 },
  ports: { http: 8080 },
  lb: { disable: ['lbctl', 'disable', 'web'], enable: ['lbctl', 'enable', 'web'] },
  safeStop: { signal: 'SIGUSR1', waitConnections: [8080], timeout: 10_000 },
});

async function readyWeb(h: Harness): Promise<number> {
  const started = h.command({ action: 'start', target: 'web' });
  await h.enters('web', 'starting');
  await h.advance(100);
  await started;
  return h.status('web').pid as number;
}

const signals = (h: Harness): string[] => h.fake.spawner.calls.flatMap((c) => (c.kind === 'signal' ? [c.signal] : []));

t.test('a safe stop disables the unit in the balancer, signals it, waits for connections, then stops it', async (t) => {
  const h = harness(t, [web], { spawner: { auto: true } });
  await readyWeb(h);
  let release: (r: CommandResult) => void = () => undefined;
  h.fake.commands.answer = () => new Promise((resolve) => (release = resolve));
  h.fake.net.connections.set(8080, 3);

  const stopped = h.command({ action: 'stop', target: 'web', safe: true });
  await h.enters('web', 'draining');
  t.same(h.fake.commands.runs.map((r) => r.argv), [['lbctl', 'disable', 'web']], 'lb.disable first');
  t.same(signals(h), [], 'the safeStop signal waits for the balancer');
  release(COMMAND_OK);
  await h.advance(0);
  t.same(signals(h), ['SIGUSR1'], 'then the safeStop signal');
  t.equal(h.status('web').connections, 3, 'the open connections are shown while draining');
  await h.advance(1000);
  t.equal(h.state('web'), 'draining', 'connections still open: still draining');
  h.fake.net.connections.set(8080, 0);
  await h.advance(200);
  const result = await stopped;
  t.same(signals(h), ['SIGUSR1', 'SIGTERM'], 'the stop signal once no connection is left');
  t.equal(result.ok, true);
  t.same(result.forced, []);
  t.same(h.moves('web'), ['inactive→starting', 'starting→ready', 'ready→draining', 'draining→stopping', 'stopping→inactive']);
});

t.test('a drain past safeStop.timeout is forced: the unit stops and the result says so', async (t) => {
  const h = harness(t, [web], { spawner: { auto: true } });
  await readyWeb(h);
  h.fake.net.connections.set(8080, 1);
  const stopped = h.command({ action: 'stop', target: 'web', safe: true });
  await h.enters('web', 'draining');
  await h.advance(9_999);
  t.equal(h.state('web'), 'draining');
  await h.advance(1);
  const result = await stopped;
  t.equal(h.state('web'), 'inactive');
  t.same(result.forced, ['web']);
  t.equal(result.ok, false, 'a forced drain is not a clean stop');
  t.equal(h.status('web').forced, true);
});

t.test('a safe restart puts the unit back in the balancer once it is ready again', async (t) => {
  const h = harness(t, [web], { spawner: { auto: true } });
  const first = await readyWeb(h);
  const restarted = h.command({ action: 'restart', target: 'web', safe: true });
  await h.enters('web', 'starting');
  t.equal(h.status('web').lbDisabled, true, 'out of the balancer while it restarts');
  await h.advance(100);
  t.equal((await restarted).ok, true);
  t.not(h.status('web').pid, first, 'a new process');
  t.same(h.fake.commands.runs.map((r) => r.argv), [['lbctl', 'disable', 'web'], ['lbctl', 'enable', 'web']]);
  await h.advance(0);
  t.equal(h.status('web').lbDisabled, false, 'back in once lb.enable succeeded');
});
