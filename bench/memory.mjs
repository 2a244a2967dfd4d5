// `node bench/memory.mjs [--n 1,500] [--reps 3] [ROOT…]`: supd's memory at rest, A/B between builds in
// one run. For each build (a folder with dist/ and package.json; default: this checkout), each N
// and each repetition (builds interleaved, so load drifts hit them alike): a fresh supd with N
// `sleep` units, all started through the API, then PSS once the daemon has been quiet for 5 s
// (its settle collection runs after 2 s). Bytes per unit: the PSS slope between the smallest and
// largest N, per build.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemonProcesses, pssBytes } from './lib/proc.mjs';
import { waitChildren } from './lib/measure.mjs';
import { median, sleep } from './lib/stats.mjs';
import { cleanupAll, installCleanupHandlers } from './lib/track.mjs';
import fs from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let ns = [1, 500];
let reps = 3;
const roots = [];
for (let i = 0; i < args.length; i += 1) {
  if (args[i] === '--n') ns = String(args[(i += 1)]).split(',').map(Number);
  else if (args[i] === '--reps') reps = Number(args[(i += 1)]);
  else roots.push(path.resolve(args[i]));
}
if (roots.length === 0) roots.push(path.join(here, '..'));
if (ns.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(reps) || reps < 1) {
  process.stderr.write('usage: node bench/memory.mjs [--n 1,500] [--reps 3] [ROOT…]\n');
  process.exit(2);
}
installCleanupHandlers();

// One adapter module per build: it reads BENCH_SUPD_ROOT when it is evaluated.
const adapters = [];
for (const [i, root] of roots.entries()) {
  process.env.BENCH_SUPD_ROOT = root;
  adapters.push((await import(`./adapters/supd.mjs?build=${i}`)).adapter);
}

const pss = roots.map(() => new Map(ns.map((n) => [n, []])));
const load = [os.loadavg()[0]];
for (let rep = 0; rep < reps; rep += 1) {
  for (const n of ns) {
    for (const [b, adapter] of adapters.entries()) {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-bench-mem-'));
      const s = await adapter.setup(n, { kind: 'sleep' }, tmp);
      try {
        const r = await adapter.apiStartAll(s);
        if (r.status >= 300) throw new Error(`start all answered ${r.status}`);
        const daemons = adapter.daemonPids(s);
        await waitChildren(daemons, (c) => c >= n, { timeoutMs: 120_000, what: 'start-all' });
        await sleep(5000);
        const mb = daemonProcesses(daemons).reduce((sum, pid) => sum + pssBytes(pid), 0) / 1e6;
        pss[b].get(n).push(mb);
        process.stderr.write(`build ${b} N=${n} rep ${rep + 1}: ${mb.toFixed(1)} MB\n`);
      } finally {
        await adapter.teardown(s);
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }
  }
  load.push(os.loadavg()[0]);
}
cleanupAll();

const lo = Math.min(...ns);
const hi = Math.max(...ns);
process.stdout.write(`supd PSS after start-all and 5 s quiet, medians of ${reps} · load average ${load.map((l) => l.toFixed(1)).join(' → ')} · ${os.cpus().length} cores · Node ${process.version}\n\n`);
process.stdout.write(`| build | ${ns.map((n) => `N=${n}`).join(' | ')} | bytes/unit (N=${lo}→${hi}) |\n|---|${ns.map(() => '---').join('|')}|---|\n`);
for (const [b, root] of roots.entries()) {
  const m = ns.map((n) => median(pss[b].get(n)));
  const slope = hi > lo ? ((median(pss[b].get(hi)) - median(pss[b].get(lo))) * 1e6) / (hi - lo) : NaN;
  process.stdout.write(`| ${path.relative(process.cwd(), root) || '.'} | ${m.map((v) => `${v.toFixed(1)} MB`).join(' | ')} | ${Math.round(slope)} B |\n`);
}
