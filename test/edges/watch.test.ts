import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import t from 'tap';
import { staticBase, watchGlobs } from '../../daemon/edges/watch.js';
import { waitFor } from './helpers.js';

t.test('a file written under a glob is reported; others are not', async (t) => {
  const dir = t.testdir({ meta: { 'old.json': '{}' } });
  const seen: string[][] = [];
  const w = watchGlobs([path.join(dir, 'meta', '*.json')], (paths) => seen.push(paths));
  t.teardown(() => w.close());
  await w.ready;
  writeFileSync(path.join(dir, 'meta', 'notes.txt'), 'not metadata');
  writeFileSync(path.join(dir, 'meta', 'new.json'), '{"v":1}');
  await waitFor(() => seen.flat().includes(path.join(dir, 'meta', 'new.json')), 'the new file');
  t.notOk(seen.flat().includes(path.join(dir, 'meta', 'notes.txt')), 'a non-matching file is not reported');
  t.notOk(seen.flat().includes(path.join(dir, 'meta', 'old.json')), 'files already there are not reported');
});

t.test('changes deep under a ** glob are reported, as is a removal', async (t) => {
  const dir = t.testdir({ data: { a: { b: { 'x.meta': 'v1' } } } });
  const file = path.join(dir, 'data', 'a', 'b', 'x.meta');
  const seen: string[] = [];
  const w = watchGlobs([path.join(dir, 'data', '**', '*.meta')], (paths) => seen.push(...paths));
  t.teardown(() => w.close());
  await w.ready;
  writeFileSync(file, 'v2');
  await waitFor(() => seen.includes(file), 'the change');
  seen.length = 0;
  mkdirSync(path.join(dir, 'data', 'c'));
  const added = path.join(dir, 'data', 'c', 'y.meta');
  writeFileSync(added, 'v1');
  await waitFor(() => seen.includes(added), 'the file in a new directory');
  const { rmSync } = await import('node:fs');
  rmSync(file);
  await waitFor(() => seen.filter((p) => p === file).length > 0, 'the removal');
  t.pass('all reported');
});

t.test('a plain path (no glob) is watched through its directory', async (t) => {
  const dir = t.testdir({ 'master.conf': 'a' });
  const file = path.join(dir, 'master.conf');
  const seen: string[] = [];
  const w = watchGlobs([file], (paths) => seen.push(...paths));
  t.teardown(() => w.close());
  await w.ready;
  writeFileSync(path.join(dir, 'other.conf'), 'b');
  writeFileSync(file, 'c');
  await waitFor(() => seen.includes(file), 'the change');
  t.notOk(seen.includes(path.join(dir, 'other.conf')));
});

t.test('staticBase finds the directory and depth to watch', async (t) => {
  t.same(staticBase('/srv/meta/*.json'), { base: '/srv/meta', depth: 0 });
  t.same(staticBase('/srv/meta/*/v.json'), { base: '/srv/meta', depth: 1 });
  t.same(staticBase('/srv/**/v.json'), { base: '/srv', depth: undefined });
  t.same(staticBase('/srv/master.conf'), { base: '/srv', depth: 0 });
});

t.test('a glob whose directory does not exist yet is watched once it appears', async (t) => {
  const dir = t.testdir();
  const seen: string[] = [];
  const errors: string[] = [];
  const w = watchGlobs([path.join(dir, 'later', '*.json')], (paths) => seen.push(...paths), { onError: (m) => errors.push(m) });
  t.teardown(() => w.close());
  await w.ready;
  mkdirSync(path.join(dir, 'later'));
  const file = path.join(dir, 'later', 'a.json');
  // The directory's own appearance is not a match; write until the file's event arrives.
  await waitFor(() => {
    writeFileSync(file, String(Date.now()));
    return seen.includes(file);
  }, 'the file in the new directory');
  t.same(errors, []);
});

t.test('a watch never keeps its process alive, closed or not', async (t) => {
  const dir = t.testdir({ meta: {} });
  // A child watches a glob and ends its script without close(): it must exit by itself.
  const script = `import { watchGlobs } from ${JSON.stringify(fileURLToPath(new URL('../../daemon/edges/watch.ts', import.meta.url)))};
    const w = watchGlobs([${JSON.stringify(path.join(dir, 'meta', '*.json'))}], () => {});
    await w.ready;`;
  const r = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { timeout: 20_000, encoding: 'utf8' });
  t.equal(r.error, undefined, 'the child exits within 20 s');
  t.equal(r.status, 0, r.stderr);
});
