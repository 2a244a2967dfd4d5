#!/usr/bin/env -S node --max-semi-space-size=1 --expose-gc --no-memory-reducer --v8-pool-size=1
// The `supd` command: runs the built daemon (dist/daemon/main.js; its header explains the node flag).
// A file of the source tree, so npm links it in a fresh clone before anything is built, and says
// how to build instead of failing with a module-not-found stack. CommonJS like everything in bin/
// (bin/package.json, for supctl's start-up); the daemon itself is an ES module, imported.
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const main = path.join(__dirname, '..', 'dist', 'daemon', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`supd: ${main} is missing: run \`npm run build\` in ${path.join(__dirname, '..')}\n`);
  process.exit(1);
}
import(pathToFileURL(main).href).catch((e) => {
  // as an uncaught error in the module would have ended it
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
