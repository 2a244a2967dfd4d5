import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { resolveIds } from '../../daemon/edges/ids.js';

function files(t: { testdir(): string }) {
  const dir = t.testdir();
  const passwd = path.join(dir, 'passwd');
  const group = path.join(dir, 'group');
  writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\nwalb:x:1001:1002:WalB:/home/walb:/bin/sh\n');
  writeFileSync(group, 'root:x:0:\nwalb:x:1002:\nstorage:x:2000:walb\n');
  return { passwd, group };
}

t.test('a user name gives its uid, primary group and account', async (t) => {
  t.same(resolveIds('walb', null, files(t)), { uid: 1001, gid: 1002, account: { name: 'walb', home: '/home/walb', shell: '/bin/sh' } });
});

t.test('a group overrides the primary group', async (t) => {
  const ids = resolveIds('walb', 'storage', files(t));
  t.equal(ids.gid, 2000);
});

t.test('numeric ids are taken as they are', async (t) => {
  const f = files(t);
  t.same(resolveIds('1001', null, f).uid, 1001, 'a known uid');
  t.same(resolveIds('4242', '4343', f), { uid: 4242, gid: 4343, account: null });
  t.same(resolveIds(null, '2000', f), { uid: null, gid: 2000, account: null });
});

t.test('unknown names are errors that name them', async (t) => {
  const f = files(t);
  t.throws(() => resolveIds('nobody-here', null, f), { message: `unknown user 'nobody-here' (not in ${f.passwd})` });
  t.throws(() => resolveIds(null, 'nogroup-here', f), { message: `unknown group 'nogroup-here' (not in ${f.group})` });
  t.throws(() => resolveIds('4242', null, f), /set group too/);
});
