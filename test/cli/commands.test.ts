// supctl's commands in-process against a real API server over a FakeControl: what the user sees
// and the exit code (0 done, 1 failed, 2 usage, 3 unreachable, 4 refused).
import t from 'tap';
import type { UnitBody, UnitsBody } from '../../daemon/api/contract.js';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { okResult } from '../fakes/control.js';
import { BIN, binBuilt, cli, daemon, shortTempDir, waitFor } from './helpers.js';

t.test('status prints the table of every unit', async (t) => {
  const d = await daemon(t);
  const r = await cli(['--socket', d.socket, 'status']);
  t.equal(r.code, 0);
  t.match(r.stdout, /^UNIT\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+CPU\s+MEM\s+LAST-EXIT\s+REASON\n/);
  t.match(r.stdout, /^web_2\s+draining,lb-off\s+1002\s+3m12s/m);
  t.match(r.stdout, /^worker\s+failed\s+-\s+-\s+0\s+-\s+-\s+exit 1\s+crashed 6 times in 1m$/m);
});

t.test('status --json prints the API body, filtered by the targets', async (t) => {
  const d = await daemon(t);
  const r = await cli(['--socket', d.socket, '--json', 'status', 'web']);
  t.equal(r.code, 0);
  const body = JSON.parse(r.stdout) as UnitsBody;
  t.same(body.units.map((u: { name: string }) => u.name), ['web_1', 'web_2']);
  t.same(body.units[0], d.control.get('web_1')?.status);
});

t.test('status of an unknown target exits 1 naming it', async (t) => {
  const d = await daemon(t);
  const r = await cli(['--socket', d.socket, 'status', 'nope']);
  t.equal(r.code, 1);
  t.equal(r.stderr, 'supctl: no unit or group named "nope"\n');
});

t.test('the socket comes from SUPD_SOCKET when --socket is not given', async (t) => {
  const d = await daemon(t);
  t.equal((await cli(['status'], { SUPD_SOCKET: d.socket })).code, 0);
});

t.test('start waits by default; --no-wait does not; all targets are one request, every unit listed', async (t) => {
  const d = await daemon(t);
  const r = await cli(['--socket', d.socket, 'start', 'db', 'web']);
  t.equal(r.code, 0);
  t.equal(r.stdout, 'start db web: ok\n  db     started\n  web_1  started\n  web_2  started\n');
  t.same(d.control.commands.map((c) => [c.action, c.targets, c.wait]), [['start', ['db', 'web'], true]]);
  t.equal((await cli(['--socket', d.socket, 'start', '--no-wait', 'db'])).code, 0);
  t.equal(d.control.commands[1]?.wait, false);
});

t.test('a job where one unit fails: exit 1, every unit with its outcome on stdout, the failure on stderr', async (t) => {
  const d = await daemon(t);
  d.control.onCommand = (req) => ({
    ...okResult(req, ['db', 'web_1', 'web_2']), ok: false,
    failures: [{ unit: 'web_1', reason: 'exited with code 1 before ready', logTail: ['boom'] }],
    outcomes: [
      { unit: 'db', role: 'requirement', outcome: 'done', reason: null },
      { unit: 'web_1', role: 'target', outcome: 'failed', reason: 'exited with code 1 before ready' },
      { unit: 'web_2', role: 'target', outcome: 'already', reason: null },
    ],
  });
  const r = await cli(['--socket', d.socket, 'start', 'web_1', 'web_2']);
  t.equal(r.code, 1);
  t.equal(r.stdout, 'start web_1 web_2: 1 of 3 failed\n  db     started (required)\n  web_1  FAILED: exited with code 1 before ready\n  web_2  already ready\n');
  t.match(r.stderr, /web_1: exited with code 1 before ready[\s\S]*boom/);
});

