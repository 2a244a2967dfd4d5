import { readFileSync } from 'node:fs';
import net from 'node:net';
import t from 'tap';
import { createLogStore } from '../../daemon/edges/logs.js';
import { createNet } from '../../daemon/edges/net.js';
import { isGone, readProc } from '../../daemon/edges/proctree.js';
import { createSpawner, type SpawnerOptions, type SpawnHooks, type SpawnRequest } from '../../daemon/edges/spawn.js';
import { plainRunAs, type RunAs } from '../../daemon/edges/runas.js';
import { createReaper, fixture, waitFor, type TapTest } from './helpers.js';

type ReqMore = Partial<Omit<SpawnRequest, 'as' | 'argv'>> & Partial<RunAs>;

/** A request for `argv` in supd's PATH, with request fields and RunAs fields mixed in `more`. */
function spawnRequest(argv: string[], more: ReqMore = {}): SpawnRequest {
  const { unit = 'u1', gen = 1, preStart = [], ports = [], portWaitMs = 0, ...as } = more;
  return { unit, gen, argv, preStart, ports, portWaitMs, as: { ...plainRunAs({ PATH: process.env['PATH'] ?? '/usr/bin:/bin' }), ...as } };
}

type Event =
  | { kind: 'spawned'; unit: string; gen: number; pid: number }
  | { kind: 'failed'; unit: string; gen: number; message: string }
  | { kind: 'exited'; unit: string; gen: number; pid: number; code: number | null; signal: string | null };

function setup(t: TapTest, extra: Partial<SpawnHooks> = {}, opts: SpawnerOptions = {}) {
  const dir = t.testdir();
  const events: Event[] = [];
  const reaper = createReaper();
  const logs = createLogStore({ logDir: dir, maxSize: 0, keep: 0 });
  const hooks: SpawnHooks = {
    onSpawned: (unit, gen, pid) => {
      reaper.track(pid);
      events.push({ kind: 'spawned', unit, gen, pid });
    },
    onSpawnFailed: (unit, gen, message) => events.push({ kind: 'failed', unit, gen, message }),
    onExited: (unit, gen, pid, code, signal) => {
      extra.onExited?.(unit, gen, pid, code, signal);
      events.push({ kind: 'exited', unit, gen, pid, code, signal });
    },
    ...(extra.onWarning ? { onWarning: extra.onWarning } : {}),
  };
  const spawner = createSpawner(hooks, logs, { honourIds: false, ...opts });
  t.teardown(async () => {
    await reaper.killAll();
    await logs.closeAll();
  });
  const req = (argv: string[], more: ReqMore = {}): SpawnRequest => spawnRequest(argv, { portWaitMs: 1000, ...more });
  const next = <K extends Event['kind']>(kind: K, after = 0) =>
    waitFor(() => events.slice(after).find((e): e is Extract<Event, { kind: K }> => e.kind === kind), `a ${kind} event`);
  return { dir, events, reaper, logs, spawner, req, next };
}

t.test('a spawned process is reported with its pid, then its exit code', async (t) => {
  const { spawner, req, next, events } = setup(t);
  spawner.spawn(req(fixture('crasher.js', '--code', '3', '--after', '50'), { gen: 7 }));
  const spawned = await next('spawned');
  t.equal(spawned.gen, 7);
  const exited = await next('exited');
  t.same(exited, { kind: 'exited', unit: 'u1', gen: 7, pid: spawned.pid, code: 3, signal: null });
  t.same(events.map((e) => e.kind), ['spawned', 'exited'], 'spawned comes before exited');
  t.same(spawner.running(), [], 'nothing reported as running after the exit');
});

t.test('an exit by signal is reported with the signal name', async (t) => {
  const { spawner, req, next } = setup(t);
  spawner.spawn(req(fixture('sleeper.js')));
  const { pid } = await next('spawned');
  t.same(spawner.running(), [pid]);
  t.ok(spawner.signal(pid, 'SIGKILL'));
  const exited = await next('exited');
  t.equal(exited.signal, 'SIGKILL');
  t.equal(exited.code, null);
  t.notOk(spawner.signal(pid, 'SIGTERM'), 'signalling a gone process reports false');
});

