// The fake WalB servers, run directly (not under supd): start order, peers, graceful exits.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Proc, Teardown } from './helpers.js';
import { EXAMPLES, ask, freePorts, startNode, waitForOutput } from './helpers.js';

const DIR = path.join(EXAMPLES, 'walb');
const SERVER = 'bin/walb-server.mjs';

function walb(t: Teardown, var_: string, kind: string, port: number, id: string, peers: string[] = []): Proc {
  const name = kind.replace('walb-', '');
  return startNode(t, SERVER, [kind, '-p', String(port), '-b', path.join(var_, name), '-id', id,
    '-l', path.join(var_, `${name}.log`), ...peers], DIR);
}

t.test('the archive creates its base dir, listens, logs to its file and stops on SIGTERM', async (t) => {
  const dir = t.testdir();
  const [port] = await freePorts(1) as [number];
  const a = walb(t, dir, 'walb-archive', port, 'a0');
  await waitForOutput(a, /listening on/);
  t.ok(fs.statSync(path.join(dir, 'archive')).isDirectory(), 'base dir created');
  t.match(await ask(t, port, 'ping'), /^ok walb-archive a0/);
  process.kill(a.pid, 'SIGTERM');
  t.same(await a.exited, { code: 0, signal: null });
  const log = fs.readFileSync(path.join(dir, 'archive.log'), 'utf8');
  t.match(log, /SIGTERM: closing port/);
  t.match(log, /stopped/);
});

t.test('the proxy refuses to start without the archive', async (t) => {
  const dir = t.testdir();
  const [port, archive] = await freePorts(2) as [number, number];
  const p = walb(t, dir, 'walb-proxy', port, 'p0', ['-archive', `127.0.0.1:${archive}`]);
  t.equal((await p.exited).code, 1);
  t.match(p.stderr(), `the archive at 127.0.0.1:${archive} is not reachable`);
});

t.test('the storage refuses to start without the proxy, even with the archive up', async (t) => {
  const dir = t.testdir();
  const [aport, pport, sport] = await freePorts(3) as [number, number, number];
  const peers = ['-archive', `127.0.0.1:${aport}`, '-proxy', `127.0.0.1:${pport}`];
  const alone = walb(t, dir, 'walb-storage', sport, 's0', peers);
  t.equal((await alone.exited).code, 1);
  t.match(alone.stderr(), `the archive at 127.0.0.1:${aport} is not reachable`);

  const a = walb(t, dir, 'walb-archive', aport, 'a0');
  await waitForOutput(a, /listening on/);
  const s = walb(t, dir, 'walb-storage', sport, 's0', peers);
  t.equal((await s.exited).code, 1);
  t.match(s.stderr(), `the proxy at 127.0.0.1:${pport} is not reachable`);
});

t.test('the chain starts in order, the storage notices a lost proxy, and walbc stops it gracefully', async (t) => {
  const dir = t.testdir();
  const [aport, pport, sport] = await freePorts(3) as [number, number, number];
  const a = walb(t, dir, 'walb-archive', aport, 'a0');
  await waitForOutput(a, /listening on/);
  const p = walb(t, dir, 'walb-proxy', pport, 'p0', ['-archive', `127.0.0.1:${aport}`]);
  await waitForOutput(p, /listening on/);
  const s = walb(t, dir, 'walb-storage', sport, 's0', ['-archive', `127.0.0.1:${aport}`, '-proxy', `127.0.0.1:${pport}`]);
  await waitForOutput(s, /listening on/);
  t.match(s.stdout(), `connected to the proxy at 127.0.0.1:${pport}`);

  process.kill(p.pid, 'SIGTERM');
  await p.exited;
  await waitForOutput(s, /lost the proxy/);
  t.equal(s.exit(), null, 'the storage keeps running without its proxy');
  const p2 = walb(t, dir, 'walb-proxy', pport, 'p0', ['-archive', `127.0.0.1:${aport}`]);
  await waitForOutput(p2, /listening on/);
  await waitForOutput(s, /the proxy is back; reconnected/);

  const ctl = startNode(t, 'bin/walbc.mjs', ['-a', '127.0.0.1', '-p', String(sport), 'shutdown', 'graceful'], DIR);
  t.equal((await ctl.exited).code, 0);
  t.same(await s.exited, { code: 0, signal: null });
  t.match(s.stdout(), /shutdown graceful requested/);
});
