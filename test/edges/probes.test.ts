import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import t from 'tap';
import { check, checkRequirement } from '../../daemon/edges/probes.js';
import { isGone } from '../../daemon/edges/proctree.js';
import { plainRunAs } from '../../daemon/edges/runas.js';
import { createReaper, fixture, waitFor } from './helpers.js';

async function httpServer(t: { teardown(fn: () => unknown): void }): Promise<number> {
  const server = http.createServer((req, res) => {
    const status = Number(req.url?.slice(1)) || 200;
    res.writeHead(status, status === 302 ? { location: '/' } : {});
    res.end('body');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

t.test('tcp passes on a listening port and fails on a closed one', async (t) => {
  const port = await httpServer(t);
  t.same(await check({ kind: 'tcp', host: '127.0.0.1', port }, 1000), { ok: true, message: `tcp 127.0.0.1:${port}: connected` });
  const closed = await freePort();
  const r = await check({ kind: 'tcp', host: '127.0.0.1', port: closed }, 1000);
  t.equal(r.ok, false);
  t.match(r.message, 'ECONNREFUSED');
});

t.test('http passes on 2xx and 3xx, fails on 5xx and on no server', async (t) => {
  const port = await httpServer(t);
  const url = (p: string) => `http://127.0.0.1:${port}/${p}`;
  t.equal((await check({ kind: 'http', url: url('200') }, 1000)).ok, true);
  t.equal((await check({ kind: 'http', url: url('302') }, 1000)).ok, true);
  const bad = await check({ kind: 'http', url: url('503') }, 1000);
  t.equal(bad.ok, false);
  t.match(bad.message, '503');
  const closed = await freePort();
  t.equal((await check({ kind: 'http', url: `http://127.0.0.1:${closed}/` }, 1000)).ok, false);
});

t.test('http fails at the timeout when the server never answers', async (t) => {
  const server = net.createServer((s) => s.on('error', () => {})); // accepts, never answers
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  server.on('connection', (s) => t.teardown(() => s.destroy()));
  const port = (server.address() as net.AddressInfo).port;
  const r = await check({ kind: 'http', url: `http://127.0.0.1:${port}/` }, 150);
  t.same(r, { ok: false, message: `GET http://127.0.0.1:${port}/: no answer within 150ms` });
});

t.test('exec passes on exit 0 and reports the exit code otherwise', async (t) => {
  t.equal((await check({ kind: 'exec', argv: ['/bin/sh', '-c', 'exit 0'] }, 2000)).ok, true);
  const r = await check({ kind: 'exec', argv: ['/bin/sh', '-c', 'echo not yet; exit 3'] }, 2000);
  t.equal(r.ok, false);
  t.equal(r.message, '/bin/sh -c echo not yet; exit 3: exit 3: not yet');
  t.match((await check({ kind: 'exec', argv: ['/nonexistent/probe'] }, 2000)).message, 'command not found');
});

t.test("exec runs in the unit's environment and cwd when given", async (t) => {
  const dir = t.testdir();
  const r = await check({ kind: 'exec', argv: ['/bin/sh', '-c', 'test "$(pwd)" = "$WANT"'] }, 2000, plainRunAs({ WANT: dir }, dir));
  t.equal(r.ok, true);
});

t.test('an exec check that outlasts its timeout fails and leaves no process behind', async (t) => {
  const reaper = createReaper();
  const tag = `probe-${process.pid}-${Date.now()}`;
  const argv = fixture('sleeper.js', '--ignore-term', '--fork-grandchild', '--grandchild-ignore-term', '--tag', tag);
  const result = check({ kind: 'exec', argv }, 3000); // long enough for both to start on a loaded machine
  // The check's output is not ours to read: find the sleepers by their tag.
  const pids = await waitFor(() => {
    const found = processesWith(tag);
    return found.length === 2 ? found : null;
  }, 'the sleeper and its grandchild');
  pids.forEach((p) => reaper.track(p));
  const r = await result;
  t.equal(r.ok, false);
  t.match(r.message, 'no result within 3000ms');
  t.same(pids.filter((p) => !isGone(p)), [], 'the sleeper and its grandchild are gone');
  t.same(await reaper.killAll(), []);
});

/** Live processes whose command line holds `tag` (zombies have none). */
function processesWith(tag: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(tag)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

t.test('remote requirements are checked like probes; unit requirements are not', async (t) => {
  const port = await httpServer(t);
  t.equal((await checkRequirement({ kind: 'tcp', host: '127.0.0.1', port, raw: `tcp://127.0.0.1:${port}` })).ok, true);
  t.equal((await checkRequirement({ kind: 'http', url: `http://127.0.0.1:${port}/`, raw: '' })).ok, true);
  t.equal((await checkRequirement({ kind: 'unit', name: 'db' })).ok, false);
});

t.test('a log check is not a one-shot check', async (t) => {
  t.equal((await check({ kind: 'log', pattern: 'ready' }, 100)).ok, false);
});