t.test('each unit leads its own process group and session', async (t) => {
  const { spawner, req, next, reaper } = setup(t);
  spawner.spawn(req(fixture('sleeper.js')));
  const { pid } = await next('spawned');
  const info = readProc(pid);
  t.equal(info?.pgrp, pid);
  t.equal(info?.session, pid);
  t.same(await reaper.killAll(), []);
});

t.test('a command that does not exist is a spawn failure with a clear message', async (t) => {
  const { spawner, req, next } = setup(t);
  spawner.spawn(req(['/nonexistent/supd-test-cmd']));
  t.match((await next('failed')).message, 'command not found: /nonexistent/supd-test-cmd');
});

t.test('a missing cwd is named in the spawn failure', async (t) => {
  const { spawner, req, next } = setup(t);
  spawner.spawn(req(fixture('sleeper.js'), { cwd: '/nonexistent-supd-cwd' }));
  t.equal((await next('failed')).message, 'cwd /nonexistent-supd-cwd does not exist');
});

t.test('cwd, env and umask reach the process; output lands in the unit log', async (t) => {
  const { spawner, req, next, logs, dir } = setup(t);
  const script = 'printf "%s %s " "$(pwd)" "$GREETING"; umask';
  spawner.spawn(req(['/bin/sh', '-c', script], { cwd: dir, env: { GREETING: 'hello', PATH: '/usr/bin:/bin' }, umask: 0o027 }));
  const spawned = await next('spawned');
  const exited = await next('exited');
  t.equal(exited.pid, spawned.pid, 'the umask wrapper keeps the pid (it execs)');
  t.equal(exited.code, 0);
  const text = await waitFor(async () => ((await logs.tail('u1', 1)).includes('0027') ? logs.tail('u1', 1) : null), 'output');
  t.equal(text.trim(), `${dir} hello 0027`);
});

t.test('killTree kills a SIGTERM-ignoring process and the grandchild it forked', async (t) => {
  const { spawner, req, next, logs } = setup(t);
  spawner.spawn(req(fixture('sleeper.js', '--ignore-term', '--fork-grandchild', '--grandchild-ignore-term')));
  const { pid } = await next('spawned');
  const gc = await new Promise<number>((resolve) => logs.watchFor('u1', /grandchild (\d+)/, (m) => resolve(Number(m.split(' ')[1]))));
  t.notOk(isGone(gc), 'the grandchild runs');
  spawner.signal(pid, 'SIGTERM');
  await spawner.killTree(pid);
  t.ok(isGone(pid), 'the main process is gone');
  t.ok(isGone(gc), 'the grandchild is gone');
  const exited = await next('exited');
  t.equal(exited.signal, 'SIGKILL');
});

t.test('a leftover grandchild is killed before the main exit is reported', async (t) => {
  let gc = 0;
  let gcGoneAtReport: boolean | null = null;
  const { spawner, req, next, logs, reaper } = setup(t, { onExited: () => (gcGoneAtReport = isGone(gc)) });
  spawner.spawn(req(fixture('sleeper.js', '--fork-grandchild', '--grandchild-ignore-term')));
  const { pid } = await next('spawned');
  gc = await new Promise<number>((resolve) => logs.watchFor('u1', /grandchild (\d+)/, (m) => resolve(Number(m.split(' ')[1]))));
  reaper.track(gc);
  process.kill(pid, 'SIGKILL'); // the main process alone, as `kill -9 <pid>` does
  const exited = await next('exited');
  t.equal(exited.signal, 'SIGKILL');
  t.equal(gcGoneAtReport, true, 'the grandchild was gone when the exit was reported');
  t.same(await reaper.killAll(), []);
});

