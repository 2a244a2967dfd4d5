// Resolution: defaults, templates and instances, extends, ${…} substitution, commands and paths.
import t from 'tap';
import { lines, load, messages, unit } from './_helpers.js';

t.test('a minimal unit gets every default', async (t) => {
  const r = load({ 'web.yaml': lines('command: [/usr/bin/web, --port, "80"]') });
  t.same(messages(r), []);
  t.same(unit(r, 'web'), {
    name: 'web',
    file: 'units/web.yaml',
    template: null,
    instance: null,
    description: '',
    argv: ['/usr/bin/web', '--port', '80'],
    cwd: null,
    env: {},
    user: null,
    group: null,
    umask: null,
    autostart: true,
    requires: [],
    after: [],
    ready: { check: null, timeout: 30_000, interval: 100, grace: 1_000 },
    health: null,
    restart: { policy: 'on-failure', delay: 1_000, maxDelay: 60_000, burst: 5, window: 60_000 },
    ports: {},
    stop: { signal: 'SIGTERM', command: null, timeout: 30_000 },
    safeStop: null,
    metadata: [],
    follows: null,
    rollout: { strategy: 'one-by-one', debounce: 2_000, auto: true, maxUnavailable: null, canary: null },
    groups: [],
    lb: null,
    envFile: [],
    preStart: [],
    limits: {},
    reload: null,
  });
});

t.test('sections get their defaults when only partly given', async (t) => {
  const r = load({
    'a.yaml': lines(
      'command: run',
      'health: {http: "http://127.0.0.1:8080/health"}',
      'safeStop: {http: "http://127.0.0.1:8080/drain"}',
      'lb: {disable: "lbctl off ${unit}"}',
      'rollout: {strategy: half-by-half}',
      'env: {N: 3, DEBUG: true, EMPTY: ""}',
      'user: 1000',
    ),
  });
  t.same(messages(r), []);
  const a = unit(r, 'a');
  t.same(a.health, { check: { kind: 'http', url: 'http://127.0.0.1:8080/health' }, interval: 10_000, timeout: 5_000, failures: 3 });
  t.same(a.safeStop, { signal: null, command: null, http: 'http://127.0.0.1:8080/drain', waitConnections: [], timeout: 600_000 });
  t.same(a.lb, { disable: ['/bin/sh', '-c', 'lbctl off a'], enable: null, timeout: 30_000 });
  t.same(a.rollout, { strategy: 'half-by-half', debounce: 2_000, auto: true, maxUnavailable: null, canary: null });
  t.same(a.env, { N: '3', DEBUG: 'true', EMPTY: '' });
  t.equal(a.user, '1000');
});

t.test('a simple string command becomes exec under /bin/sh so the pid is the program', async (t) => {
  const r = load({
    'a.yaml': lines('command: java -jar app.jar --name "two words"'),
    'b.yaml': lines('command: "cd /srv && ./run"'),
    'c.yaml': lines('command: FOO=1 ./run'),
    'd.yaml': lines('command: ./a | ./b'),
    'e.yaml': lines('command: |', '  ./prepare', '  ./run'),
    'f.yaml': lines("command: echo 'a;b' > /tmp/x"),
    'g.yaml': lines('command: [/bin/echo, "a b"]', 'stop: {command: ctl shutdown force}', 'ready: {exec: "test -e /tmp/ok"}'),
  });
  t.same(messages(r), []);
  t.same(unit(r, 'a').argv, ['/bin/sh', '-c', 'exec java -jar app.jar --name "two words"']);
  t.same(unit(r, 'b').argv, ['/bin/sh', '-c', 'cd /srv && ./run']);
  t.same(unit(r, 'c').argv, ['/bin/sh', '-c', 'FOO=1 ./run']);
  t.same(unit(r, 'd').argv, ['/bin/sh', '-c', './a | ./b']);
  t.same(unit(r, 'e').argv, ['/bin/sh', '-c', './prepare\n./run']);
  t.same(unit(r, 'f').argv, ['/bin/sh', '-c', "exec echo 'a;b' > /tmp/x"]);
  const g = unit(r, 'g');
  t.same(g.argv, ['/bin/echo', 'a b']);
  t.same(g.stop.command, ['/bin/sh', '-c', 'exec ctl shutdown force']);
  t.same(g.ready.check, { kind: 'exec', argv: ['/bin/sh', '-c', 'exec test -e /tmp/ok'] });
});

