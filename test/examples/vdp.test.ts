// The fake VDP servers, run directly (not under supd): they must behave as the example promises.
import path from 'node:path';
import t from 'tap';
import type { Teardown } from './helpers.js';
import { EXAMPLES, ask, canConnect, freePorts, lineClient, startNode, waitFor, waitForOutput } from './helpers.js';

const DIR = path.join(EXAMPLES, 'vdp');
const SERVER = 'bin/vdp-server.mjs';
const CTL = 'bin/vdp-ctl.mjs';

function master(t: Teardown, sql: number, control: number) {
  return startNode(t, SERVER, ['--role', 'master', '--port', String(sql), '--control-port', String(control),
    '--jvm', '-Xmx2g -XX:+UseG1GC', '--metadata', 'meta/catalog.json'], DIR);
}

t.test('the master binds its port, prints its options and the metadata hash, and answers', async (t) => {
  const [sql, control] = await freePorts(2) as [number, number];
  const p = master(t, sql, control);
  await waitForOutput(p, /ready: sql on/);
  t.match(p.stdout(), /role=master/);
  t.match(p.stdout(), `jvm="-Xmx2g -XX:+UseG1GC"`);
  t.match(p.stdout(), /metadata meta\/catalog\.json sha256=[0-9a-f]{16}/);
  t.equal(await ask(t, sql, 'PING'), 'PONG');
  t.equal(await ask(t, sql, 'QUERY 10'), 'OK 10');
});

t.test('a slave without its master fails at once and says why', async (t) => {
  const [sql, control, masterPort] = await freePorts(3) as [number, number, number];
  const p = startNode(t, SERVER, ['--role', 'slave', '--port', String(sql), '--control-port', String(control),
    '--master-port', String(masterPort)], DIR);
  const exit = await p.exited;
  t.equal(exit.code, 1);
  t.match(p.stderr(), `cannot reach the master at 127.0.0.1:${masterPort}`);
  t.notOk(await canConnect(sql), 'it never listened');
});

t.test('a slave with its master starts and reads the same metadata', async (t) => {
  const [msql, mctl, sql, control] = await freePorts(4) as [number, number, number, number];
  const m = master(t, msql, mctl);
  await waitForOutput(m, /ready: sql on/);
  const s = startNode(t, SERVER, ['--role', 'slave', '--port', String(sql), '--control-port', String(control),
    '--master-port', String(msql), '--jvm', '-Xmx1g', '--metadata', 'meta/catalog.json'], DIR);
  await waitForOutput(s, /ready: sql on/);
  t.match(s.stdout(), `connected to the master at 127.0.0.1:${msql}`);
  t.match(s.stdout(), 'jvm="-Xmx1g"');
  const hash = (out: string) => /sha256=([0-9a-f]+)/.exec(out)?.[1];
  t.equal(hash(s.stdout()), hash(m.stdout()));
  t.equal(await ask(t, sql, 'PING'), 'PONG');
});

t.test('a safe shutdown stops accepting, lets the running query finish, then exits 0', async (t) => {
  const [sql, control] = await freePorts(2) as [number, number];
  const p = master(t, sql, control);
  await waitForOutput(p, /ready: sql on/);
  const events: string[] = [];
  const busy = await lineClient(t, sql);
  const idle = await lineClient(t, sql);
  busy.send('QUERY 2000');
  const answer = busy.next().then((line) => { events.push(`query: ${line}`); });
  void p.exited.then((e) => { events.push(`exit: ${e.code}`); });
  await waitFor('the query to run', async () => /running=1/.test(await ask(t, control, 'status')));

  const ctl = startNode(t, CTL, ['shutdown', '--port', String(control)], DIR);
  t.equal((await ctl.exited).code, 0);
  t.match(ctl.stdout(), /^OK draining, 1 running/);
  await waitFor('new connections to be refused', async () => !(await canConnect(sql)));
  idle.send('QUERY 10');
  t.equal(await idle.next(), 'ERR shutting down', 'no new query while draining');

  await answer;
  await p.exited;
  t.same(events, ['query: OK 2000', 'exit: 0']);
});

t.test('a forced shutdown aborts the running query and exits 0', async (t) => {
  const [sql, control] = await freePorts(2) as [number, number];
  const p = master(t, sql, control);
  await waitForOutput(p, /ready: sql on/);
  const c = await lineClient(t, sql);
  c.send('QUERY 60000');
  await waitFor('the query to run', async () => /running=1/.test(await ask(t, control, 'status')));
  const ctl = startNode(t, CTL, ['shutdown', '--force', '--port', String(control)], DIR);
  t.equal((await ctl.exited).code, 0);
  t.equal(await c.next(), 'ERR aborted');
  t.equal((await p.exited).code, 0);
});

t.test('SIGTERM stops the server with exit code 0', async (t) => {
  const [sql, control] = await freePorts(2) as [number, number];
  const p = master(t, sql, control);
  await waitForOutput(p, /ready: sql on/);
  process.kill(p.pid, 'SIGTERM');
  t.same(await p.exited, { code: 0, signal: null });
});

t.test('the control client fails clearly when nothing listens', async (t) => {
  const [port] = await freePorts(1) as [number];
  const ctl = startNode(t, CTL, ['shutdown', '--port', String(port)], DIR);
  t.equal((await ctl.exited).code, 1);
  t.match(ctl.stderr(), `cannot reach the control port 127.0.0.1:${port}`);
});

t.test('with --if-running, a shutdown of a server already gone succeeds', async (t) => {
  const [port] = await freePorts(1) as [number];
  const ctl = startNode(t, CTL, ['shutdown', '--force', '--if-running', '--port', String(port)], DIR);
  t.equal((await ctl.exited).code, 0);
  t.match(ctl.stdout(), 'already stopped');
});