t.test('restart --max-unavailable and --canary send a rolling restart; --canary alone takes the default soak', async (t) => {
  const d = await daemon(t);
  t.equal((await cli(['--socket', d.socket, 'restart', '--max-unavailable', '25%', '--canary', '10s', 'web'])).code, 0);
  t.equal((await cli(['--socket', d.socket, 'restart', '--canary', 'web'])).code, 0);
  t.equal((await cli(['--socket', d.socket, 'restart', '--canary', '--rolling', 'half-by-half', 'web'])).code, 0);
  t.same(d.control.commands.map((c) => [c.targets, c.rolling]), [
    [['web'], { strategy: 'one-by-one', maxUnavailable: '25%', canary: '10s' }],
    [['web'], { strategy: 'one-by-one', maxUnavailable: null, canary: 'true' }],
    [['web'], { strategy: 'half-by-half', maxUnavailable: null, canary: 'true' }],
  ]);
  t.equal((await cli(['--socket', d.socket, 'restart', '--canary'])).code, 2, 'still needs a target');
});

t.test('stop --safe and restart --rolling --with-dependents send what they say', async (t) => {
  const d = await daemon(t);
  t.equal((await cli(['--socket', d.socket, 'stop', '--safe', 'all'])).code, 0);
  t.equal((await cli(['--socket', d.socket, 'restart', '--safe', '--rolling', 'half-by-half', '--with-dependents', 'web'])).code, 0);
  t.same(d.control.commands, [
    { action: 'stop', targets: ['all'], safe: true, wait: true, rolling: null, withDependents: false, by: 'api' },
    { action: 'restart', targets: ['web'], safe: true, wait: true, rolling: { strategy: 'half-by-half', maxUnavailable: null, canary: null }, withDependents: true, by: 'api' },
  ]);
});

t.test('a unit that fails to start: exit 1, the unit and reason, then its last log lines', async (t) => {
  const d = await daemon(t);
  d.control.onCommand = (req) => ({
    ...okResult(req, ['db', 'web_1']), ok: false,
    failures: [{ unit: 'web_1', reason: 'not ready after 30s', logTail: ['listening on 8080', 'panic: address in use'] }],
  });
  const r = await cli(['--socket', d.socket, 'start', 'web_1']);
  t.equal(r.code, 1);
  t.equal(r.stderr, [
    'supctl: start web_1 failed: web_1: not ready after 30s',
    '--- last log lines of web_1 ---',
    '  listening on 8080',
    '  panic: address in use',
    '',
  ].join('\n'));
});

t.test('an unknown target fails the whole command before anything is done', async (t) => {
  const d = await daemon(t);
  const r = await cli(['--socket', d.socket, 'stop', 'db', 'ghost', 'web']);
  t.equal(r.code, 1);
  t.match(r.stderr, /"ghost"/);
  t.same(d.control.commands.map((c) => c.targets), [['db', 'ghost', 'web']], 'one request');
});

t.test('with --json a failure prints the error body on stdout', async (t) => {
  const d = await daemon(t);
  d.control.onCommand = (req) => ({ ...okResult(req, ['web_2']), ok: false, forced: ['web_2'] });
  const r = await cli(['--socket', d.socket, '--json', 'stop', '--safe', 'web_2']);
  t.equal(r.code, 1);
  t.match(JSON.parse(r.stdout), { error: { code: 'SUPD_OPERATION_FAILED', details: { forced: ['web_2'] } } });
});

t.test('another rollout in progress: exit 4 with the hint', async (t) => {
  const d = await daemon(t);
  d.control.busy.add('web');
  const r = await cli(['--socket', d.socket, 'restart', '--rolling', 'one-by-one', 'web']);
  t.equal(r.code, 4);
  t.equal(r.stderr, 'supctl: a rollout already runs on web\nhint: wait for it, or cancel it\n');
});

t.test('supd shutting down: exit 1', async (t) => {
  const d = await daemon(t);
  d.control.closing = true;
  const r = await cli(['--socket', d.socket, 'start', 'db']);
  t.equal(r.code, 1);
  t.match(r.stderr, /shutting down/);
});

t.test('reload prints what changed', async (t) => {
  const d = await daemon(t);
  d.control.reloadResult = { ok: true, added: ['cache'], changed: ['web_1'], removed: [], diagnostics: [] };
  const r = await cli(['--socket', d.socket, 'reload']);
  t.equal(r.code, 0);
  t.equal(r.stdout, 'reloaded\nadded: cache\nchanged: web_1\n');
});

