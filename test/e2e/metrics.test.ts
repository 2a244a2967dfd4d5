// GET /metrics from a live supd (running units, a crash-restarted unit, a finished rolling
// restart) passes `promtool check metrics`, and holds the series a user would graph and alert on.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { FIXTURES, NODE, Supd, assertBuilt, fixture, waitUntil } from './harness.js';

assertBuilt();

const promtool = spawnSync('promtool', ['--version']).error === undefined;
const skip = promtool ? false : 'promtool is missing (Debian package prometheus)';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (label values here hold no quotes or commas). */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

function value(all: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return all.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

t.test('a live /metrics passes promtool and shows unit state, readiness, restarts, resources and rollouts', { skip }, async (t) => {
  const dir = t.testdir();
  const marker = path.join(dir, 'crashed-once');
  const sleeper = `${NODE} ${path.join(FIXTURES, 'sleeper.js')}`;
  const supd = await new Supd(t, {
    units: {
      web_1: `command: ${fixture('sleeper.js')}\ngroups: [web]\nready: {grace: 100ms}\n`,
      web_2: `command: ${fixture('sleeper.js')}\ngroups: [web]\nready: {grace: 100ms}\n`,
      // Crashes on its first run, then runs: one restart by the policy.
      flaky: `command: ${JSON.stringify(`if [ -f ${marker} ]; then exec ${sleeper}; else touch ${marker}; exit 3; fi`)}\nready: {grace: 100ms}\nrestart: {policy: on-failure, delay: 0ms}\n`,
      idle: `command: ${fixture('sleeper.js')}\nautostart: false\n`,
    },
  }).start();
  for (const u of ['web_1', 'web_2', 'flaky']) await supd.waitState(u, 'ready');
  const rolled = await supd.ctl('restart', '--rolling', 'one-by-one', 'web');
  t.equal(rolled.code, 0, `the rolling restart finished ${rolled.stderr}`);
  // CPU and memory come from the batched sampler (every second here).
  await waitUntil(async () => (await supd.status()).filter((u) => u.state === 'ready').every((u) => u.memory !== null), 'a stats sample');

  const res = await supd.api('GET', '/metrics');
  t.equal(res.status, 200);
  const check = spawnSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' });
  t.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);

  const all = samples(res.text);
  for (const u of ['web_1', 'web_2', 'flaky']) {
    t.equal(value(all, 'supd_unit_state', { unit: u, state: 'ready' }), 1, `${u}: state ready is 1`);
    t.equal(all.filter((s) => s.name === 'supd_unit_state' && s.labels['unit'] === u && s.value === 1).length, 1, `${u}: one state at a time`);
    t.equal(value(all, 'supd_unit_ready', { unit: u }), 1, `${u}: ready 1`);
    t.ok((value(all, 'supd_unit_memory_bytes', { unit: u }) ?? 0) > 0, `${u}: memory in bytes`);
    t.ok(value(all, 'supd_unit_cpu_ratio', { unit: u }) !== undefined, `${u}: cpu`);
    t.ok((value(all, 'supd_unit_uptime_seconds', { unit: u }) ?? -1) >= 0, `${u}: uptime`);
  }
  t.equal(value(all, 'supd_unit_state', { unit: 'idle', state: 'inactive' }), 1, 'idle: state inactive is 1');
  t.equal(value(all, 'supd_unit_ready', { unit: 'idle' }), 0, 'idle: ready 0');
  t.equal(value(all, 'supd_unit_memory_bytes', { unit: 'idle' }), undefined, 'idle: no memory series without a process');

  const status = await supd.status();
  for (const u of status) t.equal(value(all, 'supd_unit_restarts', { unit: u.name }), u.restarts, `${u.name}: restarts as supctl status shows them`);
  t.same(Object.fromEntries(status.map((u) => [u.name, u.restarts])), { flaky: 1, idle: 0, web_1: 1, web_2: 1 }, 'a crash and a rolling restart count');

  t.equal(value(all, 'supd_rollouts', { state: 'ok' }), 1, 'the finished rollout');
  t.equal(value(all, 'supd_rollouts', { state: 'running' }), 0, 'none running');
  t.ok(all.some((s) => s.name.startsWith('supd_process_') && !s.name.startsWith('supd_process_process_')), "supd's own process metrics");
});
