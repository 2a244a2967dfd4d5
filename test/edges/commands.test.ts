import http from 'node:http';
import type net from 'node:net';
import t from 'tap';
import { postHttp, runCommand } from '../../daemon/edges/commands.js';
import { isGone } from '../../daemon/edges/proctree.js';
import { plainRunAs } from '../../daemon/edges/runas.js';
import { createReaper, fixture } from './helpers.js';

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
const as = plainRunAs(env);

t.test('a command reports its exit code and output', async (t) => {
  const r = await runCommand(['/bin/sh', '-c', 'echo out; echo err >&2; exit 4'], { timeoutMs: 5000, as });
  t.same(r, { code: 4, signal: null, timedOut: false, output: 'out\nerr\n', error: null });
});

t.test('only the last 4 KB of output is kept', async (t) => {
  const r = await runCommand(fixture('flood.js', '--bytes', '10000', '--seq'), { timeoutMs: 5000, as });
  t.equal(r.code, 0);
  t.equal(r.output.length, 4096);
  t.ok(r.output.endsWith('x\n'), 'the end of the output');
  t.match(r.output, /^0+99 ?x*\n/m, 'the last line is whole');
});

t.test('cwd and env reach the command', async (t) => {
  const dir = t.testdir();
  const r = await runCommand(['/bin/sh', '-c', 'echo "$(pwd) $WHO"'], { timeoutMs: 5000, as: plainRunAs({ ...env, WHO: 'lb' }, dir) });
  t.equal(r.output, `${dir} lb\n`);
});

t.test('a command that does not exist reports why', async (t) => {
  const r = await runCommand(['/nonexistent/hook'], { timeoutMs: 1000, as });
  t.same(r, { code: null, signal: null, timedOut: false, output: 'command not found: /nonexistent/hook', error: 'command not found: /nonexistent/hook' });
  t.equal((await runCommand([], { timeoutMs: 1000, as })).error, 'empty command');
});

t.test('a command past its timeout is killed with its whole tree', async (t) => {
  const reaper = createReaper();
  const argv = fixture('sleeper.js', '--ignore-term', '--fork-grandchild', '--grandchild-ignore-term');
  // Long enough for both to start on a loaded machine; the pids come from the output.
  const r = await runCommand(argv, { timeoutMs: 3000, as });
  t.equal(r.timedOut, true);
  t.equal(r.signal, 'SIGKILL');
  const pids = [...r.output.matchAll(/(?:sleeper|grandchild) (\d+)/g)].map((m) => Number(m[1]));
  t.equal(pids.length, 2, 'both pids were printed');
  pids.forEach((p) => reaper.track(p));
  t.same(pids.filter((p) => !isGone(p)), [], 'neither runs any more');
  t.same(await reaper.killAll(), []);
});

t.test('a command that exits leaving a background child does not leave it running', async (t) => {
  const reaper = createReaper();
  const r = await runCommand(['/bin/sh', '-c', 'sleep 1000 & echo $!'], { timeoutMs: 5000, as });
  t.equal(r.code, 0);
  const bg = Number(r.output.trim());
  reaper.track(bg);
  t.ok(isGone(bg), 'the background sleep was killed with the command');
  t.same(await reaper.killAll(), []);
});

t.test('postHttp POSTs and passes on 2xx only', async (t) => {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(req.url === '/drain' ? 204 : 500);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as net.AddressInfo).port;
  t.same(await postHttp(`http://127.0.0.1:${port}/drain`, 1000), { ok: true, status: 204, message: `POST http://127.0.0.1:${port}/drain: 204` });
  t.equal((await postHttp(`http://127.0.0.1:${port}/other`, 1000)).ok, false);
  t.same(seen, ['POST /drain', 'POST /other']);
  t.equal((await postHttp('not a url', 1000)).message, 'invalid URL: not a url');
});
