// Issue 2's "done when", end to end: the real supd and supctl, real children, order asserted from
// the event stream and /proc, never from sleeps.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Supd, ROOT, alive, assertBuilt, descendants, fixture, freePort } from './harness.js';

assertBuilt();

t.test('master/slaves: the master is ready before a slave spawns, slaves stop before the master, aux_2 gets the master options', async (t) => {
  const supd = await new Supd(t, { unitsDir: path.join(ROOT, 'examples', 'vdp', 'units') }).start();
  await supd.waitState('aux_1', 'ready');
  await supd.waitState('aux_2', 'ready');
  const tr = supd.transitions();
  const masterReady = tr.findIndex((e) => e.unit === 'vdp' && e.to === 'ready');
  const firstSlaveStart = tr.findIndex((e) => e.unit.startsWith('aux_') && e.to === 'starting');
  t.ok(masterReady >= 0 && masterReady < firstSlaveStart, 'vdp ready before any slave starts');
  const shown = await supd.ctl('show', 'aux_2');
  const master = await supd.ctl('show', 'vdp');
  const jvm = /-Xm\S+/.exec(master.stdout)?.[0];
  t.ok(jvm, 'the master has jvm options');
  t.match(shown.stdout, jvm, 'aux_2 runs with the master\'s jvm options');
  const from = supd.events.length;
  const stop = await supd.ctl('stop', 'all');
  t.equal(stop.code, 0, stop.stderr);
  const after = supd.transitions().filter((e, i) => i >= 0 && supd.events.indexOf(e) >= from);
  const masterStopping = after.findIndex((e) => e.unit === 'vdp' && e.to === 'stopping');
  const slavesDown = after.filter((e) => e.unit.startsWith('aux_') && e.to === 'inactive').map((e) => after.indexOf(e));
  t.equal(slavesDown.length, 2, 'both slaves stopped');
  t.ok(slavesDown.every((i) => i < masterStopping), 'both slaves ended before the master was signalled');
});

t.test('archive → proxy → storage: spawn and ready order; restart proxy leaves the other pids alone', async (t) => {
  const [pa, pp, ps] = [await freePort(), await freePort(), await freePort()];
  const unit = (port: number, extra = ''): string => `command: ${fixture('tcp-server.js', '--port', port)}\nready: {tcp: ${port}}\nautostart: false\n${extra}`;
  const supd = await new Supd(t, {
    units: { archive: unit(pa), proxy: unit(pp, 'requires: [archive]\n'), storage: unit(ps, 'requires: [archive, proxy]\n') },
  }).start();
  const started = await supd.ctl('start', 'storage');
  t.equal(started.code, 0, 'start storage brings up what it requires');
  const order = supd.transitions().filter((e) => e.from !== e.to && (e.to === 'starting' || e.to === 'ready')).map((e) => `${e.unit}:${e.to}`);
  t.same(order, ['archive:starting', 'archive:ready', 'proxy:starting', 'proxy:ready', 'storage:starting', 'storage:ready']);
  const before = { archive: (await supd.unit('archive')).pid, proxy: (await supd.unit('proxy')).pid, storage: (await supd.unit('storage')).pid };
  const r = await supd.ctl('restart', 'proxy');
  t.equal(r.code, 0, r.stderr);
  t.equal((await supd.unit('archive')).pid, before.archive, 'archive untouched');
  t.equal((await supd.unit('storage')).pid, before.storage, 'storage untouched');
  t.not((await supd.unit('proxy')).pid, before.proxy, 'proxy has a new process');
});

t.test('kill -9: restarted with growing delays, then failed past the burst', async (t) => {
  const supd = await new Supd(t, {
    units: { crashy: `command: ${fixture('sleeper.js')}\nready: {grace: 50ms}\nrestart: {policy: always, delay: 100ms, maxDelay: 1s, burst: 2, window: 1m}\n` },
  }).start();
  const delays: string[] = [];
  let from = await supd.waitState('crashy', 'ready');
  for (let i = 0; i < 3; i++) {
    process.kill((await supd.unit('crashy')).pid as number, 'SIGKILL');
    const idx = await supd.waitEvent((e) => e.type === 'transition' && e.unit === 'crashy' && (e.to === 'backoff' || e.to === 'failed'), 'crash handled', from + 1);
    const e = supd.events[idx];
    if (e?.type === 'transition' && e.to === 'backoff') {
      delays.push(/restart \d+ in (\S+)/.exec(e.reason)?.[1] ?? '?');
      from = await supd.waitState('crashy', 'ready', idx);
    } else {
      from = idx;
    }
  }
  t.same(delays, ['100ms', '200ms'], 'the delay doubles');
  const u = await supd.unit('crashy');
  t.equal(u.state, 'failed');
  t.match(u.reason, /burst 2/, 'the reason names the crash loop');
  const st = await supd.ctl('start', 'crashy');
  t.equal(st.code, 0, `a manual start clears failed: ${st.stdout}${st.stderr}`);
});

