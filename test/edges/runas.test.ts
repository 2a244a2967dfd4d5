// The run-as edge: the argv prefixes and environment that make a process run as its unit, and
// envFile parsing. The real switch (a created user, its groups, limits) is test/e2e/realhost.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { TapTest } from './helpers.js';
import { parseEnvFile, plainRunAs, prepareLaunch, type RunAs } from '../../daemon/edges/runas.js';

function idFiles(t: TapTest) {
  const dir = t.testdir({
    passwd: 'root:x:0:0:root:/root:/bin/bash\nweb:x:1500:1600:Web:/srv/web:/usr/sbin/nologin\n',
    group: 'root:x:0:\nweb:x:1600:\nssl-cert:x:1700:web\n',
  });
  return { passwd: path.join(dir, 'passwd'), group: path.join(dir, 'group') };
}

const tools = { setpriv: '/usr/bin/setpriv', prlimit: '/usr/bin/prlimit' };
const unit = (over: Partial<RunAs>): RunAs => ({ ...plainRunAs({ PATH: '/usr/bin:/bin', HOME: '/root', USER: 'root' }), ...over });

t.test('a unit that sets nothing is spawned as is, with no prefix', async (t) => {
  t.same(prepareLaunch(['/bin/true', 'x'], unit({ cwd: '/tmp' }), { honourIds: true, ...tools }), {
    file: '/bin/true', args: ['x'], env: { PATH: '/usr/bin:/bin', HOME: '/root', USER: 'root' }, cwd: '/tmp',
  });
});

t.test('umask, limits and user become exec-only prefixes in that order; the passwd entry replaces supd HOME', async (t) => {
  const files = idFiles(t);
  const launch = prepareLaunch(['/bin/true'], unit({
    user: 'web', umask: 0o027, env: { SHELL: '/bin/sh' }, extra: { SUPD_UNIT: 'web' },
    limits: { nofile: { soft: 4096, hard: 8192 }, core: { soft: 'infinity', hard: 'infinity' } },
  }), { honourIds: true, idFiles: files, ...tools });
  if (typeof launch === 'string') throw new Error(launch);
  t.same([launch.file, ...launch.args], [
    '/bin/sh', '-c', 'umask 0027 && exec "$@"', 'sh',
    '/usr/bin/prlimit', '--nofile=4096:8192', '--core=unlimited:unlimited', '--',
    '/usr/bin/setpriv', '--reuid=1500', '--regid=1600', '--init-groups', '--',
    '/bin/true',
  ]);
  t.same(launch.env, { PATH: '/usr/bin:/bin', HOME: '/srv/web', USER: 'web', LOGNAME: 'web', SHELL: '/bin/sh', SUPD_UNIT: 'web' },
    "the unit's own env wins over the passwd entry (SHELL), which wins over supd's");
});

t.test('group overrides the primary group; user and group are ignored when supd is not root', async (t) => {
  const files = idFiles(t);
  const launch = prepareLaunch(['/bin/true'], unit({ user: 'web', group: 'ssl-cert' }), { honourIds: true, idFiles: files, ...tools });
  t.match(launch, { args: ['--reuid=1500', '--regid=1700', '--init-groups', '--', '/bin/true'] });
  t.match(prepareLaunch(['/bin/true'], unit({ group: '1700' }), { honourIds: true, idFiles: files, ...tools }), { args: ['--regid=1700', '--clear-groups', '--', '/bin/true'] });
  t.match(prepareLaunch(['/bin/true'], unit({ user: 'web' }), { honourIds: false, idFiles: files, ...tools }), { file: '/bin/true', args: [] });
  t.equal(prepareLaunch(['/bin/true'], unit({ user: 'nope' }), { honourIds: true, idFiles: files, ...tools }), `unknown user 'nope' (not in ${files.passwd})`);
});

t.test('behind a prefix, a missing program is reported before anything is spawned', async (t) => {
  t.equal(prepareLaunch(['no-such-program-supd'], unit({ umask: 0o22 })), 'command not found: no-such-program-supd');
  t.equal(prepareLaunch(['./nope'], unit({ umask: 0o22, cwd: '/' })), 'command not found: ./nope');
});

t.test('envFile values are added after env, in file order; a missing optional file is skipped', async (t) => {
  const dir = t.testdir({ 'a.env': 'A=1\nB="two words"\n', 'b.env': '# note\nexport B=three\n\n; old\nC=\'$x\'\n' });
  const launch = prepareLaunch(['/bin/true'], unit({
    env: { A: 'env', Z: 'z' }, extra: { SUPD_UNIT: 'u' },
    envFile: [{ path: path.join(dir, 'a.env'), optional: false }, { path: path.join(dir, 'gone.env'), optional: true }, { path: path.join(dir, 'b.env'), optional: false }],
  }));
  t.match(launch, { env: { A: '1', B: 'three', C: '$x', Z: 'z', SUPD_UNIT: 'u' } });
  t.equal(prepareLaunch(['/bin/true'], unit({ envFile: [{ path: path.join(dir, 'gone.env'), optional: false }] })), `envFile ${dir}/gone.env: no such file`);
  writeFileSync(path.join(dir, 'bad.env'), 'A=1\nnot a pair\n');
  t.equal(prepareLaunch(['/bin/true'], unit({ envFile: [{ path: path.join(dir, 'bad.env'), optional: false }] })),
    `envFile ${dir}/bad.env:2: expected KEY=VALUE, got "not a pair"`);
});

t.test('envFile syntax: quotes, escapes, spaces around =, comments', async (t) => {
  t.same(parseEnvFile('K = v \nQ="a \\"b\\" c"\nS=\'x y\'\n#c\n;c\nE=\n', 'f'), { K: 'v', Q: 'a "b" c', S: 'x y', E: '' });
  t.equal(parseEnvFile('1A=x', 'f'), 'envFile f:1: expected KEY=VALUE, got "1A=x"');
});
