// `npm run bench -- --scale`: one supd per N (500, 1000, 2000, 5000 `sleep` units), each through
// the API so supctl's start-up does not hide the daemon's cost: start-all, status, restart after
// kill -9, PSS and idle CPU with the fleet up, then stop-all. Per-unit costs beside each, so a step
// above linear shows. The fd limit supd ran with is read from /proc/<pid>/limits and reported.
import fs from 'node:fs';
import os from 'node:os';
import { clockTicksPerSecond, cpuTicks, daemonProcesses, pssBytes } from './proc.mjs';
import { waitChildren, waitQuiet } from './measure.mjs';
import { median, now, sleep } from './stats.mjs';
import { killTree, makeTempDir, removeDir } from './track.mjs';

export const SCALE_NS = [500, 1000, 2000, 5000];

function openFiles(pid) {
  try {
    const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
    const used = fs.readdirSync(`/proc/${pid}/fd`).length;
    return { soft: m?.[1] ?? '?', hard: m?.[2] ?? '?', used };
  } catch {
    return { soft: '?', hard: '?', used: NaN };
  }
}

/** One N: returns a row of measurements, or { n, error }. */
export async function scaleOne(adapter, n, { idleMs = 10_000, apiReps = 10, restartReps = 5 } = {}) {
  const tmp = makeTempDir(`supd-bench-scale-${n}`);
  const row = { n, load: [os.loadavg()[0]] };
  let s;
  try {
    s = await adapter.setup(n, { kind: 'sleep' }, tmp);
    const roots = adapter.daemonPids(s);
    const longWait = Math.max(120_000, n * 60);
    let t0 = now();
    const started = adapter.apiStartAll(s, longWait);
    started.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
    await waitChildren(roots, (c) => c >= n, { timeoutMs: longWait, what: `start-all of ${n}` });
    row.start = now() - t0;
    if ((await started).status >= 300) throw new Error('start-all (API) refused');
    await sleep(2500); // past the daemon's settle collection (2 s of quiet)
    const api = [];
    for (let i = 0; i < apiReps; i += 1) {
      const r = await adapter.apiStatus(s);
      if (r.status !== 200) throw new Error(`GET /v1/units answered ${r.status}`);
      api.push(r.ms);
    }
    row.api = median(api);
    const restart = [];
    for (let i = 0; i < restartReps; i += 1) {
      restart.push(await adapter.killOneAndWaitRestart(s, i * 37 + 1, 30_000));
      await sleep(100);
    }
    row.restart = median(restart);
    await waitChildren(roots, (c) => c >= n, { timeoutMs: longWait, what: 'fleet back after restarts', alive: true });
    // Past the restarts' `ready` (1 s) and the collection 2 s after the last unit event: quiet for 2.5 s.
    const pids = daemonProcesses(roots);
    await waitQuiet(pids, roots, 15_000);
    row.pss = pids.reduce((sum, pid) => sum + pssBytes(pid), 0) / 1e6;
    row.fds = openFiles(roots[0]);
    const c0 = cpuTicks(pids, roots);
    await sleep(idleMs);
    row.cpu = ((cpuTicks(pids, roots) - c0) / clockTicksPerSecond() / (idleMs / 1000)) * 100;
    t0 = now();
    const stopped = adapter.apiStopAll(s, longWait);
    stopped.catch(() => {});
    await waitChildren(roots, (c) => c === 0, { timeoutMs: longWait, what: `stop-all of ${n}`, alive: true });
    row.stop = now() - t0;
    if ((await stopped).status >= 300) throw new Error('stop-all (API) refused');
  } catch (e) {
    row.error = e?.message ?? String(e);
  } finally {
    if (s !== undefined) {
      await adapter.teardown(s).catch(() => {});
      if (s.child?.pid !== undefined) killTree(s.child.pid);
    }
    removeDir(tmp);
  }
  row.load.push(os.loadavg()[0]);
  return row;
}

const f = (v, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

export function renderScale(rows, info) {
  const lines = [
    '## supd at scale (`npm run bench -- --scale`)',
    '',
    `${info.date} · ${info.cores} cores (${info.cpu}) · Node ${info.node} · ${info.kernel} · run time ${info.seconds} s`,
    '',
    '| N | start-all (API) | per unit | stop-all (API) | GET /v1/units | restart after kill -9 | PSS | PSS per unit (from previous N) | idle CPU | fds used / soft limit | load average |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  let prev;
  for (const r of rows) {
    if (r.error !== undefined) {
      lines.push(`| ${r.n} | failed: ${r.error.replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 300)} ||||||||| ${r.load.map((l) => l.toFixed(1)).join(' → ')} |`);
      continue;
    }
    const perUnitPss = prev !== undefined ? `${f(((r.pss - prev.pss) * 1e6) / (r.n - prev.n))} B` : '–';
    lines.push(
      `| ${r.n} | ${f(r.start)} ms | ${f(r.start / r.n, 2)} ms | ${f(r.stop)} ms | ${f(r.api, 1)} ms | ${f(r.restart, 1)} ms | ${f(r.pss, 1)} MB | ${perUnitPss} | ${f(r.cpu, 2)} % | ${r.fds.used} / ${r.fds.soft} | ${r.load.map((l) => l.toFixed(1)).join(' → ')} |`,
    );
    prev = r;
  }
  lines.push(
    '',
    'One supd per N, N `sleep 100000` units (templates of at most 1,000 instances, the unit-file limit), all through the HTTP API on the unix socket. start-all/stop-all: from the request until every child is alive / none is (read from /proc). GET /v1/units: median of 10. restart: median of 5 kill -9s until a new child is alive (the bench scans every child in /proc, so its resolution coarsens with N). PSS 3.5 s after the last restart (past the collection after a burst); idle CPU over 10 s with the fleet up. fds: supd\'s open descriptors with the fleet up, and the soft limit it ran with (Node raises its soft RLIMIT_NOFILE to the hard limit at start-up).',
  );
  return `${lines.join('\n')}\n`;
}
