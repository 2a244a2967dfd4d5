#!/usr/bin/env node
// Writes the unit lifecycle diagram, drawn from the machine's table, into README.md between its
// markers. `npm run diagram` builds first; test/core/diagram.test.ts fails when they differ.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withDiagram, DIAGRAM_BEGIN } from '../dist/daemon/core/diagram.js';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const text = fs.readFileSync(readme, 'utf8');
const next = withDiagram(text);
if (next === null) {
  process.stderr.write(`diagram: README.md has no ${DIAGRAM_BEGIN} … end markers\n`);
  process.exit(1);
}
if (next === text) {
  process.stdout.write('diagram: README.md is up to date\n');
} else {
  fs.writeFileSync(readme, next);
  process.stdout.write('diagram: README.md updated\n');
}