t.test('a template declares instances, each a unit with its own variables', async (t) => {
  const r = load({
    'aux@.yaml': lines(
      'command: aux --id ${instance} --heap ${vars.heap} --port ${ports.rpc}',
      'env: {NAME: "${unit}", HOST: "${host}"}',
      'ports: {rpc: "${vars.port}"}',
      'ready: {tcp: "${ports.rpc}"}',
      'instances:',
      '  aux_1: {vars: {heap: 1g, port: 9001}}',
      '  aux_2:',
      '    vars: {heap: 2g, port: 9002}',
      '    autostart: false',
    ),
  });
  t.same(messages(r), []);
  t.same(r.units.map((u) => [u.name, u.template, u.instance, u.file]), [
    ['aux_1', 'aux', 'aux_1', 'units/aux@.yaml'],
    ['aux_2', 'aux', 'aux_2', 'units/aux@.yaml'],
  ]);
  const a1 = unit(r, 'aux_1');
  const a2 = unit(r, 'aux_2');
  t.same(a1.argv, ['/bin/sh', '-c', 'exec aux --id aux_1 --heap 1g --port 9001']);
  t.same(a2.argv, ['/bin/sh', '-c', 'exec aux --id aux_2 --heap 2g --port 9002']);
  t.same(a1.env, { NAME: 'aux_1', HOST: 'testhost' });
  t.equal(a1.autostart, true);
  t.equal(a2.autostart, false);
});

t.test('a substitution filling a whole numeric field yields a number', async (t) => {
  const r = load({
    's@.yaml': lines(
      'command: run',
      'ports: {http: "${vars.port}", admin: 7000}',
      'ready: {tcp: "${ports.http}"}',
      'health: {tcp: "localhost:${ports.admin}"}',
      'safeStop: {waitConnections: ["${ports.http}", admin, 7001]}',
      'instances:',
      '  s_1: {vars: {port: "8080"}}',
    ),
  });
  t.same(messages(r), []);
  const s = unit(r, 's_1');
  t.same(s.ports, { http: 8080, admin: 7000 });
  t.same(s.ready.check, { kind: 'tcp', host: '127.0.0.1', port: 8080 });
  t.same(s.health?.check, { kind: 'tcp', host: 'localhost', port: 7000 });
  t.same(s.safeStop?.waitConnections, [8080, 7000, 7001]);
});

t.test('a substitution that does not make a port is an error at the port', async (t) => {
  const r = load({
    's@.yaml': lines('command: run', 'ports:', '  http: "${vars.port}"', 'instances:', '  s_1: {vars: {port: eighty}}'),
  });
  t.same(messages(r), ['units/s@.yaml:3:9: s_1: ports.http: expected a port number (1-65535), got "eighty"']);
});

t.test('an unknown variable is an error at the variable itself', async (t) => {
  const r = load({
    'a.yaml': lines('command: run --id ${instance}', 'env:', '  X: "${vars.nope}"', '  Y: ${hostname}'),
  });
  t.same(messages(r), [
    'units/a.yaml:1:19: command: unknown variable ${instance}: only template instances have one',
    'units/a.yaml:3:7: env.X: unknown variable ${vars.nope} (no vars are defined)',
    'units/a.yaml:4:6: env.Y: unknown variable ${hostname} (use ${instance}, ${unit}, ${host}, ${vars.NAME} or ${ports.NAME}; write $${…} for a literal ${…})',
  ]);
  t.equal(r.diagnostics[0]?.code, 'SUPD_UNIT_UNKNOWN_VARIABLE');
});

t.test('an unknown variable in a template is reported once per instance that lacks it', async (t) => {
  const r = load({
    'aux@.yaml': lines(
      'command: aux ${vars.heap}',
      'instances:',
      '  aux_1: {vars: {heap: 1g}}',
      '  aux_2: {}',
    ),
  });
  t.same(messages(r), ['units/aux@.yaml:1:14: aux_2: command: unknown variable ${vars.heap} (no vars are defined)']);
});

