// What supctl prints, from API data, without a daemon.
import t from 'tap';
import {
  commandDone, durationText, failureReport, formatBytes, formatCpu, formatDuration, formatExit, healthLines, reloadDone,
  rolloutLine, selectUnits, shellQuote, showUnit, statusTable,
} from '../../cli/render.js';
import { okResult, rolloutView, unitSpec, unitStatus } from '../fakes/control.js';

t.test('durations read like ps ages: two units at most', async (t) => {
  t.equal(formatDuration(0), '0s');
  t.equal(formatDuration(45_999), '45s');
  t.equal(formatDuration(192_000), '3m12s');
  t.equal(formatDuration(2 * 3600_000 + 5 * 60_000 + 30_000), '2h05m');
  t.equal(formatDuration(3 * 86400_000 + 4 * 3600_000), '3d04h');
  t.equal(formatDuration(null), '-');
});

t.test('sizes are decimal with one decimal place; cpu is a percentage', async (t) => {
  t.equal(formatBytes(512), '512B');
  t.equal(formatBytes(12_300_000), '12.3MB');
  t.equal(formatBytes(1_234_567_890), '1.2GB');
  t.equal(formatBytes(1500), '1.5kB');
  t.equal(formatBytes(null), '-');
  t.equal(formatCpu(12.345), '12.3%');
  t.equal(formatCpu(null), '-');
});

t.test('last exit shows the code, or the signal that killed it', async (t) => {
  t.equal(formatExit(null), '-');
  t.equal(formatExit({ code: 1, signal: null, at: '' }), 'exit 1');
  t.equal(formatExit({ code: null, signal: 'SIGKILL', at: '' }), 'SIGKILL');
});

t.test('the status table has the pinned columns and aligned rows', async (t) => {
  const text = statusTable([
    unitStatus('db', { pid: 900 }),
    unitStatus('web_2', { state: 'draining', lbDisabled: true, stale: true, pid: 1002, restarts: 3 }),
    unitStatus('worker', {
      state: 'failed', pid: null, uptime: null, cpu: null, memory: null, reason: 'crashed 6 times in 1m',
      lastExit: { code: 1, signal: null, at: '' },
    }),
  ]);
  const lines = text.trimEnd().split('\n');
  t.match(lines[0], /^UNIT\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+CPU\s+MEM\s+LAST-EXIT\s+REASON$/);
  t.match(lines[1], /^db\s+ready\s+900\s+3m12s\s+0\s+1\.5%\s+12\.3MB\s+-\s+ready check passed$/);
  t.match(lines[2], /^web_2\s+draining,stale,lb-off\s+1002\s+3m12s\s+3\s/);
  t.match(lines[3], /^worker\s+failed\s+-\s+-\s+0\s+-\s+-\s+exit 1\s+crashed 6 times in 1m$/);
  const stateCol = lines[0]?.indexOf('STATE');
  for (const line of lines) t.equal(line.slice(stateCol).search(/\S/), 0, `column STATE starts at the same place: ${line}`);
});

t.test('targets select units by name, group or all, and report unknown ones', async (t) => {
  const units = [unitStatus('db'), unitStatus('web_1', { groups: ['web'] }), unitStatus('web_2', { groups: ['web'] })];
  const names = (targets: string[]): string[] => selectUnits(units, targets).selected.map((u) => u.name);
  t.same(names([]), ['db', 'web_1', 'web_2']);
  t.same(names(['all']), ['db', 'web_1', 'web_2']);
  t.same(names(['web']), ['web_1', 'web_2']);
  t.same(names(['web_2', 'db', 'web']), ['db', 'web_1', 'web_2'], 'daemon order, no duplicates');
  t.same(selectUnits(units, ['db', 'nope']).unknown, ['nope']);
});

t.test('argv is shell-quoted so it can be pasted into a shell', async (t) => {
  t.equal(shellQuote(['/bin/sh', '-c', 'exec ./server --port 8080']), "/bin/sh -c 'exec ./server --port 8080'");
  t.equal(shellQuote(['echo', "it's", '']), "echo 'it'\\''s' ''");
  t.equal(shellQuote(['a=b', 'x@y:1/2,3']), 'a=b x@y:1/2,3');
  t.equal(shellQuote(['$HOME', '*']), "'$HOME' '*'");
});

t.test('show prints the exact command on its own line and the resolved spec', async (t) => {
  const text = showUnit({
    ...unitStatus('web_1', { pid: 1001 }),
    spec: unitSpec('web_1', { env: { PORT: '8080' }, groups: ['web'] }),
  });
  const lines = text.split('\n');
  t.equal(lines[0], 'unit: web_1');
  t.ok(lines.includes("command: /bin/sh -c 'exec ./server --name web_1'"));
  t.ok(lines.includes('state: ready (pid 1001, up 3m12s)'));
  t.match(text, /\nenv:\n {2}PORT: "8080"\n/);
  t.match(text, /\ngroups:\n {2}- web\n/);
  t.notMatch(text, /\nargv:/, 'argv is shown once, as the command line');
  t.notMatch(text, /: null/, 'unset keys are left out');
});

