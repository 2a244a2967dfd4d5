import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { createNotifier } from '../../daemon/edges/notify.js';

/** A stand-in for systemd-notify that appends its arguments, one call per line. */
function recorder(t: { testdir(): string }): { command: string; calls(): string[] } {
  const dir = t.testdir();
  const out = path.join(dir, 'calls');
  const command = path.join(dir, 'systemd-notify');
  writeFileSync(command, `#!/bin/sh\necho "$*" >> '${out}'\n`);
  chmodSync(command, 0o755);
  return { command, calls: () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : []) };
}

const quiet = { warn: () => {}, debug: () => {} };

t.test('ready and stopping reach systemd in order, naming supd as the sender', async (t) => {
  const rec = recorder(t);
  const n = createNotifier({ NOTIFY_SOCKET: '/run/test.sock', PATH: '/usr/bin:/bin' }, quiet, { command: rec.command });
  n.ready(() => '3 ready, 1 starting');
  n.stopping(30_000);
  await n.close();
  t.same(rec.calls(), [
    `--pid=${process.pid} READY=1 STATUS=3 ready, 1 starting`,
    `--pid=${process.pid} STOPPING=1 EXTEND_TIMEOUT_USEC=30000000 STATUS=stopping units`,
  ]);
});

t.test('without NOTIFY_SOCKET nothing is sent', async (t) => {
  const rec = recorder(t);
  const n = createNotifier({}, quiet, { command: rec.command });
  n.ready(() => 'x');
  n.stopping(0);
  await n.close();
  t.equal(n.enabled, false);
  t.same(rec.calls(), []);
});

t.test('a missing systemd-notify is reported once, not thrown', async (t) => {
  const warnings: string[] = [];
  const n = createNotifier({ NOTIFY_SOCKET: '/run/test.sock' }, { warn: (m) => warnings.push(m), debug: () => {} }, { command: '/nonexistent/systemd-notify' });
  n.ready(() => 'x');
  n.stopping(0);
  await n.close();
  t.equal(warnings.length, 1);
  t.match(warnings[0], 'not found');
});