t.test('an invalid reload prints file:line:col: message and exits 1', async (t) => {
  const d = await daemon(t);
  d.control.reloadResult = {
    ok: false, added: [], changed: [], removed: [],
    diagnostics: [{ severity: 'error', code: 'SUPD_UNIT_UNKNOWN_KEY', message: 'unknown key "comand"', pos: { file: '/srv/units/web.yaml', line: 3, col: 1 } }],
  };
  const r = await cli(['--socket', d.socket, 'reload'], {}, '/');
  t.equal(r.code, 1);
  t.match(r.stderr, /^srv\/units\/web\.yaml:3:1: unknown key "comand"\n/);
  t.match(r.stderr, /supctl: reload refused: 1 error\(s\)/);
});

t.test('logs -n prints the last lines', async (t) => {
  const d = await daemon(t);
  d.control.write('db', 'a\nb\nc\n');
  const r = await cli(['--socket', d.socket, 'logs', '-n', '2', 'db']);
  t.equal(r.code, 0);
  t.equal(r.stdout, 'b\nc\n');
  t.equal((await cli(['--socket', d.socket, 'logs', '-n', 'many', 'db'])).code, 2);
  const missing = await cli(['--socket', d.socket, 'logs', 'ghost']);
  t.equal(missing.code, 1);
  t.equal(missing.stderr, 'supctl: no unit or group named "ghost"\n');
});

t.test('logs -f prints new output as it is written; supd closing the stream is exit 3 with a message', async (t) => {
  const d = await daemon(t);
  d.control.write('db', 'old\n');
  let out = '';
  let err = '';
  const { runCli } = await import('../../cli/program.js');
  const running = runCli(['--socket', d.socket, 'logs', '-f', 'db'], {
    stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, env: {}, cwd: '/', version: '0',
  });
  await waitFor(() => out === 'old\n' && d.control.following('db') === 1, 'the tail');
  d.control.write('db', 'new\n');
  await waitFor(() => out === 'old\nnew\n', 'the new line');
  await d.close();
  t.equal(await running, 3);
  t.match(err, 'supctl: supd ended the log stream of db: it stopped or restarted');
});

t.test('logs of several units, a group or all: each line prefixed with its unit; -f interleaves them as they come', async (t) => {
  const d = await daemon(t);
  d.control.write('web_1', 'one\ntwo\n');
  d.control.write('web_2', 'three\n');
  const group = await cli(['--socket', d.socket, 'logs', 'web']);
  t.equal(group.code, 0, group.stderr);
  t.equal(group.stdout, 'web_1 | one\nweb_1 | two\nweb_2 | three\n');
  const all = await cli(['--socket', d.socket, 'logs', '-n', '1', 'all']);
  t.match(all.stdout, /^web_1\s+\| two$/m);
  t.match(all.stdout, /^web_2\s+\| three$/m);
  const unknown = await cli(['--socket', d.socket, 'logs', 'web_1', 'wbe_2']);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, 'hint: did you mean "web_2"?');

  let out = '';
  const { runCli } = await import('../../cli/program.js');
  const running = runCli(['--socket', d.socket, 'logs', '-f', '--timestamps', '-n', '0', 'web_1', 'web_2'], {
    stdout: (s) => { out += s; }, stderr: () => {}, env: {}, cwd: '/', version: '0',
  });
  await waitFor(() => d.control.following('web_1') === 1 && d.control.following('web_2') === 1, 'both followed');
  d.control.write('web_2', 'b1\n');
  await waitFor(() => out.includes('b1'), 'web_2 line');
  d.control.write('web_1', 'a1\n');
  await waitFor(() => out.includes('a1'), 'web_1 line');
  d.control.write('web_2', 'b2 partial');
  d.control.write('web_2', ' end\n');
  await waitFor(() => out.includes('end'), 'the joined line');
  t.match(out, /^\d\d:\d\d:\d\d\.\d{3} web_2 \| b1\n\d\d:\d\d:\d\d\.\d{3} web_1 \| a1\n\d\d:\d\d:\d\d\.\d{3} web_2 \| b2 partial end\n$/, 'in arrival order, one line each');
  await d.close();
  t.equal(await running, 3);
});

