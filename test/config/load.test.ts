import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig, requestedInfo, supdVersion, usage } from '../../config/load.js';
import { isSupdError } from '../../daemon/errors.js';

const base = { SUPD_STATE_DIR: '/srv/supd-state' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

t.test('root keeps its state in /var/lib/supd', { skip: process.getuid?.() === 0 ? false : 'not root' }, async (t) => {
  t.equal(loadConfig([], {}).stateDir, '/var/lib/supd');
  t.equal(loadConfig([], {}).api.socket, '/var/lib/supd/supd.sock');
});

t.test('defaults derive the socket and log dir from the state dir and resolve paths', async (t) => {
  const cfg = loadConfig([], base, { cwd: '/opt/app' });
  t.equal(cfg.unitsDir, '/opt/app/units');
  t.equal(cfg.stateDir, '/srv/supd-state');
  t.equal(cfg.logDir, '/srv/supd-state/logs');
  t.equal(cfg.api.socket, '/srv/supd-state/supd.sock');
  t.same(cfg.api.listen, { host: '127.0.0.1', port: 7878 });
  t.equal(cfg.api.tokensFile, null);
  t.equal(cfg.log.level, 'info');
  t.equal(cfg.shutdown.safe, false);
  t.equal(cfg.shutdown.timeout, 15 * 60_000);
  t.equal(cfg.logs.maxSize, 64 * 1024 * 1024);
  t.equal(cfg.logs.keep, 5);
  t.equal(cfg.stats.interval, 5000);
  t.equal(cfg.portWait, 10_000);
  t.ok(cfg.host.length > 0);
  t.equal(cfg.configFile, null);
});

t.test('the state dir defaults to XDG_STATE_HOME for a non-root user', { skip: process.getuid?.() === 0 ? 'running as root' : false }, async (t) => {
  const cfg = loadConfig([], { XDG_STATE_HOME: '/home/u/.state' });
  t.equal(cfg.stateDir, '/home/u/.state/supd');
});

t.test('a flag beats the environment, which beats the file', async (t) => {
  const dir = t.testdir({ 'supd.yaml': 'logs:\n  keep: 2\nlog:\n  level: warn\n' });
  const file = path.join(dir, 'supd.yaml');
  t.equal(loadConfig(['--config', file], base).logs.keep, 2);
  t.equal(loadConfig(['--config', file], { ...base, SUPD_LOGS_KEEP: '3' }).logs.keep, 3);
  t.equal(loadConfig(['--config', file, '--logs-keep', '4'], { ...base, SUPD_LOGS_KEEP: '3' }).logs.keep, 4);
  t.equal(loadConfig(['--config', file, '--logs-keep=7'], base).logs.keep, 7);
  t.equal(loadConfig(['--config', file], base).log.level, 'warn', 'keys the file sets stay set');
});

t.test('a JSON file loads like a YAML one', async (t) => {
  const dir = t.testdir({
    'supd.json': JSON.stringify({ unitsDir: '/etc/supd/units', api: { listen: '0.0.0.0:9000', tokensFile: '/etc/supd/tokens.json' } }),
    'supd.yml': 'unitsDir: /etc/supd/units\napi:\n  listen: "0.0.0.0:9000"\n  tokensFile: /etc/supd/tokens.json\n',
  });
  for (const name of ['supd.json', 'supd.yml']) {
    const cfg = loadConfig(['--config', path.join(dir, name)], base);
    t.equal(cfg.unitsDir, '/etc/supd/units', name);
    t.same(cfg.api.listen, { host: '0.0.0.0', port: 9000 }, name);
    t.equal(cfg.api.tokensFile, '/etc/supd/tokens.json', name);
    t.equal(cfg.configFile, path.join(dir, name));
  }
});

t.test('SUPD_CONFIG names the file when --config is absent', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'portWait: 3s\n' });
  t.equal(loadConfig([], { ...base, SUPD_CONFIG: path.join(dir, 'c.yaml') }).portWait, 3000);
});

t.test('an empty file sets nothing', async (t) => {
  const dir = t.testdir({ 'empty.yaml': '' });
  t.equal(loadConfig(['--config', path.join(dir, 'empty.yaml')], base).logs.keep, 5);
});

t.test('sizes and durations are read with their units', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'logs:\n  maxSize: 512KB\nshutdown:\n  timeout: 2m\nstats:\n  interval: 250ms\n' });
  const cfg = loadConfig(['--config', path.join(dir, 'c.yaml')], { ...base, SUPD_PORT_WAIT: '1h' });
  t.equal(cfg.logs.maxSize, 512 * 1024);
  t.equal(cfg.shutdown.timeout, 120_000);
  t.equal(cfg.stats.interval, 250);
  t.equal(cfg.portWait, 3_600_000);
  t.equal(loadConfig(['--port-wait', '1m30s'], base).portWait, 90_000, 'the unit files\' grammar: terms combine');
  t.equal(loadConfig(['--logs-max-size', '1GB'], base).logs.maxSize, 1024 ** 3);
  t.equal(loadConfig(['--logs-max-size', '4096'], base).logs.maxSize, 4096);
  const json = t.testdir({ 'c.json': '{"logs": {"maxSize": 1000}, "portWait": 1500}' });
  const fromNumbers = loadConfig(['--config', path.join(json, 'c.json')], base);
  t.equal(fromNumbers.logs.maxSize, 1000, 'a number in a file is bytes');
  t.equal(fromNumbers.portWait, 1500, 'a number in a file is ms');
});

t.test("--listen '' disables TCP, and an IPv6 address is accepted", async (t) => {
  t.equal(loadConfig(['--listen', ''], base).api.listen, null);
  t.equal(loadConfig([], { ...base, SUPD_API_LISTEN: '' }).api.listen, null);
  t.same(loadConfig(['--listen', '[::1]:7878'], base).api.listen, { host: '::1', port: 7878 });
});

