// systemd's notify protocol end to end: supd under a real NOTIFY_SOCKET listener (a unix datagram
// socket, by path and abstract) says READY=1 only once its autostart units are ready, with a STATUS
// that counts them, pings the watchdog while it runs, and says STOPPING=1 on SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { FIXTURES, NODE, Supd, assertBuilt, fixture, waitUntil } from './harness.js';

assertBuilt();

type Tap = { teardown(fn: () => unknown): void };

interface Datagram {
  /** When the listener received it (epoch seconds). */
  t: number;
  /** The sender's pid from SCM_CREDENTIALS. */
  pid: number | null;
  fields: Record<string, string>;
}

const python = spawnSync('python3', ['--version']).status === 0;
// supd speaks the protocol through systemd-notify (Node has no unix datagram sockets).
const notifier = spawnSync('systemd-notify', ['--version']).status === 0;
const skip = !python
  ? 'python3 is missing: the NOTIFY_SOCKET listener is a python3 script (Debian package python3)'
  : !notifier
    ? 'systemd-notify is missing: supd sends through it (Debian package systemd)'
    : false;

/** The listener script on `address`; resolves once it is bound. */
async function listen(t: Tap, address: string): Promise<{ got: Datagram[]; with(key: string, value?: string): Datagram[] }> {
  const proc = spawn('python3', [path.join(FIXTURES, 'notify-listener.py'), address], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  const got: Datagram[] = [];
  let bound = false;
  let errors = '';
  let buf = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === 'bound') bound = true;
      else got.push(JSON.parse(line) as Datagram);
    }
  });
  proc.stderr.on('data', (d: Buffer) => (errors += d.toString()));
  await waitUntil(() => bound || proc.exitCode !== null, 'the notify listener to bind');
  if (!bound) throw new Error(`notify listener failed: ${errors}`);
  return { got, with: (key, value) => got.filter((d) => d.fields[key] !== undefined && (value === undefined || d.fields[key] === value)) };
}

t.test('path socket: READY=1 after the autostart units are ready, STATUS counts, watchdog pings, STOPPING=1', { skip }, async (t) => {
  // A short path: sun_path holds 108 bytes, and t.testdir() is deep.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-notify-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const socket = path.join(dir, 'notify.sock');
  const gate = path.join(dir, 'gate');
  const probes = path.join(dir, 'probes');
  const listener = await listen(t, socket);
  // b becomes ready only once the test opens its gate; every probe leaves a line in `probes`.
  const supd = new Supd(t, {
    units: {
      a: `command: 'echo "notify=[$NOTIFY_SOCKET]"; exec ${NODE} ${path.join(FIXTURES, 'sleeper.js')}'\nready: {grace: 100ms}\n`,
      b: `command: ${fixture('sleeper.js')}\nrequires: [a]\nready: {exec: ["/bin/sh", "-c", "echo probe >> ${probes}; test -f ${gate}"], interval: 50ms, timeout: 30s}\n`,
    },
    env: { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '400000' },
  });
  await supd.start();
  await supd.waitState('a', 'ready');
  await waitUntil(() => fs.existsSync(probes) && fs.readFileSync(probes, 'utf8').split('\n').length > 3, 'b probed three times');
  t.same(listener.with('READY'), [], 'no READY=1 while an autostart unit is still starting');

  fs.writeFileSync(gate, '');
  await waitUntil(() => listener.with('READY', '1').length > 0, 'READY=1');
  const ready = listener.with('READY', '1')[0] as Datagram;
  for (const unit of ['a', 'b']) {
    await supd.waitState(unit, 'ready');
    const at = supd.transitions(unit).find((e) => e.to === 'ready')?.at;
    // With from = 0, waitState may have found the state through status rather than an event.
    if (at !== undefined) t.ok(Date.parse(at) <= ready.t * 1000, `${unit} became ready before READY=1 arrived`);
  }
  t.equal(ready.fields['STATUS'], '2 units: 2 ready', 'STATUS counts the units by state');
  t.equal(ready.fields['MAINPID'], String(supd.pid), 'MAINPID names supd');
  if (process.getuid?.() === 0) t.equal(ready.pid, supd.pid, 'the credentials name supd (NotifyAccess=main would accept it)');

  const firstPing = listener.got.indexOf(ready);
  await waitUntil(() => listener.got.slice(firstPing).filter((d) => d.fields['WATCHDOG'] === '1').length >= 3, 'three WATCHDOG=1 pings');
  const pings = listener.with('WATCHDOG', '1');
  t.ok(pings.every((p) => p.t >= ready.t), 'pings start after READY=1');
  t.ok(pings.every((p) => p.fields['STATUS'] === '2 units: 2 ready'), 'each ping carries the status line');

  const log = fs.readFileSync(supd.logFile('a'), 'utf8');
  t.match(log, /^notify=\[\]$/m, 'units do not inherit NOTIFY_SOCKET (systemd would take their messages for supd\'s)');

  t.equal(await supd.stop(), 0, 'supd exits 0 on SIGTERM');
  // supd waits for its messages to be delivered before it exits.
  const stopping = listener.with('STOPPING', '1');
  t.equal(stopping.length, 1, 'STOPPING=1 once');
  t.equal(stopping[0]?.fields['STATUS'], 'stopping units');
  const after = listener.got.slice(listener.got.indexOf(stopping[0] as Datagram) + 1);
  t.same(after.filter((d) => d.fields['WATCHDOG'] !== undefined), [], 'no watchdog ping after STOPPING=1');
});

t.test('abstract socket (@name): READY=1, watchdog pings, STOPPING=1 extending the stop timeout for drains', { skip }, async (t) => {
  const name = `@supd-notify-test-${process.pid}-${Date.now()}`;
  const listener = await listen(t, name);
  const supd = new Supd(t, {
    units: { one: `command: ${fixture('sleeper.js')}\nready: {grace: 100ms}\n` },
    env: { NOTIFY_SOCKET: name, WATCHDOG_USEC: '400000' },
    args: ['--safe-shutdown', '--shutdown-timeout', '20s'],
  });
  await supd.start();
  await waitUntil(() => listener.with('READY', '1').length > 0, 'READY=1 on the abstract socket');
  t.equal(listener.with('READY', '1')[0]?.fields['STATUS'], '1 units: 1 ready', 'STATUS counts the units by state');
  t.equal((await supd.unit('one')).state, 'ready', 'the unit is ready');
  await waitUntil(() => listener.with('WATCHDOG', '1').length >= 3, 'three WATCHDOG=1 pings');
  t.equal(await supd.stop(), 0, 'supd exits 0 on SIGTERM');
  const stopping = listener.with('STOPPING', '1');
  t.equal(stopping.length, 1, 'STOPPING=1 on SIGTERM');
  t.equal(stopping[0]?.fields['EXTEND_TIMEOUT_USEC'], '20000000', 'a drained shutdown asks systemd for shutdown.timeout');
});
