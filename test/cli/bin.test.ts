// The built `supctl` (node bin/supctl.js, which runs dist/cli/supctl.cjs; `npm test` builds first) against a real API server:
// the exit codes a script sees, 0 to 4, and the messages beside them.
import t from 'tap';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { okResult } from '../fakes/control.js';
import { bin, BIN, binBuilt, daemon, ROOT, shortTempDir } from './helpers.js';

if (!binBuilt()) {
  t.fail(`${BIN} is missing: run \`npm run build\` first (npm test does)`);
} else {
  t.test('0: status over the socket prints the table', async (t) => {
    const d = await daemon(t);
    const r = await bin(t, ['--socket', d.socket, 'status']);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /^UNIT\s+STATE/);
    t.match(r.stdout, /^db\s+ready\s+900/m);
  });

  t.test('0: --version prints the package version; every command has --help', async (t) => {
    const version = await bin(t, ['--version']);
    t.equal(version.code, 0);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    t.equal(version.stdout, `supctl ${pkg.version}\n`, 'as supd --version prints `supd VERSION`');
    const help = await bin(t, ['logs', '--help']);
    t.equal(help.code, 0);
    t.match(help.stdout, /-f, --follow/);
  });

  t.test('1: a unit that did not become ready, with its last log lines', async (t) => {
    const d = await daemon(t);
    d.control.onCommand = (req) => ({
      ...okResult(req, ['web_1']), ok: false,
      failures: [{ unit: 'web_1', reason: 'not ready after 30s', logTail: ['panic: address in use'] }],
    });
    const r = await bin(t, ['--socket', d.socket, 'start', 'web_1']);
    t.equal(r.code, 1);
    t.match(r.stderr, 'supctl: start web_1 failed: web_1: not ready after 30s');
    t.match(r.stderr, '  panic: address in use');
  });

  t.test('2: a usage error', async (t) => {
    const r = await bin(t, ['restart', '--rolling', 'sideways', 'web']);
    t.equal(r.code, 2);
    t.match(r.stderr, /argument 'sideways' is invalid/);
  });

  t.test('3: no daemon on the socket', async (t) => {
    const socket = path.join(shortTempDir(t), 'supd.sock');
    const r = await bin(t, ['status'], { SUPD_SOCKET: socket });
    t.equal(r.code, 3);
    t.equal(r.stderr, `supctl: cannot reach supd at ${socket}: no such socket (is supd running?)\nhint: supd listens on <stateDir>/supd.sock: point supctl at it with --socket PATH or SUPD_SOCKET=PATH (or export SUPD_STATE_DIR=DIR for both supd and supctl)\n`);
  });

  t.test('4: refused over TCP without a token, and for a viewer stopping a unit', async (t) => {
    const d = await daemon(t, { tcp: true });
    t.equal((await bin(t, ['--host', d.url, 'status'])).code, 4);
    t.equal((await bin(t, ['--host', d.url, 'stop', 'db'], { SUPCTL_TOKEN: 'viewer-token' })).code, 4);
    t.equal((await bin(t, ['--host', d.url, 'stop', 'db'], { SUPCTL_TOKEN: 'operator-token' })).code, 0);
  });

  // Node >= 22.1: V8's code cache under the user's own ~/.cache, never in a folder others can write
  // (where a planted entry would be code a root supctl runs).
  const noCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache !== 'function';
  t.test('the compile cache is kept in the user\'s own cache folder, and nowhere shared', { skip: noCache && 'this Node has no module.enableCompileCache' }, async (t) => {
    const home = shortTempDir(t);
    t.equal((await bin(t, ['--version'], { HOME: home })).code, 0);
    const cache = path.join(home, '.cache', 'supd', 'compile-cache');
    t.ok(existsSync(cache), 'in ~/.cache/supd/compile-cache');
    t.equal(statSync(cache).mode & 0o777, 0o700, 'private to the user');

    const shared = shortTempDir(t);
    chmodSync(shared, 0o1777);
    t.equal((await bin(t, ['--version'], { HOME: shared })).code, 0, 'supctl runs the same without a cache');
    t.notOk(existsSync(path.join(shared, '.cache')), 'nothing written under a world-writable HOME');
  });
}
