// One file's own problems: YAML syntax, unknown keys, wrong types and values, template rules.
import t from 'tap';
import { lines, load, messages, unit } from './_helpers.js';

t.test('a YAML syntax error names file, line and column, and no unit is loaded', async (t) => {
  const r = load({ 'a.yaml': lines('command: run', 'requires: [b, c', 'autostart: true') });
  t.same(r.units, []);
  t.equal(r.diagnostics.length, 1);
  t.match(messages(r)[0], /^units\/a\.yaml:3:1: YAML: /);
  t.equal(r.diagnostics[0]?.code, 'SUPD_UNIT_YAML');
});

t.test('a duplicate key is a YAML error at the second key', async (t) => {
  const r = load({ 'a.yaml': lines('command: run', 'autostart: true', 'command: other') });
  t.same(messages(r), ['units/a.yaml:3:1: YAML: Map keys must be unique']);
});

t.test('an unknown key is reported at the key, with the likely intended key', async (t) => {
  const r = load({ 'a.yaml': lines('command: run', 'ready:', '  tcp: 80', '  timout: 5s', 'comand: x') });
  t.same(messages(r), [
    'units/a.yaml:4:3: ready: unknown key "timout" (did you mean "timeout"?)',
    'units/a.yaml:5:1: unknown key "comand" (did you mean "command"?)',
  ]);
  t.equal(r.diagnostics[0]?.code, 'SUPD_UNIT_UNKNOWN_KEY');
});

t.test('a value of the wrong type is reported at the value', async (t) => {
  const r = load({
    'a.yaml': lines('command: run', 'autostart: "yes"', 'requires: b', 'health: {tcp: 80, failures: 0}'),
  });
  t.same(messages(r), [
    'units/a.yaml:2:12: autostart: expected true or false, got "yes"',
    'units/a.yaml:3:11: requires: expected a list of unit names, tcp://host:port or http(s):// URLs, got "b"',
    'units/a.yaml:4:29: health.failures: expected a count of at least 1, got 0',
  ]);
});

t.test('a key written without a value is reported at the key', async (t) => {
  const r = load({ 'a.yaml': lines('command: a', 'ready:', 'autostart: true') });
  t.same(messages(r), [
    'units/a.yaml:2:1: ready: expected a map with one of tcp, http, exec, log, and timeout, interval, grace, got nothing',
  ]);
});

t.test('a unit file must be a map', async (t) => {
  t.same(messages(load({ 'a.yaml': lines('- command: a') })), ['units/a.yaml:1:1: unit file: expected a map of unit keys, got a list']);
});

t.test('a command must be a string or a list of strings', async (t) => {
  const r = load({ 'a.yaml': lines('command: [java, 5]', 'stop:', '  command: {a: 1}') });
  t.same(messages(r), [
    'units/a.yaml:1:17: command[1]: expected a string, got 5',
    'units/a.yaml:3:12: stop.command: expected a command: a string run by /bin/sh -c, or an argv list of strings, got a map',
  ]);
});

t.test('durations need a unit', async (t) => {
  const r = load({ 'a.yaml': lines('command: run', 'restart:', '  delay: 5', '  window: 1 minute', 'stop: {timeout: 10s}') });
  t.same(messages(r), [
    'units/a.yaml:3:10: restart.delay: expected a duration with a unit, like 250ms, 2s, 5m or 1h, got 5',
    'units/a.yaml:4:11: restart.window: expected a duration with a unit, like 250ms, 2s, 5m or 1h, got "1 minute"',
  ]);
});

t.test('durations become milliseconds; 0ms and 0 are valid', async (t) => {
  const r = load({
    'a.yaml': lines('command: run', 'restart: {delay: 0ms, maxDelay: 1m30s, window: 1.5h}', 'stop: {timeout: 0}', 'safeStop: {timeout: 1d}'),
  });
  t.same(messages(r), []);
  const a = unit(r, 'a');
  t.same([a.restart.delay, a.restart.maxDelay, a.restart.window, a.stop.timeout, a.safeStop?.timeout], [0, 90_000, 5_400_000, 0, 86_400_000]);
});

t.test('an unknown signal is an error; a name without SIG is normalised', async (t) => {
  const bad = load({ 'a.yaml': lines('command: run', 'stop: {signal: SIGFOO}') });
  t.same(messages(bad), [
    'units/a.yaml:2:16: stop.signal: expected a signal name: SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGKILL, SIGCONT, SIGSTOP or SIGWINCH, got "SIGFOO"',
  ]);
  const good = load({ 'a.yaml': lines('command: run', 'stop: {signal: INT}', 'safeStop: {signal: SIGUSR1}') });
  t.equal(unit(good, 'a').stop.signal, 'SIGINT');
  t.equal(unit(good, 'a').safeStop?.signal, 'SIGUSR1');
});

t.test('a bad enum value lists the allowed ones', async (t) => {
  const r = load({ 'a.yaml': lines('command: run', 'restart:', '  policy: sometimes') });
  t.same(messages(r), ['units/a.yaml:3:11: restart.policy: expected always, on-failure or never, got "sometimes"']);
});

t.test('ready takes at most one check, health exactly one', async (t) => {
  const r = load({
    'a.yaml': lines('command: run', 'ready: {tcp: 80, http: "http://127.0.0.1/"}', 'health:', '  interval: 5s'),
  });
  t.same(messages(r), [
    'units/a.yaml:2:1: ready: give at most one of tcp, http, exec, log (found tcp and http)',
    'units/a.yaml:3:1: health: give one of tcp, http, exec, log',
  ]);
});

