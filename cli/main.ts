#!/usr/bin/env node
// The supctl executable: the only place that reads argv, the environment and the package
// version; everything else is cli/program.ts, which tests drive in-process.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './program.js';

/** The package.json above this file: ../ from the sources, ../../ from dist/. */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && 'name' in pkg && pkg.name === 'supd' && 'version' in pkg) {
        return String(pkg.version);
      }
    } catch {
      // no package.json here: keep climbing
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

// `supctl status | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

void runCli(process.argv.slice(2), {
  stdout: (text) => { process.stdout.write(text); },
  stderr: (text) => { process.stderr.write(text); },
  env: process.env,
  cwd: process.cwd(),
  // Read only for --version (and the help): the everyday commands never climb to package.json.
  get version() {
    return packageVersion();
  },
  ...(process.stdout.isTTY ? { terminal: { columns: process.stdout.columns } } : {}),
}).then((code) => {
  process.exitCode = code;
});