t.test('did you mean: a mistyped unit or group gets the close names', async (t) => {
  const d = await daemon(t);
  const status = await cli(['--socket', d.socket, 'status', 'wbe']);
  t.equal(status.code, 1);
  t.equal(status.stderr, 'supctl: no unit or group named "wbe"\nhint: did you mean "web"?\n');
  const start = await cli(['--socket', d.socket, 'start', 'web_3']);
  t.equal(start.code, 1);
  t.match(start.stderr, /hint: did you mean "web_1" or "web_2"\?/);
});

t.test('completion bash|zsh: scripts naming every command, completing targets from supd', async (t) => {
  const d = await daemon(t);
  const bash = await cli(['completion', 'bash']);
  t.equal(bash.code, 0);
  for (const c of ['status', 'start', 'stop', 'restart', 'reload', 'logs', 'show', 'validate', 'health', 'rollouts']) t.match(bash.stdout, new RegExp(`\\b${c}\\b`));
  t.match(bash.stdout, 'complete -F _supctl supctl');
  // Every global option is offered, --fleet among them, and the ones taking a value skip it.
  for (const o of ['--socket', '--host', '--token', '--json', '--fleet']) t.match(bash.stdout, new RegExp(`compgen -W "[^"]*${o}\\b`), o);
  t.match(bash.stdout, '--socket|--host|--token)');
  t.notMatch(bash.stdout, 'complete-targets --'.repeat(2));
  t.equal(spawnSync('bash', ['-n'], { input: bash.stdout }).status, 0, 'bash parses it');
  t.match((await cli(['completion', 'zsh'])).stdout, 'compdef _supctl supctl');
  t.equal((await cli(['completion', 'fish'])).code, 2);
  const names = await cli(['--socket', d.socket, 'complete-targets']);
  t.same(names.stdout.trimEnd().split('\n').sort(), ['all', 'db', 'web', 'web_1', 'web_2', 'worker'].sort());
  t.equal((await cli(['--socket', `${d.socket}.none`, 'complete-targets'])).stdout, '', 'nothing when supd is away');
  t.notMatch((await cli(['--help'])).stdout, 'complete-targets', 'hidden from help');
});

t.test('show prints the exact command line; --json the API body', async (t) => {
  const d = await daemon(t);
  const r = await cli(['--socket', d.socket, 'show', 'web_1']);
  t.equal(r.code, 0);
  t.match(r.stdout, /^command: \/bin\/sh -c 'exec \.\/server --name web_1'$/m);
  const j = await cli(['--socket', d.socket, '--json', 'show', 'web_1']);
  t.same((JSON.parse(j.stdout) as UnitBody).unit.spec.argv, ['/bin/sh', '-c', 'exec ./server --name web_1']);
});

t.test('health exits 0 only when every target is ready', async (t) => {
  const d = await daemon(t);
  t.equal((await cli(['--socket', d.socket, 'health', 'db', 'web_1'])).code, 0);
  const group = await cli(['--socket', d.socket, 'health', 'web']);
  t.equal(group.code, 1, 'web_2 is draining');
  t.match(group.stdout, /^web_2\s+no\s+draining/m);
  t.equal((await cli(['--socket', d.socket, 'health'])).code, 1, 'all: worker failed');
  const j = await cli(['--socket', d.socket, '--json', 'health', 'web_1']);
  t.same(JSON.parse(j.stdout), { ready: true, units: [{ name: 'web_1', ready: true, state: 'ready', reason: 'ready check passed' }] });
  t.equal((await cli(['--socket', d.socket, 'health', 'ghost'])).code, 1);
});

