// supd's own output as an operator meets it: JSON lines into a pipe with levels that match what
// happened and no duplicate key, pretty lines on a terminal (a real pty from script(1)), and a
// fatal start-up error as one line with the cause and the fix.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { alive, assertBuilt, descendants, fixture, freePort, NODE, Supd, SUPD, waitUntil } from './harness.js';

assertBuilt();

function jsonLines(output: string): Record<string, unknown>[] {
  return output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

t.test('a second supd on the same TCP address exits 1 with one line naming the cause and the fix', async (t) => {
  const port = await freePort();
  const first = await new Supd(t, { units: {}, args: ['--listen', `127.0.0.1:${port}`] }).start();
  const second = new Supd(t, { units: {}, args: ['--listen', `127.0.0.1:${port}`], wait: false });
  await second.start();
  const proc = second.proc;
  if (proc === null) throw new Error('no process');
  const code = await new Promise<number | null>((resolve) => (proc.exitCode !== null ? resolve(proc.exitCode) : proc.once('exit', (c) => resolve(c))));
  t.equal(code, 1);
  const fatal = jsonLines(second.output).filter((l) => l['level'] === 60);
  t.equal(fatal.length, 1, 'one fatal line');
  t.match(fatal[0]?.['msg'], `cannot listen on 127.0.0.1:${port} (api.listen): the address is in use, by another supd on this host or another program; give this one another api.listen (--listen HOST:PORT) or none (--listen '')`);
  t.notOk('err' in (fatal[0] ?? {}), 'no error object, no stack');
  t.notMatch(second.output, /\n\s+at /, 'no stack trace anywhere');
  t.equal((await first.status()).length, 0, 'the first supd is untouched');
});

t.test('levels match meaning (backoff warns, giving up is an error); the unit pid is unitPid, supd keeps pid', async (t) => {
  const s = await new Supd(t, { units: { crash: `command: ${fixture('crasher.js', '--code', 3)}\nrestart: { policy: always, delay: 0ms, burst: 1, window: 1m }\n` } }).start();
  await s.waitState('crash', 'failed');
  const supdPid = s.pid; // the harness forgets it once supd stopped
  await s.stop();
  const lines = jsonLines(s.output);
  for (const raw of s.output.split('\n').filter((l) => l.startsWith('{'))) {
    t.ok((raw.match(/"pid":/g) ?? []).length <= 1, `one pid key: ${raw.slice(0, 80)}`);
  }
  const transitions = lines.filter((l) => l['unit'] === 'crash' && typeof l['to'] === 'string');
  const failed = transitions.find((l) => l['to'] === 'failed');
  t.equal(failed?.['level'], 50, 'giving up is an error');
  t.match(failed?.['msg'], 'giving up');
  t.equal(transitions.find((l) => l['to'] === 'backoff')?.['level'], 40, 'a crash to be retried is a warning');
  t.equal(transitions.find((l) => l['to'] === 'starting')?.['level'], 30);
  t.equal(lines[0]?.['pid'], supdPid, 'pid is supd\'s own');
  t.ok(lines.some((l) => l['unit'] === 'crash' && typeof l['unitPid'] === 'number' && l['unitPid'] !== supdPid), 'unitPid is the unit\'s');
});

t.test('on a terminal supd prints readable lines, coloured unless NO_COLOR', { skip: spawnSync('script', ['--version']).status === 0 ? false : 'script(1) is missing' }, async (t) => {
  for (const noColor of [true, false]) {
    const s = new Supd(t, { units: { web: `command: ${fixture('sleeper.js')}\n` } });
    const port = '';
    const cmd = [NODE, SUPD, '--units-dir', s.unitsDir, '--state-dir', s.stateDir, '--listen', port].map((a) => `'${a}'`).join(' ');
    const env = { ...process.env, TERM: 'xterm' } as NodeJS.ProcessEnv;
    if (noColor) env['NO_COLOR'] = '1';
    else delete env['NO_COLOR'];
    const pty = spawn('script', ['-qfec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    pty.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const supdPid = await waitUntil(() => descendants(pty.pid ?? -1).find((p) => alive(p)), 'supd under script');
    t.teardown(() => {
      for (const p of [...descendants(supdPid), supdPid]) if (alive(p)) process.kill(p, 'SIGKILL');
    });
    await waitUntil(() => /web: starting → ready/.test(out.replace(/\u001b\[[0-9;]*m/g, '')), 'web ready on the terminal');
    process.kill(supdPid, 'SIGTERM');
    await new Promise((resolve) => pty.once('exit', resolve));
    const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
    t.match(plain, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}supd \S+ listening {2}socket=/m, 'time, level, message, keys');
    t.notMatch(plain, '{"level"', 'no JSON on a terminal');
    if (noColor) t.notMatch(out, '\u001b[', 'NO_COLOR: no escape codes');
    else t.match(out, '\u001b[32mINFO', 'levels in colour');
  }
});