t.test('checks are validated: tcp target, http URL, log regex', async (t) => {
  const r = load({
    'a.yaml': lines('command: run', 'ready: {tcp: "localhost:x"}'),
    'b.yaml': lines('command: run', 'ready: {http: "ftp://x/"}'),
    'c.yaml': lines('command: run', 'ready: {log: "listening (on"}'),
  });
  t.same(messages(r), [
    'units/a.yaml:2:14: ready.tcp: expected a port number or host:port, got "localhost:x"',
    'units/b.yaml:2:15: ready.http: expected an http:// or https:// URL, got "ftp://x/"',
    'units/c.yaml:2:14: ready.log: not a valid regular expression (Invalid regular expression: /listening (on/: Unterminated group)',
  ]);
});

t.test('a unit without a command is an error at the start of its file', async (t) => {
  const r = load({ 'a.yaml': lines('description: nothing to run') });
  t.same(messages(r), ['units/a.yaml:1:1: unit "a" has no command']);
  const empty = load({ 'b.yaml': '' });
  t.same(messages(empty), ['units/b.yaml:1:1: unit "b" has no command']);
});

t.test('instances belong to template files only', async (t) => {
  const r = load({ 'a.yaml': lines('command: run', 'instances:', '  a_1: {}') });
  t.same(messages(r), ['units/a.yaml:2:1: instances: only a template file (a@.yaml) may declare instances']);
});

t.test('a template must declare instances', async (t) => {
  const none = load({ 'aux@.yaml': lines('command: run') });
  t.same(messages(none), ['units/aux@.yaml:1:1: template "aux" declares no instances']);
  const empty = load({ 'aux@.yaml': lines('command: run', 'instances: {}') });
  t.same(messages(empty), ['units/aux@.yaml:2:1: template "aux" declares no instances']);
});

t.test('an unknown key inside an instance entry points into the entry', async (t) => {
  const r = load({ 'aux@.yaml': lines('command: run', 'instances:', '  aux_1:', '    vars: {a: 1}', '    port: 80') });
  t.same(messages(r), ['units/aux@.yaml:5:5: instances.aux_1: unknown key "port" (did you mean "ports"?)']);
});

t.test('unit and instance names must be usable names, and "all" is reserved', async (t) => {
  const r = load({
    'all.yaml': lines('command: run'),
    'aux@.yaml': lines('command: run', 'instances:', '  "bad name": {}'),
  });
  t.same(messages(r), [
    'units/all.yaml:1:1: unit name "all" (from the file name) is reserved (it means every unit)',
    'units/aux@.yaml:3:3: instance name "bad name" is not a valid unit name (use letters, digits, _ . - (not starting with . or -))',
  ]);
});

t.test('umask accepts an octal string, including a plain 0022', async (t) => {
  const r = load({ 'a.yaml': lines('command: run', 'umask: 0022'), 'b.yaml': lines('command: run', 'umask: "027"') });
  t.same(messages(r), []);
  t.equal(unit(r, 'a').umask, 0o22);
  t.equal(unit(r, 'b').umask, 0o27);
  const bad = load({ 'a.yaml': lines('command: run', 'umask: "0999"') });
  t.same(messages(bad), ['units/a.yaml:2:8: umask: expected an octal umask like "0022", got "0999"']);
});

t.test('YAML merge keys work, and positions follow them', async (t) => {
  const r = load({
    'a.yaml': lines('x-common: &common', '  autostart: false', 'command: run'),
  });
  // x-common is not a unit key: extension blocks are not allowed.
  t.same(messages(r), ['units/a.yaml:1:1: unknown key "x-common" (known: description, command, cwd, env, user, group, umask, autostart, requires, after, ready, health, restart, ports, stop, safeStop, metadata, follows, rollout, groups, lb, envFile, preStart, limits, reload, extends, vars, instances)']);
  const merged = load({
    'a.yaml': lines('command: run', 'restart:', '  <<: {policy: always, delay: 2s}', '  burst: "x"'),
  });
  t.same(messages(merged), ['units/a.yaml:4:10: restart.burst: expected a count (0 or more), got "x"']);
  const inherited = load({
    'a.yaml': lines('command: run', 'stop: &s {timeout: 2s}', 'safeStop:', '  <<: [{timeout: 5}, *s]'),
  });
  t.same(messages(inherited), ['units/a.yaml:4:18: safeStop.timeout: expected a duration with a unit, like 250ms, 2s, 5m or 1h, got 5']);
  const good = load({ 'a.yaml': lines('command: run', 'restart:', '  <<: {policy: always, delay: 2s}', '  delay: 3s') });
  t.same(messages(good), []);
  t.same([unit(good, 'a').restart.policy, unit(good, 'a').restart.delay], ['always', 3000]);
});

t.test('an alias to a missing anchor is a YAML error, not a crash', async (t) => {
  const r = load({ 'a.yaml': lines('command: run', 'restart:', '  <<: *nowhere') });
  t.equal(r.diagnostics.length, 1);
  t.match(messages(r)[0], /^units\/a\.yaml:\d+:\d+: YAML: /);
});

t.test('a key that is a list or a map is a YAML error at that key, not a key turned into a string', async (t) => {
  const r = load({
    'a.yaml': lines('command: run', 'env:', '  ? [A, B]', '  : x'),
    'b.yaml': lines('command: run', 'env: {{A: 1}: x}'),
  });
  t.same(r.units, []);
  t.same(messages(r), [
    'units/a.yaml:3:5: YAML: a key must be a plain value; this one is a list or a map',
    'units/b.yaml:2:7: YAML: a key must be a plain value; this one is a list or a map',
  ]);
});
