#!/usr/bin/env node
// The `supctl` command: requires the built client, dist/cli/supctl.cjs (its everyday path bundled
// into one CommonJS file by scripts/bundle-cli.mjs; anything else it imports from dist/ on demand).
// CommonJS (bin/package.json), so Node's ES module loader is not started for `supctl status`: it
// costs more start-up than the request. A file of the source tree, so npm links it in a fresh
// clone before anything is built, and says how to build instead of failing with a
// module-not-found stack.
'use strict';
const { existsSync, mkdirSync, statSync } = require('node:fs');
const module_ = require('node:module');
const path = require('node:path');

/** A folder that is plainly this user's: owned by them, writable by no one else. */
function owned(dir) {
  const st = statSync(dir);
  return st.isDirectory() && st.uid === process.geteuid() && (st.mode & 0o022) === 0;
}

/**
 * V8's code cache for supctl's code (Node ≥ 22.1 has module.enableCompileCache; older Nodes just
 * compile). Kept in the user's own cache folder ($XDG_CACHE_HOME or ~/.cache, then supd/), never a
 * shared /tmp folder where another user could plant code a root supctl would run; and nowhere when
 * that folder is not plainly the user's (sudo keeping the caller's HOME, a HOME of /tmp).
 */
function enableCompileCache() {
  const env = process.env;
  if (typeof module_.enableCompileCache !== 'function' || env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return;
  const base = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : env.HOME?.startsWith('/') ? path.join(env.HOME, '.cache') : null;
  if (base === null) return;
  try {
    if (!(existsSync(base) ? owned(base) : owned(path.dirname(base)))) return;
    const dir = path.join(base, 'supd', 'compile-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    module_.enableCompileCache(dir);
  } catch {
    // no cache: supctl runs the same, only compiling its code every time
  }
}

const main = path.join(__dirname, '..', 'dist', 'cli', 'supctl.cjs');
if (!existsSync(main)) {
  process.stderr.write(`supctl: ${main} is missing: run \`npm run build\` in ${path.join(__dirname, '..')}\n`);
  process.exit(1);
}
enableCompileCache();
require(main);
