// The table is the documentation, and the machine is the only writer of a unit's state: the
// README's diagram is the one drawn from the table, and no other file writes `u.s` (fleet.ts does
// not even read it: it asks the machine).
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIAGRAM_BEGIN, DIAGRAM_END, lifecycleDiagram, withDiagram } from '../../daemon/core/diagram.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

t.test('the README state diagram is the one drawn from the transition table', async (t) => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const begin = readme.indexOf(DIAGRAM_BEGIN);
  const end = readme.indexOf(DIAGRAM_END);
  t.ok(begin >= 0 && end > begin, 'README.md has the diagram markers');
  const shown = readme.slice(begin + DIAGRAM_BEGIN.length, end).trim();
  t.equal(shown, lifecycleDiagram().trim(), 'README diagram differs from the table: run `npm run diagram`');
  t.equal(withDiagram(readme), readme, 'npm run diagram would change nothing');
});

t.test('the diagram follows the table: a drain ends in inactive, a crash may back off', async (t) => {
  const d = lifecycleDiagram();
  t.match(d, /^ {4}ready --> draining: stop, restart, dependentsStopped$/m);
  t.match(d, /^ {4}draining --> inactive: exited$/m);
  t.notMatch(d, /draining --> backoff/, 'a drain is never a crash');
  t.match(d, /^ {4}ready --> backoff: exited$/m);
  t.notMatch(d, /starting --> starting/, 'spawned is no transition');
});

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

t.test('only the machine writes a unit state; fleet.ts neither writes nor reads one', async (t) => {
  const machine = path.join(root, 'daemon/core/machine.ts');
  const writes: string[] = [];
  for (const file of [...sources(path.join(root, 'daemon')), ...sources(path.join(root, 'cli'))]) {
    if (file === machine) continue;
    fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      // `x.s = …`, `x.s.state = …` or `x.s.pid = …`: a state written around the machine.
      if (/\.s(\.\w+)?\s*=[^=]/.test(line)) writes.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  t.same(writes, [], 'no state write outside daemon/core/machine.ts');

  const fleet = fs.readFileSync(path.join(root, 'daemon/core/fleet.ts'), 'utf8');
  const reads = fleet.split('\n').flatMap((line, i) => (/\.s\b/.test(line) || /wantStart|pendingStop\s*=/.test(line) ? [`fleet.ts:${i + 1}: ${line.trim()}`] : []));
  t.same(reads, [], 'fleet.ts asks the machine (isReady, isRunning, stopPending, …) instead of reading u.s');
  const m = fs.readFileSync(machine, 'utf8');
  t.equal(m.match(/\.u\.s = /g)?.length, 1, 'the machine writes the state in one place');
});