t.test('a spawn waits until its ports have no listener', async (t) => {
  let polls = 0;
  const real = createNet();
  const counting = { ...real, listeningPorts: () => (polls++, real.listeningPorts()) };
  const { spawner, req, events, reaper } = setup(t, {}, { net: counting });
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  spawner.spawn(req(fixture('sleeper.js'), { ports: [port], portWaitMs: 30_000 }));
  await waitFor(() => polls >= 3, 'the spawner to poll the busy port');
  t.same(events, [], 'nothing spawned while the port listens');
  server.close();
  await waitFor(() => events.length > 0, 'the spawn');
  t.equal(events[0]?.kind, 'spawned', 'spawned once the listener went away');
  t.same(await reaper.killAll(), []);
});

t.test('a port still busy at the deadline fails the spawn, naming the port', async (t) => {
  const { spawner, req, next } = setup(t);
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  spawner.spawn(req(fixture('sleeper.js'), { ports: [port], portWaitMs: 100 }));
  t.equal((await next('failed')).message, `port ${port} still in use after 100ms`);
});

t.test('a unit user runs the process under that uid when supd is root', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const dir = t.testdir();
  const events: Event[] = [];
  const logs = createLogStore({ logDir: dir, maxSize: 0, keep: 0 });
  t.teardown(() => logs.closeAll());
  const nobody = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  if (!nobody) {
    t.comment('no nobody user');
    return;
  }
  const uid = nobody.split(':')[2];
  const spawner = createSpawner(
    {
      onSpawned: (unit, gen, pid) => events.push({ kind: 'spawned', unit, gen, pid }),
      onSpawnFailed: (unit, gen, message) => events.push({ kind: 'failed', unit, gen, message }),
      onExited: (unit, gen, pid, code, signal) => events.push({ kind: 'exited', unit, gen, pid, code, signal }),
    },
    logs,
    { honourIds: true },
  );
  spawner.spawn(spawnRequest(['/bin/sh', '-c', 'echo "$(id -u) $USER"'], { unit: 'who', cwd: '/', user: 'nobody' }));
  await waitFor(() => events.find((e) => e.kind === 'exited'), 'exit');
  t.equal((await waitFor(async () => (await logs.tail('who', 1)) || null, 'output')).trim(), `${uid} nobody`);
  spawner.spawn(spawnRequest(['/bin/true'], { unit: 'who', gen: 2, cwd: '/', user: 'no-such-user-supd' }));
  const failed = await waitFor(() => events.find((e): e is Extract<Event, { kind: 'failed' }> => e.kind === 'failed'), 'failure');
  t.match(failed.message, "unknown user 'no-such-user-supd'");
});

t.test('supd that cannot switch users says so once per unit, and runs the unit as itself', async (t) => {
  const warnings: { unit: string; message: string }[] = [];
  const { spawner, req, next, events } = setup(t, { onWarning: (unit, message) => warnings.push({ unit, message }) }, { honourIds: false });
  spawner.spawn(req(['/bin/true'], { unit: 'db', user: 'no-such-user-supd' }));
  await next('exited');
  spawner.spawn(req(['/bin/true'], { unit: 'db', gen: 2, user: 'no-such-user-supd' }));
  await next('exited', events.findIndex((e) => e.kind === 'exited') + 1);
  const own = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(process.getuid?.()))?.split(':')[0];
  if (own !== undefined) {
    spawner.spawn(req(['/bin/true'], { unit: 'mine', gen: 3, user: own }));
    await waitFor(() => events.filter((e) => e.kind === 'exited').length === 3 || null, 'the third exit');
  }
  t.same(warnings.map((w) => w.unit), ['db'], 'one warning, for the unit whose user differs from supd\'s');
  t.match(warnings[0]?.message, /^user no-such-user-supd not applied: supd is not running as root \(uid \d+\), so the unit runs as supd's own user/);
  t.same(events.filter((e) => e.kind === 'failed'), [], 'the unit still runs');
});