t.test('a unit that ignores SIGTERM and forks a grandchild: stop kills the whole tree at the timeout', async (t) => {
  const supd = await new Supd(t, {
    units: { stubborn: `command: ${fixture('sleeper.js', '--ignore-term', '--fork-grandchild', '--grandchild-ignore-term')}\nready: {log: "grandchild \\\\d+"}\nstop: {timeout: 500ms}\n` },
  }).start();
  await supd.waitState('stubborn', 'ready');
  const pid = (await supd.unit('stubborn')).pid as number;
  const tree = [pid, ...descendants(pid)];
  t.ok(tree.length >= 2, 'the unit has a grandchild');
  const r = await supd.ctl('stop', 'stubborn');
  t.equal(r.code, 0, r.stderr);
  t.same(tree.filter(alive), [], 'nothing of the tree survives');
  t.match((await supd.unit('stubborn')).reason, /SIGKILL/);
});

t.test('bad unit files: validate and reload name file and line; running units keep running', async (t) => {
  const supd = await new Supd(t, { units: { good: `command: ${fixture('sleeper.js')}\nready: {grace: 50ms}\n` } }).start();
  await supd.waitState('good', 'ready');
  const pid = (await supd.unit('good')).pid;
  const cases: Record<string, string> = {
    syntax: 'command: [a, b\n',
    unknownkey: `command: ${fixture('sleeper.js')}\nbogus: 1\n`,
    unknowndep: `command: ${fixture('sleeper.js')}\nrequires: [nope]\n`,
    port: `command: ${fixture('sleeper.js')}\nports: {a: 7999}\n`,
    port2: `command: ${fixture('sleeper.js')}\nports: {b: 7999}\n`,
  };
  for (const [name, text] of Object.entries(cases)) {
    const file = path.join(supd.unitsDir, `${name}.yaml`);
    fs.writeFileSync(file, text);
    if (name === 'port') continue; // valid alone; port2 then claims the same port
    const v = await supd.ctl('validate', supd.unitsDir);
    t.equal(v.code, 1, `validate fails on ${name}`);
    t.match(v.stdout + v.stderr, new RegExp(`${name}\\.yaml:\\d+:\\d+`), `validate names ${name}.yaml:line:col`);
    const r = await supd.ctl('reload');
    t.equal(r.code, 1, `reload refuses ${name}`);
    t.match(r.stdout + r.stderr, new RegExp(`${name}\\.yaml:\\d+:\\d+`), `reload names ${name}.yaml:line:col`);
    fs.rmSync(file);
  }
  fs.rmSync(path.join(supd.unitsDir, 'port.yaml'));
  fs.writeFileSync(path.join(supd.unitsDir, 'a.yaml'), `command: ${fixture('sleeper.js')}\nrequires: [b]\n`);
  fs.writeFileSync(path.join(supd.unitsDir, 'b.yaml'), `command: ${fixture('sleeper.js')}\nrequires: [a]\n`);
  const cyc = await supd.ctl('reload');
  t.equal(cyc.code, 1);
  t.match(cyc.stdout + cyc.stderr, /a → b → a|b → a → b/, 'the cycle is named whole');
  const g = await supd.unit('good');
  t.equal(g.state, 'ready');
  t.equal(g.pid, pid, 'the running unit was not touched');
});

t.test('malformed API requests get a 4xx JSON error and supd stays up', async (t) => {
  const supd = await new Supd(t, { units: { one: `command: ${fixture('sleeper.js')}\n` } }).start();
  const bad = [
    await supd.api('POST', '/v1/units/one/start', '{not json'),
    await supd.api('POST', '/v1/units/one/restart', JSON.stringify({ rolling: 'sideways' })),
    await supd.api('POST', '/v1/units/nope/start', '{}'),
    await supd.api('GET', '/v1/units/one/logs?lines=-5'),
    await supd.api('DELETE', '/v1/units'),
  ];
  for (const r of bad) {
    t.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
    t.match(r.body, { error: { code: String, message: String } });
  }
  t.equal((await supd.api('GET', '/healthz')).status, 200, 'supd still answers');
});