t.test('a finished command prints its message and the rollout steps', async (t) => {
  const req = { action: 'restart' as const, targets: ['web'], safe: false, wait: true, rolling: null, withDependents: false };
  const result = { ...okResult(req, ['web_1', 'web_2']), rollout: rolloutView('r1', { state: 'ok', steps: [
    { unit: 'web_1', batch: 0, action: 'restart', state: 'ok', reason: null },
    { unit: 'web_2', batch: 1, action: 'restart', state: 'ok', reason: null },
  ] }) };
  t.equal(commandDone('restart', 'web', result), 'restart web: done\nrollout r1 ok (one-by-one): web_1 ok, web_2 ok\n');
  t.equal(commandDone('stop', 'db', { ...result, message: '', rollout: null, units: ['db'] }), 'stop db: db\n');
  t.equal(rolloutLine(rolloutView('r2', { state: 'error', steps: [{ unit: 'web_1', batch: 0, action: 'restart', state: 'error', reason: 'not ready after 30s' }] })),
    'rollout r2 error (one-by-one): web_1 error (not ready after 30s)');
});

t.test('a failure report shows each failed unit\'s last log lines', async (t) => {
  t.equal(failureReport([
    { unit: 'web_1', reason: 'not ready', logTail: ['boot', 'panic: port in use'] },
    { unit: 'db', reason: 'exited', logTail: [] },
  ]), '--- last log lines of web_1 ---\n  boot\n  panic: port in use\n');
  t.equal(failureReport([]), '');
});

t.test('reload lists added, changed and removed units, or says nothing changed', async (t) => {
  t.equal(reloadDone({ ok: true, added: ['a'], changed: [], removed: ['b', 'c'], diagnostics: [] }),
    'reloaded\nadded: a\nremoved: b, c\n');
  t.equal(reloadDone({ ok: true, added: [], changed: [], removed: [], diagnostics: [] }), 'reloaded: no changes\n');
});

t.test('health lines say which units are ready', async (t) => {
  const text = healthLines([unitStatus('a'), unitStatus('b', { state: 'starting', reason: 'waiting for ready check' })]);
  t.match(text, /^a\s+yes\s+ready\s/m);
  t.match(text, /^b\s+no\s+starting\s+waiting for ready check$/m);
});

t.test('status fits the width: columns dropped in order, the reason cut with …; -l keeps everything', async (t) => {
  const units = [
    unitStatus('database_primary_1', { reason: 'ready: tcp 127.0.0.1:7101: connected after a long wait for the port to be free', lastExit: { code: 1, signal: null, at: '' } }),
    unitStatus('web_2', { state: 'draining', lbDisabled: true, stale: true, changed: true, connections: 3, reason: 'safe restart requested' }),
    unitStatus('worker', { state: 'backoff', pid: null, retryIn: 4_200, reason: 'exited with code 1' }),
  ];
  for (const width of [80, 100, 60]) {
    const lines = statusTable(units, { width }).trimEnd().split('\n');
    for (const line of lines) t.ok(line.length <= width, `≤ ${width}: ${line}`);
  }
  const at80 = statusTable(units, { width: 80 });
  t.match(at80, /^UNIT\s+STATE\s+PID\s+(UPTIME\s+)?(RESTARTS\s+)?REASON$/m, 'unit, state, pid and reason stay');
  t.notMatch(at80, /CPU|MEM|LAST-EXIT/, 'cpu, memory and last exit go first');
  t.match(at80, '…');
  const long = statusTable(units, { width: 80, long: true });
  t.match(long, 'after a long wait for the port to be free', '-l: the whole reason');
  t.match(long, /^UNIT\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+CPU\s+MEM\s+LAST-EXIT\s+REASON$/m);
  t.equal(statusTable(units), long, 'no width (a pipe): as -l');
});

t.test('status rows say what their state makes worth knowing', async (t) => {
  const text = statusTable([
    unitStatus('web_2', { state: 'draining', connections: 3, reason: 'safe stop requested' }),
    unitStatus('web_3', { state: 'draining', connections: 1, reason: 'safe stop requested' }),
    unitStatus('worker', { state: 'backoff', pid: null, retryIn: 4_200, reason: 'exited with code 1' }),
    unitStatus('api', { changed: true }),
  ]);
  t.match(text, /^web_2\s+draining\s.*3 connections open; safe stop requested$/m);
  t.match(text, /^web_3\s+draining\s.*1 connection open; safe stop requested$/m);
  t.match(text, /^worker\s+backoff\s.*retry in 5s; exited with code 1$/m);
  t.match(text, /^api\s+ready,changed\s.*file changed, restart to apply; ready check passed$/m);
});

t.test('colour only when asked: the state, painted after padding so columns stay aligned', async (t) => {
  const units = [unitStatus('db'), unitStatus('worker', { state: 'failed', pid: null })];
  t.notMatch(statusTable(units, { color: false }), '\u001b[');
  const colored = statusTable(units, { color: true });
  t.match(colored, '\u001b[32mready\u001b[0m');
  t.match(colored, '\u001b[1;31mfailed\u001b[0m');
  t.equal(colored.replace(/\u001b\[[0-9;]*m/g, ''), statusTable(units, { color: false }));
});

t.test('show speaks the file\'s terms: durations as written, ports by name, the running argv when the file changed', async (t) => {
  const spec = unitSpec('web_1', {
    ports: { sql: 7101, control: 7102 },
    safeStop: { signal: null, command: ['ctl', 'drain'], http: null, waitConnections: [7101], timeout: 120_000 },
  });
  const text = showUnit({ ...unitStatus('web_1', { changed: true }), spec, runningArgv: ['old', '--flag'] });
  t.match(text, /^running: old --flag$/m);
  t.match(text, /^command: .*# from the changed file: restart to apply$/m);
  t.match(text, /timeout: 2m/);
  t.match(text, /waitConnections:\n\s+- sql/);
  t.notMatch(text, /timeout: 120000/);
  t.equal(durationText(20_000), '20s');
  t.equal(durationText(250), '250ms');
  t.equal(durationText(0), '0ms');
  t.equal(durationText(3_600_000), '1h');
});
