// Secure by default: a TCP API reachable from other hosts needs tokens. Without api.tokensFile,
// supd refuses a non-loopback api.listen at start (exit 78, saying why).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { ConfigError, isLoopback, loadConfig } from '../../config/load.js';

const base = { SUPD_STATE_DIR: '/srv/supd-state' };

t.test('loopback addresses are told from the rest', async (t) => {
  for (const h of ['127.0.0.1', '127.9.8.7', 'localhost', '::1', '::ffff:127.0.0.1']) t.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.1', 'example.com', '::ffff:10.0.0.1', '128.0.0.1']) t.notOk(isLoopback(h), h);
});

t.test('a non-loopback listen without tokens is a ConfigError naming api.listen and the fix', async (t) => {
  for (const listen of ['0.0.0.0:7878', '[::]:7878', '10.1.2.3:9000', 'supd.example.com:7878']) {
    let error: unknown = null;
    try {
      loadConfig(['--listen', listen], base);
    } catch (e) {
      error = e;
    }
    t.ok(error instanceof ConfigError, listen);
    t.match((error as Error).message, /^config: api\.listen: .* is not a loopback address and api\.tokensFile is not set.*set api\.tokensFile/);
  }
});

t.test('with tokens, or on loopback, or with TCP disabled, it starts', async (t) => {
  t.same(loadConfig(['--listen', '0.0.0.0:7878', '--tokens-file', '/etc/supd/tokens.json'], base).api.listen, { host: '0.0.0.0', port: 7878 });
  t.same(loadConfig(['--listen', '127.0.0.1:7878'], base).api.listen, { host: '127.0.0.1', port: 7878 });
  t.equal(loadConfig(['--listen', ''], base).api.listen, null);
});

t.test('supd itself exits 78 and says why, before touching anything', async (t) => {
  const dir = t.testdir({ units: {} });
  const main = path.resolve('dist/daemon/main.js');
  const r = spawnSync(process.execPath, [main, '--units-dir', path.join(dir, 'units'), '--state-dir', path.join(dir, 'state'), '--listen', '0.0.0.0:0'], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 78);
  t.match(r.stderr, /supd: config: api\.listen: 0\.0\.0\.0:0 is not a loopback address and api\.tokensFile is not set/);
});
