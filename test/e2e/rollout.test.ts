// Rolling restarts end to end: lb hooks run around each unit in order; a failing lb.enable stops
// the rollout with error, leaves that unit disabled and the units after it untouched; a second
// rollout on the same target is refused.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Supd, assertBuilt, fixture } from './harness.js';

assertBuilt();

function units(dir: string, failOn: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of ['w1', 'w2', 'w3']) {
    const enable = failOn === n ? 'exit 3' : `echo enable ${n} >> ${dir}/lb.txt`;
    out[n] = `command: ${fixture('sleeper.js')}\nready: {grace: 100ms}\ngroups: [web]\nlb: {disable: "echo disable ${n} >> ${dir}/lb.txt", enable: "${enable}", timeout: 5s}\n`;
  }
  return out;
}

t.test('one-by-one: disable, restart, enable per unit, in order', async (t) => {
  const dir = t.testdir();
  const supd = await new Supd(t, { units: units(dir, null) }).start();
  await supd.waitState('w3', 'ready');
  const before = await Promise.all(['w1', 'w2', 'w3'].map(async (n) => (await supd.unit(n)).pid));
  const r = await supd.ctl('restart', '--rolling', 'one-by-one', 'web');
  t.equal(r.code, 0, r.stdout + r.stderr);
  const lines = fs.readFileSync(path.join(dir, 'lb.txt'), 'utf8').trim().split('\n');
  t.same(lines, ['disable w1', 'enable w1', 'disable w2', 'enable w2', 'disable w3', 'enable w3']);
  const after = await Promise.all(['w1', 'w2', 'w3'].map(async (n) => (await supd.unit(n)).pid));
  t.ok(after.every((p, i) => p !== before[i]), 'every unit has a new process');
});

t.test('a failing lb.enable stops the rollout at that unit; later units untouched; a second rollout is refused', async (t) => {
  const dir = t.testdir();
  const supd = await new Supd(t, { units: units(dir, 'w2') }).start();
  await supd.waitState('w3', 'ready');
  const w3 = (await supd.unit('w3')).pid;
  const r = await supd.ctl('--json', 'restart', '--rolling', 'one-by-one', 'web');
  t.equal(r.code, 1, 'the rollout failed');
  t.match(r.stdout + r.stderr, /w2/, 'the failure names the unit');
  const w2 = await supd.unit('w2');
  t.equal(w2.lbDisabled, true, 'w2 stays out of the load balancer');
  t.equal((await supd.unit('w1')).lbDisabled, false, 'w1, done before, stays enabled');
  t.equal((await supd.unit('w3')).pid, w3, 'w3 was not touched');
  const list = (await supd.api('GET', '/v1/rollouts')).body as { rollouts?: { state: string; error: { unit: string } | null }[] } | { state: string }[];
  const rollouts = Array.isArray(list) ? list : (list.rollouts ?? []);
  t.match(rollouts.at(-1), { state: 'error', error: { unit: 'w2' } });

  // A slow rollout is running: a second one on the same target gets 409 / exit 4.
  fs.writeFileSync(path.join(supd.unitsDir, 'w1.yaml'), `command: ${fixture('sleeper.js')}\nready: {grace: 3s}\ngroups: [web]\n`);
  t.equal((await supd.ctl('reload')).code, 0);
  const first = await supd.api('POST', '/v1/units/w1/restart', JSON.stringify({ rolling: 'one-by-one', wait: false }));
  t.equal(first.status, 200, first.text);
  const second = await supd.ctl('restart', '--rolling', 'one-by-one', 'w1');
  t.equal(second.code, 4, `a second rollout is refused: ${second.stdout}${second.stderr}`);
  const id = (first.body as { rollout: { id: string } }).rollout.id;
  const cancel = await supd.api('POST', `/v1/rollouts/${id}/cancel`);
  t.equal(cancel.status, 200, cancel.text);
});