t.test('an instance without a command is named at its key', async (t) => {
  const r = load({ 'w@.yaml': lines('description: no command', 'instances:', '  w_1: {}') });
  t.same(messages(r), ['units/w@.yaml:3:3: instance "w_1" has no command']);
});

t.test('$${ writes a literal ${ for the shell', async (t) => {
  const r = load({ 'a.yaml': lines('command: run --home $${HOME} --u ${unit}') });
  t.same(messages(r), []);
  t.same(unit(r, 'a').argv, ['/bin/sh', '-c', 'exec run --home ${HOME} --u a']);
});

t.test('${port} in lb hooks is the first declared port; elsewhere it is unknown', async (t) => {
  const r = load({
    'a.yaml': lines(
      'command: run',
      'ports: {http: 8080, admin: 8081}',
      'lb: {disable: "lb off ${host}:${port}", enable: [lb, on, "${unit}", "${port}"]}',
    ),
  });
  t.same(messages(r), []);
  t.same(unit(r, 'a').lb?.disable, ['/bin/sh', '-c', 'lb off testhost:8080']);
  t.same(unit(r, 'a').lb?.enable, ['lb', 'on', 'a', '8080']);
  const bad = load({ 'a.yaml': lines('command: run ${port}', 'lb: {enable: "lb on ${port}"}') });
  t.same(messages(bad), [
    'units/a.yaml:1:14: command: unknown variable ${port}: it is defined in lb hooks only',
    'units/a.yaml:2:21: lb.enable: unknown variable ${port}: the unit declares no ports',
  ]);
});

t.test('extends inherits keys the unit does not set; maps merge key by key', async (t) => {
  const r = load({
    'base.yaml': lines(
      'command: base',
      'env: {A: "1", B: "2"}',
      'ports: {http: 8000}',
      'restart: {policy: always, delay: 5s}',
      'groups: [web]',
    ),
    'child.yaml': lines('extends: base', 'env: {B: "3", C: "4"}', 'ports: {http: 8001, admin: 8002}', 'restart: {burst: 1}'),
  });
  t.same(messages(r), []);
  const c = unit(r, 'child');
  t.same(c.argv, ['/bin/sh', '-c', 'exec base']);
  t.same(c.env, { A: '1', B: '3', C: '4' });
  t.same(c.ports, { http: 8001, admin: 8002 });
  // restart is replaced whole: policy and delay fall back to defaults.
  t.same(c.restart, { policy: 'on-failure', delay: 1_000, maxDelay: 60_000, burst: 1, window: 60_000 });
  t.same(c.groups, ['web']);
});

t.test('an instance without a var falls back to its master via extends', async (t) => {
  const r = load({
    'vdp.yaml': lines('command: vdp', 'vars: {jvm: -Xmx8g, site: tokyo}', 'ports: {rpc: 9000}'),
    'aux@.yaml': lines(
      'command: aux ${vars.jvm} --site ${vars.site} --rpc ${ports.rpc}',
      'ports: {rpc: "${vars.rpc}"}',
      'vars: {site: osaka}',
      'instances:',
      '  aux_1: {vars: {jvm: -Xmx1g, rpc: 9001}}',
      '  aux_2: {extends: vdp, vars: {rpc: 9002}}',
    ),
  });
  t.same(messages(r), []);
  t.same(unit(r, 'aux_1').argv, ['/bin/sh', '-c', 'exec aux -Xmx1g --site osaka --rpc 9001']);
  // aux_2 has no vars.jvm: it comes from vdp; the template's own keys still win over vdp's.
  t.same(unit(r, 'aux_2').argv, ['/bin/sh', '-c', 'exec aux -Xmx8g --site osaka --rpc 9002']);
  t.same(unit(r, 'aux_2').ports, { rpc: 9002 });
  t.same(unit(r, 'vdp').ports, { rpc: 9000 });
});