t.test('reload --dry-run says what a reload would add, change (which keys), remove, start and stop, and applies none of it', async (t) => {
  const sleeper = `command: ${fixture('sleeper.js')}\nready: {grace: 50ms}\n`;
  const supd = await new Supd(t, { units: { db: sleeper, app: `${sleeper}requires: [db]\n`, old: sleeper, cache: `${sleeper}autostart: false\n` } }).start();
  for (const u of ['db', 'app', 'old']) await supd.waitState(u, 'ready');
  const pids = Object.fromEntries((await supd.status()).map((u) => [u.name, u.pid]));
  supd.writeUnit('app', `${sleeper.replace('50ms', '2s')}requires: [db]\nenv: {MODE: fast}\n`);
  supd.writeUnit('web', `${sleeper}requires: [cache]\n`);
  fs.rmSync(path.join(supd.unitsDir, 'old.yaml'));
  const r = await supd.ctl('reload', '--dry-run');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, [
    'dry run: nothing applied',
    'would add: web',
    'would change: app (env.MODE, ready.grace)',
    'would remove: old',
    'would start: cache, web',
    'would stop: old',
    'keep running, restart to apply: app',
    '',
  ].join('\n'));
  const after = await supd.status();
  t.same(after.map((u) => u.name).sort(), ['app', 'cache', 'db', 'old'], 'no unit added or removed');
  t.same(Object.fromEntries(after.map((u) => [u.name, u.pid])), pids, 'every process as it was');
  t.notOk(after.some((u) => u.changed), 'nothing is marked changed');

  const json = JSON.parse((await supd.ctl('--json', 'reload', '--dry-run')).stdout) as { dryRun: boolean; changed: { unit: string; keys: string[] }[] };
  t.equal(json.dryRun, true);
  t.same(json.changed, [{ unit: 'app', keys: ['env.MODE', 'ready.grace'] }]);

  fs.writeFileSync(path.join(supd.unitsDir, 'bad.yaml'), 'command: [a, b\n');
  const bad = await supd.ctl('reload', '--dry-run');
  t.equal(bad.code, 1, 'invalid files: exit 1, as the reload would be refused');
  t.match(bad.stderr, /bad\.yaml:\d+:\d+/);
  t.match(bad.stderr, /a reload would be refused/);
  fs.rmSync(path.join(supd.unitsDir, 'bad.yaml'));

  const applied = await supd.ctl('reload');
  t.equal(applied.stdout, 'reloaded\nadded: web\nchanged: app\nremoved: old\n', 'the reload then does what the dry run said');
  await supd.waitState('web', 'ready');
  await supd.waitState('cache', 'ready');
});

t.test('a restart starts the new process only once the stop command ended', async (t) => {
  // A control client still on its way when the old process is gone would otherwise reach the new
  // process on the same port (seen: `vdp-ctl shutdown --force` stopping the freshly started slave).
  const dir = fs.mkdtempSync(path.join(ROOT, '.tap', 'stopcmd-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const seen = path.join(dir, 'seen');
  const done = path.join(dir, 'stop-done');
  const supd = await new Supd(t, {
    units: {
      app: [
        `command: [sh, -c, 'if [ -e ${done} ]; then echo after >> ${seen}; else echo before >> ${seen}; fi; exec sleep 1000']`,
        'ready: {grace: 50ms}',
        `stop: {command: [sh, -c, 'kill $MAINPID; sleep 1; touch ${done}'], timeout: 10s}`,
        '',
      ].join('\n'),
    },
  }).start();
  await supd.waitState('app', 'ready');
  const first = (await supd.unit('app')).pid as number;
  const r = await supd.ctl('restart', 'app');
  t.equal(r.code, 0, r.stderr);
  const now = await supd.unit('app');
  t.equal(now.state, 'ready');
  t.not(now.pid, first, 'a new process');
  t.notOk(alive(first), 'the old one is gone');
  t.same(fs.readFileSync(seen, 'utf8').split('\n').filter(Boolean), ['before', 'after'], 'the new process started after the stop command had finished');
});
