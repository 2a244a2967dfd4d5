// Unit files past supd's limits: one error naming file:line:col and the limit, and nothing
// unbounded done first (the tests would hang or overflow the stack if it were).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { UNIT_FILE_LIMITS } from '../../units/limits.js';
import { loadUnits } from '../../units/load.js';
import { aliasBomb, deepBlockList, deepBlockMap, deepFlowList, deepFlowMap, manyEnvKeys } from '../fixtures/hostile-units.js';
import { lines, load, messages } from './_helpers.js';

function only(files: Record<string, string>): { message: string; code: string | undefined } {
  const r = load(files);
  const all = messages(r);
  if (r.units.length !== 0 || all.length !== 1) throw new Error(`expected one error, got ${JSON.stringify(all)}`);
  return { message: all[0] as string, code: r.diagnostics[0]?.code };
}

t.test('100,000 nested flow lists are refused at the 33rd level, naming the depth limit', async (t) => {
  const { message, code } = only({ 'a.yaml': deepFlowList() });
  t.equal(code, 'SUPD_UNIT_LIMIT');
  t.match(message, /^units\/a\.yaml:2:\d+: maps and lists nested deeper than 32 levels; the limit is 32 \(unit file limit "depth"\)$/);
  const col = Number(/:2:(\d+):/.exec(message)?.[1]);
  t.ok(col > 30 && col < 45, `the column (${col}) is near the 33rd bracket`);
});

t.test('100,000 nested flow maps and block lists are refused on the depth limit', async (t) => {
  t.match(only({ 'a.yaml': deepFlowMap() }).message, /^units\/a\.yaml:2:\d+: maps and lists nested deeper than 32 levels/);
  t.match(only({ 'a.yaml': deepBlockList() }).message, /^units\/a\.yaml:3:\d+: maps and lists nested deeper than 32 levels/);
});

t.test('block maps nested past the limit are refused at the line where the limit is passed', async (t) => {
  const { message } = only({ 'a.yaml': deepBlockMap(200) });
  const line = Number(/:(\d+):\d+:/.exec(message)?.[1]);
  t.ok(line >= 30 && line <= 40, `refused at line ${line}, near level 32`);
  t.match(message, /nested deeper than 32 levels/);
});

t.test('nesting within the limit still parses (the guard has a margin, the exact check is on nodes)', async (t) => {
  // env: a map whose values must be strings: reaching validation proves the parse went through.
  const text = `command: x\nvars:\n  v: ${'['.repeat(29)}1${']'.repeat(29)}\n`;
  const r = load({ 'a.yaml': text });
  t.notOk(messages(r).some((m) => m.includes('nested deeper')), messages(r).join('\n'));
  const exact = `command: x\nvars:\n  v: ${'['.repeat(31)}1${']'.repeat(31)}\n`;
  t.match(messages(load({ 'a.yaml': exact })), [/units\/a\.yaml:3:\d+: maps and lists nested deeper than 32 levels/]);
});

t.test('an alias bomb is refused by the expansion limit without being expanded', async (t) => {
  const { message, code } = only({ 'a.yaml': aliasBomb() });
  t.equal(code, 'SUPD_UNIT_LIMIT');
  t.match(message, /^units\/a\.yaml:\d+:\d+: aliases here expand to .* nodes; the limit is 100,000 \(unit file limit "expandedNodes"\)$/);
});

t.test('more aliases than the limit are refused at the first one past it', async (t) => {
  const refs = Array(UNIT_FILE_LIMITS.aliases + 1).fill('*a').join(', ');
  const { message } = only({ 'a.yaml': lines('command: x', 'vars:', '  a: &a 1', `  b: [${refs}]`) });
  t.match(message, /^units\/a\.yaml:4:\d+: more than 100 aliases in one file; the limit is 100 \(unit file limit "aliases"\)$/);
});

t.test('an alias inside the node it names is refused as a cycle, not expanded forever', async (t) => {
  const { message } = only({ 'a.yaml': lines('command: x', 'vars: &v', '  self: *v') });
  t.match(message, /^units\/a\.yaml:3:9: alias \*v lies inside the node it names/);
});

t.test('60,000 env keys are refused at the 1,001st, before keys are compared pairwise', async (t) => {
  const { message } = only({ 'a.yaml': manyEnvKeys() });
  t.match(message, /^units\/a\.yaml:100[23]:\d+: more than 1,000 keys in one map; the limit is 1,000 \(unit file limit "entries"\)$/);
});

t.test('a list longer than the limit is refused too, flow or block', async (t) => {
  const flow = `command: [${Array(1001).fill('a').join(', ')}]\n`;
  t.match(only({ 'a.yaml': flow }).message, /^units\/a\.yaml:1:\d+: more than 1,000 items in one list/);
  const block = `command:\n${Array(1001).fill('  - a').join('\n')}\n`;
  t.match(only({ 'a.yaml': block }).message, /^units\/a\.yaml:100[12]:\d+: more than 1,000 items in one list/);
});

t.test('1,000 env keys are fine', async (t) => {
  const r = load({ 'a.yaml': manyEnvKeys(1000) });
  t.same(messages(r), []);
  t.equal(Object.keys(r.units[0]?.env ?? {}).length, 1000);
});

t.test('a string longer than 64 KiB is refused at the string', async (t) => {
  const { message } = only({ 'a.yaml': lines('command: x', `description: ${'d'.repeat(70_000)}`) });
  t.equal(message, 'units/a.yaml:2:14: a string of 70,000 characters; the limit is 65,536 (unit file limit "stringLength")');
});

t.test('a file over 1 MiB is refused at line 1 by its size, before it is read', async (t) => {
  const dir = t.testdir({ 'ok.yaml': 'command: x\n' });
  // A sparse file: its size is 100 MiB, and reading it would show NULs, not a YAML error.
  const fd = fs.openSync(path.join(dir, 'big.yaml'), 'w');
  fs.ftruncateSync(fd, 100 * 1024 * 1024);
  fs.closeSync(fd);
  const r = await loadUnits(dir);
  t.same(r.units, []);
  t.same(r.diagnostics.map((d) => [d.code, d.pos?.line, d.pos?.col, d.message]), [
    ['SUPD_UNIT_LIMIT', 1, 1, 'the file holds 104,857,600 bytes; the limit is 1 MiB (unit file limit "fileBytes")'],
  ]);
});

t.test('unit files together over 16 MiB are refused at the file that passes the total', async (t) => {
  const dir = t.testdir({});
  for (const n of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q']) {
    fs.writeFileSync(path.join(dir, `${n}.yaml`), `command: x\n${'#'.repeat(1000 * 1024)}\n`);
  }
  const r = await loadUnits(dir);
  t.same(r.units, []);
  t.equal(r.diagnostics.length, 1);
  t.equal(r.diagnostics[0]?.pos?.file, path.join(dir, 'q.yaml'));
  t.match(r.diagnostics[0]?.message, /unit files up to this one hold [\d,]+ bytes; the limit is 16 MiB \(unit file limit "totalBytes"\)/);
});

t.test('more than 10,000 units from templates are refused at the instances that pass it', async (t) => {
  const instances = (from: number): string => Array.from({ length: 1000 }, (_, i) => `  w${from + i}: {}`).join('\n');
  const files: Record<string, string> = {};
  for (let f = 0; f < 11; f++) files[`t${String(f).padStart(2, '0')}@.yaml`] = `command: x\ninstances:\n${instances(f * 1000)}\n`;
  const { message } = only(files);
  t.equal(message, 'units/t10@.yaml:2:1: unit files up to this one declare 11,000 units; the limit is 10,000 (unit file limit "units")');
});