t.test('extends follows chains, and instances may extend other instances', async (t) => {
  const r = load({
    'a.yaml': lines('command: a', 'description: from a', 'env: {A: "1"}'),
    'b.yaml': lines('extends: a', 'env: {B: "1"}'),
    'm@.yaml': lines('extends: b', 'instances:', '  m_1: {env: {M: "1"}}', '  m_2: {extends: m_1, description: "${instance}"}'),
  });
  t.same(messages(r), []);
  t.same(unit(r, 'm_1').env, { A: '1', B: '1', M: '1' });
  t.equal(unit(r, 'm_1').description, 'from a');
  t.same(unit(r, 'm_2').env, { A: '1', B: '1', M: '1' });
  t.equal(unit(r, 'm_2').description, 'm_2');
});

t.test('an extends cycle is an error naming the whole cycle', async (t) => {
  const r = load({
    'a.yaml': lines('command: a', 'extends: c'),
    'b.yaml': lines('extends: a'),
    'c.yaml': lines('description: c', 'extends: b'),
  });
  t.same(messages(r), ['units/b.yaml:1:10: extends "a": extends cycle a → c → b → a']);
  t.equal(r.diagnostics[0]?.code, 'SUPD_UNIT_EXTENDS_CYCLE');
  t.same(r.units, []);
});

t.test('extends of an unknown unit is an error at the name', async (t) => {
  const r = load({ 'a.yaml': lines('command: a'), 'b.yaml': lines('command: b', 'extends: nope') });
  t.same(messages(r), ['units/b.yaml:2:10: extends "nope": no such unit (known: a, b)']);
});

t.test('a bad inherited value is reported where it is written, naming the unit', async (t) => {
  const r = load({
    'base.yaml': lines('command: base', 'ready:', '  http: "${vars.url}"', 'vars: {url: "http://x/"}'),
    'child.yaml': lines('extends: base', 'vars: {url: "gopher://x/"}'),
  });
  t.same(messages(r), [
    'units/base.yaml:3:9: child: ready.http: expected an http:// or https:// URL, got "gopher://x/"',
  ]);
});

t.test('requirements parse into units, tcp and http endpoints', async (t) => {
  const r = load({
    'a.yaml': lines('command: a'),
    'b.yaml': lines('command: b', 'requires: [a, "tcp://db.local:5432", "tcp://[::1]:6379", "https://auth.local/health"]'),
  });
  t.same(messages(r), []);
  t.same(unit(r, 'b').requires, [
    { kind: 'unit', name: 'a' },
    { kind: 'tcp', host: 'db.local', port: 5432, raw: 'tcp://db.local:5432' },
    { kind: 'tcp', host: '::1', port: 6379, raw: 'tcp://[::1]:6379' },
    { kind: 'http', url: 'https://auth.local/health', raw: 'https://auth.local/health' },
  ]);
  const bad = load({ 'b.yaml': lines('command: b', 'requires:', '  - tcp://db.local', '  - redis://x:1') });
  t.same(messages(bad), [
    'units/b.yaml:3:5: requires[0]: expected tcp://host:port, got "tcp://db.local"',
    'units/b.yaml:4:5: requires[1]: unsupported requirement "redis://x:1" (use a unit name, tcp://host:port or an http(s):// URL)',
  ]);
});

t.test('waitConnections names must be in ports', async (t) => {
  const r = load({
    'a.yaml': lines('command: a', 'ports: {http: 80}', 'safeStop:', '  waitConnections: [http, https]'),
  });
  t.same(messages(r), [
    'units/a.yaml:4:27: safeStop.waitConnections[1]: "https" is neither a port number nor a name in ports (ports: http)',
  ]);
  t.equal(r.diagnostics[0]?.code, 'SUPD_UNIT_UNKNOWN_PORT');
});

t.test('cwd and metadata globs are absolute or relative to the unit file folder', async (t) => {
  const r = load({
    'a.yaml': lines('command: a', 'cwd: ../srv/a', 'metadata: [meta/*.conf, /etc/a/*.json]'),
    'b.yaml': lines('command: b', 'cwd: /opt/b', 'metadata: "b.meta"'),
  });
  t.same(messages(r), []);
  const base = process.cwd();
  t.equal(unit(r, 'a').cwd, `${base}/srv/a`);
  t.same(unit(r, 'a').metadata, [`${base}/units/meta/*.conf`, '/etc/a/*.json']);
  t.equal(unit(r, 'b').cwd, '/opt/b');
  t.same(unit(r, 'b').metadata, [`${base}/units/b.meta`]);
});