t.test('explicit paths win over the state-dir defaults', async (t) => {
  const cfg = loadConfig(['--socket', 'run/s.sock', '--log-dir', '/var/log/supd', '--state-dir', 'st'], {}, { cwd: '/w' });
  t.equal(cfg.api.socket, '/w/run/s.sock');
  t.equal(cfg.logDir, '/var/log/supd');
  t.equal(cfg.stateDir, '/w/st');
});

t.test('a boolean flag works bare, negated and with a value', async (t) => {
  t.equal(loadConfig(['--safe-shutdown'], base).shutdown.safe, true);
  t.equal(loadConfig(['--no-safe-shutdown'], { ...base, SUPD_SHUTDOWN_SAFE: 'true' }).shutdown.safe, false);
  t.equal(loadConfig(['--safe-shutdown=false'], base).shutdown.safe, false);
  t.equal(loadConfig([], { ...base, SUPD_SHUTDOWN_SAFE: 'yes' }).shutdown.safe, true);
});

t.test('a bad value names the key, the value and where it came from', async (t) => {
  const e = configError(() => loadConfig(['--listen', 'nope'], base));
  t.equal(e.message, 'config: api.listen: must be host:port (or empty to disable), got "nope" (from --listen)');
  t.match(configError(() => loadConfig([], { ...base, SUPD_LOGS_KEEP: '0' })).message, /^config: logs\.keep: .*got 0 \(from SUPD_LOGS_KEEP\)$/);
  t.match(configError(() => loadConfig([], { ...base, SUPD_LOG_LEVEL: 'loud' })).message, /^config: log\.level: must be one of fatal, error/);
  t.match(configError(() => loadConfig([], { ...base, SUPD_SHUTDOWN_SAFE: 'maybe' })).message, /^config: shutdown\.safe: must be true or false/);
  t.match(configError(() => loadConfig(['--port-wait', '10'], base)).message, /^config: portWait: must be a duration such as 250ms/);
  t.match(configError(() => loadConfig(['--logs-max-size', 'huge'], base)).message, /^config: logs\.maxSize: must be a size/);
  const dir = t.testdir({ 'c.yaml': 'logs:\n  keep: many\n' });
  const file = path.join(dir, 'c.yaml');
  t.equal(configError(() => loadConfig(['--config', file], base)).message, `config: logs.keep: must be a whole number of at least 1, got "many" (in ${file})`);
});

t.test('an unknown key in the file is named with the file', async (t) => {
  const dir = t.testdir({ 'top.yaml': 'foo: 1\n', 'nested.json': '{"api": {"listn": "1.2.3.4:5"}}', 'scalar.yaml': 'api: 5\n' });
  const top = path.join(dir, 'top.yaml');
  t.equal(configError(() => loadConfig(['--config', top], base)).message, `config: unknown key "foo" in ${top}`);
  const nested = path.join(dir, 'nested.json');
  t.equal(configError(() => loadConfig(['--config', nested], base)).message, `config: unknown key "api.listn" in ${nested}`);
  t.match(configError(() => loadConfig(['--config', path.join(dir, 'scalar.yaml')], base)).message, /^config: api: must be a section of settings, got 5/);
});

t.test('an unreadable or malformed file is named', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'api:\n  listen: [\n', 'bad.json': '{"api": ', 'list.yaml': '- a\n- b\n' });
  const missing = path.join(dir, 'nope.yaml');
  t.match(configError(() => loadConfig(['--config', missing], base)).message, `config: cannot read ${missing}: ENOENT`);
  for (const name of ['bad.yaml', 'bad.json', 'list.yaml']) {
    t.match(configError(() => loadConfig(['--config', path.join(dir, name)], base)).message, `config: ${path.join(dir, name)}: `, name);
  }
});

t.test('flags that cannot be read are refused', async (t) => {
  t.equal(configError(() => loadConfig(['--units'], base)).message, 'config: unknown flag --units');
  t.equal(configError(() => loadConfig(['--listen'], base)).message, 'config: flag --listen needs a value');
  t.equal(configError(() => loadConfig(['--units-dir', '--state-dir', '/x'], base)).message, 'config: flag --units-dir needs a value');
  t.equal(configError(() => loadConfig(['units'], base)).message, 'config: unexpected argument "units"');
});

t.test('a ConfigError is a SupdError that exits 78', async (t) => {
  const e = configError(() => loadConfig(['--listen', 'x'], base));
  t.ok(isSupdError(e));
  t.equal(e.code, 'SUPD_CONFIG');
  t.equal(e.exitCode, 78);
});

t.test('--help and --version are recognised and usage lists every flag', async (t) => {
  t.equal(requestedInfo(['--units-dir', 'x', '--help']), 'help');
  t.equal(requestedInfo(['-h']), 'help');
  t.equal(requestedInfo(['--version']), 'version');
  t.equal(requestedInfo(['--listen', '']), null);
  const text = usage();
  for (const flag of ['--config', '--units-dir', '--state-dir', '--log-dir', '--socket', '--listen', '--tokens-file', '--log-level',
    'safe-shutdown', '--shutdown-timeout', '--logs-max-size', '--logs-keep', '--stats-interval', '--port-wait', '--host', '--help', '--version']) {
    t.match(text, flag);
  }
  t.match(text, 'SUPD_API_LISTEN');
  const pkg: unknown = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  t.equal(supdVersion(), (pkg as { version: string }).version);
  t.doesNotThrow(() => loadConfig(['--help'], base), 'loadConfig itself ignores --help');
});
