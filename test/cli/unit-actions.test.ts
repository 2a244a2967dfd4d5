// supctl kill and reload TARGET…, against the real API over a FakeControl: the request each sends,
// every target attempted, each unit's outcome printed, exit 1 when one failed.
import t from 'tap';
import { showUnit } from '../../cli/render.js';
import { unitSpec, unitStatus } from '../fakes/control.js';
import { cli, daemon } from './helpers.js';

t.test('kill -s HUP sends the signal name to each target; the default is SIGTERM', async (t) => {
  const d = await daemon(t);
  const r = await cli(['--socket', d.socket, 'kill', '-s', 'hup', 'web', 'db']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'web_1: SIGHUP sent to pid 1001\nweb_2: SIGHUP sent to pid 1002\ndb: SIGHUP sent to pid 900\n');
  t.same(d.control.actions, [{ kind: 'kill', target: 'web', signal: 'SIGHUP' }, { kind: 'kill', target: 'db', signal: 'SIGHUP' }]);
  await cli(['--socket', d.socket, 'kill', 'db']);
  t.same(d.control.actions.at(-1), { kind: 'kill', target: 'db', signal: 'SIGTERM' });
});

t.test('a target that fails does not stop the others; the exit code is 1 and each failure is named', async (t) => {
  const d = await daemon(t);
  const r = await cli(['--socket', d.socket, 'kill', 'worker', 'nope', 'db']);
  t.equal(r.code, 1);
  t.equal(r.stdout, 'db: SIGTERM sent to pid 900\n');
  t.match(r.stderr, 'supctl: worker: worker is not running');
  t.match(r.stderr, 'supctl: nope: no unit or group named "nope"');
  t.same(d.control.actions.map((a) => a.target), ['worker', 'nope', 'db']);
});

t.test('an unknown signal is a usage error', async (t) => {
  const d = await daemon(t);
  const r = await cli(['--socket', d.socket, 'kill', '-s', 'SIGBOGUS', 'db']);
  t.equal(r.code, 2);
  t.same(d.control.actions, []);
});

t.test('reload with targets runs their reload action; without targets it re-reads the unit files', async (t) => {
  const d = await daemon(t);
  const r = await cli(['--socket', d.socket, 'reload', 'db']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'db: reload: SIGHUP sent to pid 900\n');
  t.same(d.control.actions, [{ kind: 'reload', target: 'db' }]);
  t.equal(d.control.reloads, 0, 'the unit files were not re-read');
  const j = await cli(['--socket', d.socket, '--json', 'reload', 'worker']);
  t.equal(j.code, 1);
  t.match(JSON.parse(j.stdout), { ok: false, units: [{ unit: 'worker', ok: false, pid: null, message: 'worker is not running' }] });
  t.equal((await cli(['--socket', d.socket, 'reload'])).code, 0);
  t.equal(d.control.reloads, 1);
});

t.test('show prints the resolved envFile, preStart, limits and reload', async (t) => {
  const spec = unitSpec('web', {
    user: 'www-data',
    envFile: [{ path: '/etc/default/web', optional: true }],
    preStart: [{ argv: ['/usr/sbin/web', '-t'], timeout: 30_000 }],
    limits: { nofile: { soft: 65536, hard: 65536 } },
    reload: { signal: 'SIGHUP', command: null, timeout: 30_000 },
  });
  const text = showUnit({ ...unitStatus('web'), spec });
  t.match(text, /\nuser: www-data\n/);
  t.match(text, /\nenvFile:\n {2}- path: \/etc\/default\/web\n {4}optional: true\n/);
  t.match(text, /\npreStart:\n {2}- argv:\n {6}- \/usr\/sbin\/web\n {6}- -t\n {4}timeout: 30s\n/);
  t.match(text, /\nlimits:\n {2}nofile:\n {4}soft: 65536\n {4}hard: 65536\n/);
  t.match(text, /\nreload:\n {2}signal: SIGHUP\n {2}timeout: 30s\n/);
});
