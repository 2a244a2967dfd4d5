// A failing host: the disk under logDir fills up (a small tmpfs mounted as root) and frees again;
// supd's own state files are truncated or garbage at boot. supd keeps supervising and says so.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { Supd, assertBuilt, waitUntil } from './harness.js';

assertBuilt();
const root = process.getuid?.() === 0;

const TICKER = `command: ["${process.execPath}", "-e", "let n = 0; setInterval(() => console.log('tick ' + (n++) + ' ' + 'x'.repeat(200)), 10)"]\n`;

t.test('disk full under logDir: the unit keeps running, lost bytes are counted and logged, capture resumes by itself', { skip: root ? false : 'needs root to mount a tmpfs' }, async (t) => {
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
  t.teardown(() => {
    execFileSync('umount', ['-l', mnt]);
    fs.rmdirSync(mnt);
  });
  const supd = await new Supd(t, { units: { ticker: TICKER }, args: ['--log-dir', mnt] }).start();
  await supd.waitState('ticker', 'ready');
  const pid = (await supd.unit('ticker')).pid;
  const log = path.join(mnt, 'ticker.log');
  await waitUntil(() => fs.existsSync(log) && fs.statSync(log).size > 0, 'first output in the log');

  // Fill what is left of the filesystem.
  const filler = path.join(mnt, 'filler');
  const fd = fs.openSync(filler, 'w');
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(4096, 0x2e));
  } catch (e) {
    t.equal((e as NodeJS.ErrnoException).code, 'ENOSPC', 'the filesystem is full');
  } finally {
    fs.closeSync(fd);
  }
  const failing = await waitUntil(async () => {
    const u = await supd.unit('ticker');
    return u.logError !== null ? u : null;
  }, 'status shows the log is not being written');
  t.match(failing.logError, /ENOSPC/);
  t.equal(failing.state, 'ready', 'the unit keeps running');
  t.equal(failing.pid, pid, 'the same process');
  t.match((await supd.ctl('status', 'ticker')).stdout, /ready,log-lost/);
  await waitUntil(() => /ticker: log capture: cannot write .*ticker\.log: ENOSPC.*output is being lost/.test(supd.output), 'the outage is logged');
  const lost = await waitUntil(async () => {
    const text = (await supd.api('GET', '/metrics')).text;
    const m = /^supd_unit_log_lost_bytes_total\{unit="ticker"\} (\d+)$/m.exec(text);
    return m !== null && Number(m[1]) > 0 ? Number(m[1]) : null;
  }, 'lost bytes counted in /metrics');
  t.ok(lost > 0);

  // Space returns: capture resumes with nobody's help.
  const before = fs.statSync(log).size;
  fs.rmSync(filler);
  await waitUntil(async () => (await supd.unit('ticker')).logError === null, 'status shows the log written again');
  await waitUntil(() => fs.statSync(log).size > before, 'the log grows again');
  // supd's own log reaches its stdout asynchronously: wait for the line rather than race it.
  await waitUntil(() => /ticker: log capture: writing .*ticker\.log again; \d+ bytes lost so far/.test(supd.output), 'the recovery is logged with the bytes lost');
  t.equal((await supd.unit('ticker')).pid, pid, 'still the same process');
});

t.test('a garbage units.journal and a truncated rollouts.json are reported and set aside; supd starts', async (t) => {
  const supd = new Supd(t, { units: { ticker: TICKER } });
  fs.mkdirSync(supd.stateDir, { recursive: true });
  fs.writeFileSync(path.join(supd.stateDir, 'units.journal'), Buffer.from([0x00, 0xff, 0x7b, 0x0a, 0x13, 0x37, 0x0a]));
  fs.writeFileSync(path.join(supd.stateDir, 'rollouts.json'), '[{"id": "r-1", "target": "web", "stra');
  await supd.start();
  await supd.waitState('ticker', 'ready');
  const files = fs.readdirSync(supd.stateDir);
  t.ok(files.some((f) => /^units\.journal\.bad-/.test(f)), `the journal was set aside (${files.join(', ')})`);
  t.ok(files.some((f) => /^rollouts\.json\.bad-/.test(f)), 'rollouts.json was set aside');
  t.match(supd.output, /units\.journal: 2 line\(s\) are not journal records.*set aside as .*units\.journal\.bad-/);
  t.match(supd.output, /rollouts\.json is not valid JSON .*set aside as .*rollouts\.json\.bad-.*supd starts without the rollouts/);
  t.same((await supd.api('GET', '/v1/rollouts')).body, { rollouts: [] });
});

t.test('rollouts.json of valid JSON but another shape is set aside too', async (t) => {
  const supd = new Supd(t, { units: { ticker: TICKER } });
  fs.mkdirSync(supd.stateDir, { recursive: true });
  fs.writeFileSync(path.join(supd.stateDir, 'rollouts.json'), '[{}, 5]');
  await supd.start();
  t.match(supd.output, /rollouts\.json does not hold what supd writes there/);
  t.equal((await supd.api('GET', '/v1/rollouts')).status, 200);
});
