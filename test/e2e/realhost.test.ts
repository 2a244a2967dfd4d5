// supd as root on a host, with a user and a group created by the test (useradd/groupadd, removed
// at teardown): every command supd runs for a unit (preStart, ready and health exec probes, the
// main process, reload, safeStop and stop commands) runs as the unit's user with its
// supplementary groups, its passwd HOME, its limits and cwd; the lb hook runs as supd. kill and
// reload keep the pid; envFile values reach the process; a failing preStart fails the start.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { Supd, assertBuilt, waitUntil } from './harness.js';

assertBuilt();

if (process.getuid?.() !== 0) {
  t.comment('skipped: running units as another user needs supd to run as root (CI runs as root)');
  t.pass('skipped: not root');
} else {
  t.test('every command of a unit with user: runs as that whole user; lb hooks run as supd', userTest);
  t.test('a failing preStart fails the start with its output in the message', preStartFailure);
}

/** Retries: other tests on the host may hold the passwd lock for a moment. */
function admin(cmd: string, ...args: string[]): void {
  for (let i = 0; ; i++) {
    try {
      execFileSync(cmd, args, { stdio: 'pipe' });
      return;
    } catch (e) {
      if (i >= 20) throw e;
      execFileSync('sleep', ['0.1']);
    }
  }
}

function idOf(kind: 'passwd' | 'group', name: string): number {
  return Number(execFileSync('getent', [kind, name], { encoding: 'utf8' }).split(':')[2]);
}

interface Record_ {
  uid: number;
  groups: number[];
  home: string;
  nofile: string;
  cwd: string;
  greeting: string;
}

