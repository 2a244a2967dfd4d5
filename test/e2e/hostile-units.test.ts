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
  }, /h\.yaml:1:1: the file holds 104,857,600 bytes; the limit is 1 MiB \(unit file limit "fileBytes"\)/],
  ['100,000-deep flow lists', (file) => fs.writeFileSync(file, deepFlowList()), /h\.yaml:2:\d+: maps and lists nested deeper than 32 levels/],
  ['100,000-deep flow maps', (file) => fs.writeFileSync(file, deepFlowMap()), /h\.yaml:2:\d+: maps and lists nested deeper than 32 levels/],
  ['100,000-deep block lists', (file) => fs.writeFileSync(file, deepBlockList()), /h\.yaml:3:\d+: maps and lists nested deeper than 32 levels/],
  ['an alias bomb', (file) => fs.writeFileSync(file, aliasBomb()), /h\.yaml:\d+:\d+: aliases here expand to .* \(unit file limit "expandedNodes"\)/],
  ['60,000 env keys', (file) => fs.writeFileSync(file, manyEnvKeys()), /h\.yaml:1003:3: more than 1,000 keys in one map/],
];

t.test('supctl validate: each hostile file gets its positioned error and exit 1', async (t) => {
  for (const [what, write, expected] of cases) {
    const dir = t.testdir({});
    write(path.join(dir, 'h.yaml'));
    const r = await runCli(['validate', dir]);
    t.equal(r.code, 1, what);
    t.match(r.stderr, expected, what);
  }
});

t.test('supctl reload: refused with the same error; the running unit keeps running', async (t) => {
  const supd = await new Supd(t, { units: { good: 'command: ["sleep", "3600"]\n' } }).start();
  await supd.waitState('good', 'ready');
  const pid = (await supd.unit('good')).pid;
  const file = path.join(supd.unitsDir, 'h.yaml');
  for (const [what, write, expected] of cases) {
    write(file);
    const r = await supd.ctl('reload');
    t.equal(r.code, 1, what);
    t.match(`${r.stdout}${r.stderr}`, expected, what);
    fs.rmSync(file);
  }
  const good = await supd.unit('good');
  t.equal(good.state, 'ready');
  t.equal(good.pid, pid, 'the same process throughout');
  t.same((await supd.status()).map((u) => u.name), ['good'], 'the last good set is kept');
});