t.test('an absent socket exits 3: cannot reach supd at <socket>', async (t) => {
  const dir = shortTempDir(t);
  const socket = path.join(dir, 'none.sock');
  const r = await cli(['--socket', socket, 'status']);
  t.equal(r.code, 3);
  t.equal(r.stderr, `supctl: cannot reach supd at ${socket}: no such socket (is supd running?)\nhint: supd listens on <stateDir>/supd.sock: point supctl at it with --socket PATH or SUPD_SOCKET=PATH (or export SUPD_STATE_DIR=DIR for both supd and supctl)\n`);
});

t.test('a closed TCP port exits 3', async (t) => {
  const d = await daemon(t, { tcp: true });
  const url = d.url;
  await d.close();
  const r = await cli(['--host', url, '--token', 'admin-token', 'status']);
  t.equal(r.code, 3);
  t.match(r.stderr, `supctl: cannot reach supd at ${url}: connection refused`);
});

t.test('usage errors exit 2', async (t) => {
  const d = await daemon(t);
  for (const args of [[], ['frobnicate'], ['start'], ['restart', '--rolling', 'sideways', 'web'], ['--socket', d.socket, '--host', 'localhost:1', 'status'], ['show', 'a', 'b']]) {
    t.equal((await cli(args)).code, 2, args.join(' '));
  }
  t.same(d.control.commands, []);
});

t.test('--version and --help exit 0, for every command too', async (t) => {
  t.same(await cli(['--version']), { code: 0, stdout: 'supctl 1.2.3\n', stderr: '' }, 'the same form as supd --version');
  for (const command of ['status', 'start', 'stop', 'restart', 'reload', 'logs', 'show', 'validate', 'health']) {
    const r = await cli([command, '--help']);
    t.equal(r.code, 0, command);
    t.match(r.stdout, `Usage: supctl ${command}`);
  }
  t.match((await cli(['restart', '--help'])).stdout, /--rolling <strategy>[\s\S]*choices:\s+"one-by-one", "half-by-half"/);
});

t.test('over TCP: no token or an unknown one exits 4; a viewer cannot stop (4); an operator can', async (t) => {
  const d = await daemon(t, { tcp: true });
  const none = await cli(['--host', d.url, 'status']);
  t.equal(none.code, 4);
  t.match(none.stderr, /needs a token/);
  t.equal((await cli(['--host', d.url, '--token', 'guess', 'status'])).code, 4);
  t.equal((await cli(['--host', d.url, '--token', 'viewer-token', 'status'])).code, 0);
  const viewer = await cli(['--host', d.url, '--token', 'viewer-token', 'stop', 'db']);
  t.equal(viewer.code, 4);
  t.match(viewer.stderr, /role viewer may not/);
  t.equal((await cli(['--host', d.url, 'stop', 'db'], { SUPCTL_TOKEN: 'operator-token' })).code, 0, 'token from SUPCTL_TOKEN');
  t.same(d.control.commands.map((c) => c.targets), [['db']]);
});

t.test('--host accepts host:port without a scheme', async (t) => {
  const d = await daemon(t, { tcp: true });
  t.equal((await cli(['--host', d.url.replace('http://', ''), '--token', 'viewer-token', 'status'])).code, 0);
});

