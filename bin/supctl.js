#!/usr/bin/env node
// The `supctl` command: runs the built client (dist/cli/main.js).
// A file of the source tree, so npm links it in a fresh clone before anything is built, and says
// how to build instead of failing with a module-not-found stack.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(`supctl: ${fileURLToPath(main)} is missing: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(1);
}
await import(main.href);