function parseRecord(text: string): Record_ {
  const f = Object.fromEntries(text.trim().split('|').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return {
    uid: Number(f['uid']), groups: String(f['groups']).split(' ').map(Number).sort((a, b) => a - b),
    home: String(f['home']), nofile: String(f['nofile']), cwd: String(f['cwd']), greeting: String(f['greeting']),
  };
}

async function userTest(t: Tap): Promise<void> {
  const tag = randomBytes(3).toString('hex');
  const user = `supdu${tag}`;
  const group = `supdg${tag}`;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-user-'));
  fs.chmodSync(base, 0o755);
  const home = path.join(base, 'home');
  t.teardown(() => {
    try {
      admin('userdel', '-f', user);
    } finally {
      admin('groupdel', group);
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
  admin('groupadd', group);
  admin('useradd', '-M', '-d', home, '-s', '/bin/sh', '-G', group, user);
  const uid = idOf('passwd', user);
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  const sgid = idOf('group', group);

  const records = path.join(base, 'records');
  const work = path.join(base, 'work');
  for (const d of [home, records, work]) {
    fs.mkdirSync(d);
    fs.chownSync(d, uid, gid);
  }
  // Readable only through the supplementary group.
  const secret = path.join(base, 'secret');
  fs.writeFileSync(secret, 'group secret\n');
  fs.chownSync(secret, 0, sgid);
  fs.chmodSync(secret, 0o640);
  fs.writeFileSync(path.join(base, 'unit.env'), '# from the envFile\nGREETING="hello from envFile"\n');
  // record.sh KIND: who, where and with what it runs, one line per KIND (the last run wins).
  fs.writeFileSync(path.join(base, 'record.sh'), [
    '#!/bin/sh',
    `printf 'uid=%s|groups=%s|home=%s|nofile=%s|cwd=%s|greeting=%s\\n' "$(id -u)" "$(id -G)" "$HOME" "$(ulimit -n)" "$(pwd)" "$GREETING" > ${records}/$1.tmp`,
    `mv ${records}/$1.tmp ${records}/$1`,
    '',
  ].join('\n'), { mode: 0o755 });
  fs.writeFileSync(path.join(base, 'server.sh'), [
    '#!/bin/sh',
    `${base}/record.sh main`,
    `trap 'echo HUP >> ${records}/signals' HUP`,
    'while :; do sleep 0.05; done',
    '',
  ].join('\n'), { mode: 0o755 });

  const supd = await new Supd(t, {
    units: {
      web: [
        `command: [/bin/sh, ${base}/server.sh]`,
        `user: ${user}`,
        `cwd: ${work}`,
        `envFile: [${base}/unit.env, -${base}/absent.env]`,
        'limits: {nofile: {soft: 1234, hard: 2345}}',
        'preStart:',
        `  - [${base}/record.sh, preStart]`,
        `  - {command: "cat ${secret} > ${records}/secret", timeout: 5s}`,
        `ready: {exec: [${base}/record.sh, ready], interval: 100ms, timeout: 20s}`,
        `health: {exec: [${base}/record.sh, health], interval: 200ms, timeout: 5s}`,
        `reload: {command: "${base}/record.sh reload && kill -HUP $MAINPID"}`,
        `safeStop: {command: [${base}/record.sh, safeStop], timeout: 10s}`,
        `stop: {command: "${base}/record.sh stop && kill $MAINPID", timeout: 10s}`,
        `lb: {disable: "${base}/record.sh lb-disable"}`,
        '',
      ].join('\n'),
    },
  }).start();
  await supd.waitState('web', 'ready');
  const pid = (await supd.unit('web')).pid as number;
  const read = (kind: string): Record_ => parseRecord(fs.readFileSync(path.join(records, kind), 'utf8'));
  const asUnit = (kind: string): void => {
    const r = read(kind);
    t.equal(r.uid, uid, `${kind} runs as the unit's user`);
    t.same(r.groups, [gid, sgid].sort((a, b) => a - b), `${kind} has the user's primary and supplementary groups`);
    t.equal(r.home, home, `${kind} has the user's HOME from passwd, not supd's`);
    t.equal(r.nofile, '1234', `${kind} has the unit's nofile limit`);
    t.equal(r.cwd, work, `${kind} runs in the unit's cwd`);
    t.equal(r.greeting, 'hello from envFile', `${kind} has the envFile's values`);
  };

  await waitUntil(() => fs.existsSync(path.join(records, 'health')), 'a health probe');
  for (const kind of ['preStart', 'main', 'ready', 'health']) asUnit(kind);
  t.equal(fs.readFileSync(path.join(records, 'secret'), 'utf8'), 'group secret\n', 'a group-readable file is read through a supplementary group');
  const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
  t.match(limits, /Max open files\s+1234\s+2345\s+files/, 'limits.nofile in /proc/<pid>/limits');
  t.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`\\nUid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}\\n`), 'real, effective and saved uid are the user');

  const kill = await supd.ctl('kill', '-s', 'HUP', 'web');
  t.equal(kill.code, 0, kill.stderr);
  t.equal(kill.stdout, `web: SIGHUP sent to pid ${pid}\n`);
  await waitUntil(() => fs.existsSync(path.join(records, 'signals')) && fs.readFileSync(path.join(records, 'signals'), 'utf8') === 'HUP\n', 'the HUP trap');

  const reload = await supd.ctl('reload', 'web');
  t.equal(reload.code, 0, reload.stderr);
  t.equal(reload.stdout, 'web: reload command exited with code 0\n');
  asUnit('reload');
  await waitUntil(() => fs.readFileSync(path.join(records, 'signals'), 'utf8') === 'HUP\nHUP\n', 'the HUP sent by the reload command with MAINPID');
  const after = await supd.unit('web');
  t.equal(after.pid, pid, 'kill -s HUP and reload keep the pid');
  t.equal(after.state, 'ready');
  t.equal(after.restarts, 0);

  const stop = await supd.ctl('stop', '--safe', 'web');
  t.equal(stop.code, 0, stop.stderr);
  asUnit('safeStop');
  asUnit('stop');
  const lb = read('lb-disable');
  t.equal(lb.uid, 0, 'the lb hook runs as supd (root)');
  t.not(lb.home, home, "and without the unit's HOME");
  t.equal((await supd.unit('web')).state, 'inactive');
  t.equal(await supd.stop(), 0);
}

async function preStartFailure(t: Tap): Promise<void> {
  const supd = await new Supd(t, {
    units: {
      bad: [
        'command: [/bin/sleep, "1000"]',
        'autostart: false',
        'restart: {policy: never}',
        'preStart:',
        '  - "true"',
        '  - {command: "echo migration 42 needs schema v3 >&2; exit 3", timeout: 5s}',
        '',
      ].join('\n'),
    },
  }).start();
  const r = await supd.ctl('start', 'bad');
  t.equal(r.code, 1);
  t.match(r.stderr, /bad: spawn failed: preStart\[1\] \(.*\) exited with code 3: migration 42 needs schema v3/);
  const bad = await supd.unit('bad');
  t.equal(bad.pid, null, 'the main process never ran');
  t.match(bad.reason, 'migration 42 needs schema v3');
}

type Tap = Parameters<Parameters<typeof t.test>[0]>[0];
