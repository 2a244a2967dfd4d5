// loadUnits on a real directory: which files it reads, absolute paths, unreadable input.
import path from 'node:path';
import t from 'tap';
import { loadUnits } from '../../units/load.js';
import { formatDiagnostic } from '../../units/validate.js';
import { lines } from './_helpers.js';

t.test('reads *.yaml and *.yml only, not recursively, with absolute paths', async (t) => {
  const dir = t.testdir({
    'a.yaml': lines('command: a', 'metadata: meta/*.json'),
    'b.yml': lines('command: b', 'requires: [a]'),
    'README.md': 'not a unit',
    '.hidden.yaml': 'not: [valid',
    sub: { 'c.yaml': lines('command: c') },
  });
  const r = await loadUnits(dir, { host: 'h1' });
  t.same(r.diagnostics, []);
  t.same(r.units.map((u) => u.name), ['a', 'b']);
  t.equal(r.units[0]?.file, path.join(dir, 'a.yaml'));
  t.same(r.units[0]?.metadata, [path.join(dir, 'meta/*.json')]);
});

t.test('diagnostics carry the absolute file; the formatter shortens it', async (t) => {
  const dir = t.testdir({ 'b.yaml': lines('command: b', 'requires: [nope]') });
  const r = await loadUnits(dir);
  t.same(r.units, []);
  const [d] = r.diagnostics;
  if (!d) throw new Error('expected a diagnostic');
  t.same(d.pos, { file: path.join(dir, 'b.yaml'), line: 2, col: 12 });
  t.equal(formatDiagnostic(d, dir), 'b.yaml:2:12: requires "nope": no such unit (known: b)');
});

t.test('${host} defaults to the machine host name', async (t) => {
  const dir = t.testdir({ 'a.yaml': lines('command: a', 'env: {H: "${host}"}') });
  const r = await loadUnits(dir);
  const { hostname } = await import('node:os');
  t.equal(r.units[0]?.env['H'], hostname());
});

t.test('a missing directory is one error without a position', async (t) => {
  const r = await loadUnits(path.join(t.testdirName, 'does-not-exist'));
  t.same(r.units, []);
  t.equal(r.diagnostics.length, 1);
  t.equal(r.diagnostics[0]?.code, 'SUPD_UNIT_READ');
  t.equal(r.diagnostics[0]?.pos, undefined);
  t.match(r.diagnostics[0]?.message, /cannot read the units directory/);
});

t.test('an unreadable unit file is an error at that file', async (t) => {
  // A directory named like a unit file cannot be read as one, whoever runs the test.
  const dir = t.testdir({ 'a.yaml': lines('command: a'), 'b.yaml': { 'x.txt': 'x' } });
  const r = await loadUnits(dir);
  t.same(r.units, []);
  t.equal(r.diagnostics.length, 1);
  t.same(r.diagnostics[0]?.pos, { file: path.join(dir, 'b.yaml'), line: 1, col: 1 });
  t.match(r.diagnostics[0]?.message, /^cannot read b\.yaml: EISDIR/);
});
