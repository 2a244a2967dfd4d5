#!/usr/bin/env -S node --max-semi-space-size=1 --expose-gc
// The `supd` command: runs the built daemon (dist/daemon/main.js; its header explains the node flag).
// A file of the source tree, so npm links it in a fresh clone before anything is built, and says
// how to build instead of failing with a module-not-found stack.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/daemon/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(`supd: ${fileURLToPath(main)} is missing: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(1);
}
await import(main.href);
