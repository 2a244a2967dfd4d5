// Hostile unit files through the real supctl: `validate` and a running supd's `reload` both answer
// with one positioned error naming the limit, and the running units keep running.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { aliasBomb, deepBlockList, deepFlowList, deepFlowMap, manyEnvKeys } from '../fixtures/hostile-units.js';
import { Supd, assertBuilt, runCli } from './harness.js';

assertBuilt();

const cases: [string, (file: string) => void, RegExp][] = [
  ['a 100 MB file', (file) => {
    // Sparse: 100 MB by size, refused by its size before a byte is read.
    const fd = fs.openSync(file, 'w');
    fs.ftruncateSync(fd, 100 * 1024 * 1024);
    fs.closeSync(fd);
  }, /h1\.yaml:1:1: the file holds 104,857,600 bytes; the limit is 1 MiB \(unit file limit "fileBytes"\)/],
  ['100,000-deep flow lists', (file) => fs.writeFileSync(file, deepFlowList()), /h2\.yaml:2:\d+: maps and lists nested deeper than 32 levels/],
  ['100,000-deep flow maps', (file) => fs.writeFileSync(file, deepFlowMap()), /h3\.yaml:2:\d+: maps and lists nested deeper than 32 levels/],
  ['100,000-deep block lists', (file) => fs.writeFileSync(file, deepBlockList()), /h4\.yaml:3:\d+: maps and lists nested deeper than 32 levels/],
  ['an alias bomb', (file) => fs.writeFileSync(file, aliasBomb()), /h5\.yaml:\d+:\d+: aliases here expand to .* \(unit file limit "expandedNodes"\)/],
  ['60,000 env keys', (file) => fs.writeFileSync(file, manyEnvKeys()), /h6\.yaml:1003:3: more than 1,000 keys in one map/],
];

/** Every hostile file side by side (one supctl run each for validate and reload: node start-up
 * dominates on a loaded machine); each file's error is its own. */
function writeAll(dir: string): void {
  cases.forEach(([, write], i) => write(path.join(dir, `h${i + 1}.yaml`)));
}

t.test('supctl validate: each hostile file gets its positioned error, and exit 1', async (t) => {
  const dir = t.testdir({});
  writeAll(dir);
  const r = await runCli(['validate', dir]);
  t.equal(r.code, 1);
  for (const [what, , expected] of cases) t.match(r.stderr, expected, what);
  t.match(r.stderr, /6 error\(s\) in the unit files/);
});

t.test('supctl reload: refused with the same errors; the running unit keeps running', async (t) => {
  const supd = await new Supd(t, { units: { good: 'command: ["sleep", "3600"]\n' } }).start();
  await supd.waitState('good', 'ready');
  const pid = (await supd.unit('good')).pid;
  writeAll(supd.unitsDir);
  const r = await supd.ctl('reload');
  t.equal(r.code, 1);
  for (const [what, , expected] of cases) t.match(`${r.stdout}${r.stderr}`, expected, what);
  const good = await supd.unit('good');
  t.equal(good.state, 'ready');
  t.equal(good.pid, pid, 'the same process throughout');
  t.same((await supd.status()).map((u) => u.name), ['good'], 'the last good set is kept');
});