t.test('validate: a good directory exits 0, a bad file exits 1 with file:line:col', async (t) => {
  const dir = shortTempDir(t);
  const good = path.join(dir, 'good');
  const bad = path.join(dir, 'bad');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(good);
  mkdirSync(bad);
  writeFileSync(path.join(good, 'db.yaml'), 'command: [sleep, "1000"]\n');
  writeFileSync(path.join(good, 'web.yaml'), 'command: ./server\nrequires: [db]\n');
  writeFileSync(path.join(bad, 'web.yaml'), 'command: ./server\ncomand: oops\n');
  const ok = await cli(['validate', good]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, '2 unit(s) OK');
  const ko = await cli(['validate', 'bad'], {}, dir);
  t.equal(ko.code, 1);
  t.match(ko.stderr, /^bad\/web\.yaml:2:1: .*comand/m);
  const fromEnv = await cli(['validate'], { SUPD_UNITS_DIR: good });
  t.equal(fromEnv.code, 0);
  const missing = await cli(['validate', path.join(dir, 'nowhere')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /cannot read the units directory/);
  const j = await cli(['--json', 'validate', good]);
  t.match(JSON.parse(j.stdout), { ok: true, units: ['db', 'web'], diagnostics: [] });
});

t.test('validate FILE checks that file with its folder; an empty folder or a non-unit file is an error', async (t) => {
  const dir = shortTempDir(t);
  const { mkdirSync } = await import('node:fs');
  for (const d of ['units', 'empty', 'code']) mkdirSync(path.join(dir, d));
  writeFileSync(path.join(dir, 'units', 'db.yaml'), 'command: [sleep, "1000"]\n');
  writeFileSync(path.join(dir, 'units', 'web.yaml'), 'command: ./server\nrequires: [db]\n');
  writeFileSync(path.join(dir, 'units', 'bad.yaml'), 'command: ./server\nrequires: [ghost]\n');
  writeFileSync(path.join(dir, 'code', 'load.ts'), 'export {};\n');
  const one = await cli(['validate', 'units/web.yaml'], {}, dir);
  t.equal(one.code, 0, one.stderr);
  t.equal(one.stdout, 'units/web.yaml: OK\n', 'its own file is fine');
  t.match(one.stderr, 'other files in units have 1 error(s) (supctl validate units)');
  const bad = await cli(['validate', 'units/bad.yaml'], {}, dir);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^units\/bad\.yaml:2:\d+: .*ghost/m);
  for (const empty of ['empty', 'code']) {
    const r = await cli(['validate', empty], {}, dir);
    t.equal(r.code, 1, empty);
    t.match(r.stderr, `supctl: validate: ${empty} holds no unit files (*.yaml)`);
  }
  const notUnit = await cli(['validate', 'code/load.ts'], {}, dir);
  t.equal(notUnit.code, 2);
  t.match(notUnit.stderr, 'is not a unit file');
});

const hasScript = spawnSync('script', ['--version']).status === 0;

t.test('status on a terminal: coloured, unless NO_COLOR; rows fit its 80 columns', { skip: !hasScript ? 'script(1) is missing' : !binBuilt() ? 'npm run build first' : false }, async (t) => {
  const d = await daemon(t);
  // script(1) gives the built supctl a real pty; its output comes back with \r\n line ends.
  const onTerminal = (env: Record<string, string>): Promise<string> => new Promise((resolve, reject) => {
    const cmd = `stty cols 80 rows 24; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --socket ${JSON.stringify(d.socket)} status`;
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { PATH: process.env['PATH'] ?? '', TERM: 'xterm', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`script exited ${String(code)}: ${out}`));
    });
  });
  const coloured = await onTerminal({});
  t.match(coloured, '\u001b[', 'colour on a terminal');
  const plain = await onTerminal({ NO_COLOR: '1' });
  t.notMatch(plain, '\u001b[', 'no escape code with NO_COLOR=1');
  t.match(plain, /^UNIT\s+STATE/m);
  for (const line of plain.split(/\r?\n/)) t.ok(line.length <= 80, `fits 80 columns: ${line}`);
});

t.test('supctl finds the socket of a supd started with SUPD_STATE_DIR or SUPD_API_SOCKET', async (t) => {
  const d = await daemon(t);
  t.equal((await cli(['status'], { SUPD_STATE_DIR: d.dir })).code, 0);
  t.equal((await cli(['status'], { SUPD_API_SOCKET: d.socket })).code, 0);
});

t.test('status at COLUMNS=80 never wraps a row; no colour into a pipe', async (t) => {
  const d = await daemon(t);
  const r = await cli(['--socket', d.socket, 'status'], { COLUMNS: '80' });
  t.equal(r.code, 0);
  for (const line of r.stdout.trimEnd().split('\n')) t.ok(line.length <= 80, line);
  t.notMatch(r.stdout, '\u001b[');
  const long = await cli(['--socket', d.socket, 'status', '-l'], { COLUMNS: '80' });
  t.match(long.stdout, /^UNIT\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+CPU\s+MEM\s+LAST-EXIT\s+REASON$/m);
});
