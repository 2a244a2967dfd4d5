// `npm run bench`: runs the same workloads on supd and on the baselines (raw spawn loop,
// supervisord, PM2) in one run and writes the table to bench/results/latest.md (a subset run: partial.md).
// Flags: --install (install missing baselines), --quick (N=100, fewer repetitions),
// --only supd,raw (a subset of supervisors), --workloads fleet,flood,chain,hosts (a subset of workloads;
// hosts: supd's fleet on etcd, 3 hosts × N units, through bench/fleet.mjs),
// --n 500 (fleet sizes), --profile DIR (supd runs with --cpu-prof into DIR),
// --scale [500,1000,2000,5000] (supd alone at growing N: bench/results/scale.md).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adapter as raw } from './adapters/raw.mjs';
import { adapter as supd, configure as configureSupd } from './adapters/supd.mjs';
import { adapter as supervisord } from './adapters/supervisord.mjs';
import { adapter as pm2 } from './adapters/pm2.mjs';
import { installBaselines } from './lib/install.mjs';
import { Recorder, renderMarkdown, SUPERVISORS } from './lib/report.mjs';
import { now } from './lib/stats.mjs';
import { cleanupAll, installCleanupHandlers, taggedProcesses } from './lib/track.mjs';
import { chain, fleet, flood } from './lib/workloads.mjs';
import { renderScale, SCALE_NS, scaleOne } from './lib/scale.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ADAPTERS = { raw, supd, supervisord, pm2 };
const WORKLOADS = ['fleet', 'flood', 'chain', 'hosts'];

function parseArgs(argv) {
  const args = { install: false, quick: false, only: SUPERVISORS, workloads: WORKLOADS, ns: undefined, profile: undefined, scale: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--install') args.install = true;
    else if (a === '--quick') args.quick = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(7) : argv[(i += 1)];
      args.only = String(v ?? '').split(',').filter((s) => s !== '');
      const unknown = args.only.filter((s) => !SUPERVISORS.includes(s));
      if (unknown.length > 0 || args.only.length === 0) usage(`--only takes a list of ${SUPERVISORS.join(',')}`);
    } else if (a === '--workloads' || a.startsWith('--workloads=')) {
      const v = a.includes('=') ? a.slice(12) : argv[(i += 1)];
      args.workloads = String(v ?? '').split(',').filter((s) => s !== '');
      if (args.workloads.length === 0 || args.workloads.some((w) => !WORKLOADS.includes(w))) usage(`--workloads takes a list of ${WORKLOADS.join(',')}`);
    } else if (a === '--n' || a.startsWith('--n=')) {
      const v = a.includes('=') ? a.slice(4) : argv[(i += 1)];
      args.ns = String(v ?? '').split(',').filter((s) => s !== '').map(Number);
      if (args.ns.length === 0 || args.ns.some((n) => !Number.isInteger(n) || n < 1)) usage('--n takes a list of fleet sizes, e.g. 100,500');
    } else if (a === '--profile') {
      args.profile = argv[(i += 1)];
      if (!args.profile) usage('--profile takes a directory');
    } else if (a === '--scale' || a.startsWith('--scale=')) {
      const v = a.includes('=') ? a.slice(8) : /^\d/.test(argv[i + 1] ?? '') ? argv[(i += 1)] : undefined;
      args.scale = v === undefined ? SCALE_NS : String(v).split(',').filter((x) => x !== '').map(Number);
      if (args.scale.length === 0 || args.scale.some((n) => !Number.isInteger(n) || n < 1)) usage('--scale takes a list of fleet sizes, e.g. 500,1000');
    } else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  return args;
}

function usage(problem) {
  if (problem) process.stderr.write(`bench: ${problem}\n`);
  process.stderr.write('usage: npm run bench -- [--install] [--quick] [--only raw,supd,supervisord,pm2] [--workloads fleet,flood,chain,hosts] [--n 100,500] [--profile DIR] [--scale [500,1000,2000,5000]]\n');
  process.exit(problem ? 2 : 0);
}

function options(quick) {
  const common = {
    settleMs: 1500,
    // The idle window opens once the daemon used no CPU for 2.5 s (at most this long): after supd's one
    // collection after a burst (daemon/settle.ts: 2 s after the last unit event, the restarts' `ready`
    // 1 s after them), so it measures the steady state.
    idleSettleMs: 15_000,
    startTimeoutMs: 60_000,
    stopTimeoutMs: 90_000,
    restartTimeoutMs: 10_000,
    floodBytes: 200_000_000,
    floodTimeoutMs: 90_000,
    chainLength: 20,
    chainTimeoutMs: 30_000,
    cycleBudgetMs: 40_000,
  };
  return quick
    ? { ...common, ns: [100], cycles: 1, apiCycles: 1, statusReps: 3, apiReps: 10, restartReps: 5, idleMs: 5000, idleAt: [100], floodReps: 1, chainReps: 1 }
    // Sub-millisecond restarts, ~20 ms of status over a ~60 ms floor and an idle CPU of a few clock
    // ticks move with whatever else the machine does: enough repetitions (and a 40 s window, a tick
    // being 0.025 %) that one unlucky sample does not decide a target.
    : { ...common, ns: [100, 500], cycles: 3, apiCycles: 2, statusReps: 15, apiReps: 20, restartReps: 20, idleMs: 40_000, idleAt: [500], floodReps: 3, chainReps: 3 };
}

function machine() {
  let cpu = 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: the bench reads /proc and will fail later with a clearer error
  }
  return {
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    nproc: os.availableParallelism(),
    cpu,
    node: process.version,
    kernel: os.release(),
    memGiB: (os.totalmem() / 1024 ** 3).toFixed(0),
    load: os.loadavg()[0].toFixed(2),
  };
}

function log(line) {
  process.stderr.write(`bench: ${line}\n`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync('/proc/self/stat')) throw new Error('the bench reads /proc: it runs on Linux only');
  installCleanupHandlers();
  if (args.scale !== undefined) return scale(args.scale);
  const loadAtStart = os.loadavg()[0].toFixed(2);
  const t0 = now();
  // The whole run must end within 10 minutes; leave room for the report and cleanup.
  const deadline = t0 + 9.5 * 60_000;
  const opts = options(args.quick);
  if (args.ns !== undefined) {
    opts.ns = args.ns;
    opts.idleAt = [Math.max(...args.ns)];
  }
  const rec = new Recorder();

  if (args.profile !== undefined) {
    const dir = path.resolve(args.profile);
    fs.mkdirSync(dir, { recursive: true });
    configureSupd({ nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
    log(`supd writes CPU profiles to ${dir} (one per daemon run; open in Chrome DevTools)`);
  }
  if (args.install) for (const line of installBaselines()) log(line);

  const versions = [];
  const active = [];
  for (const name of SUPERVISORS) {
    if (!args.only.includes(name)) continue;
    const a = ADAPTERS[name];
    const av = await a.available();
    if (av.ok) {
      active.push(a);
      versions.push(av.version);
    } else {
      rec.notes.push(`${name} skipped: ${av.note}`);
      log(`${name} skipped: ${av.note}`);
    }
  }
  const skipAll = (name, reason) => {
    for (const n of opts.ns) for (const m of ['start', 'stop', 'status', 'restart', 'pss']) rec.na(m, n, name, reason);
    for (const n of opts.idleAt) rec.na('cpu', n, name, reason);
    rec.na('log', 1, name, reason);
    rec.na('chain', opts.chainLength, name, reason);
  };
  for (const name of SUPERVISORS) {
    if (!active.some((a) => a.name === name)) skipAll(name, args.only.includes(name) ? 'skipped' : 'not run');
    if (name !== 'supd') {
      for (const n of opts.ns) for (const m of ['api', 'startApi', 'stopApi']) rec.na(m, n, name, 'n/a');
      rec.na('floodApiP50', 1, name, 'n/a');
      rec.na('floodApiP99', 1, name, 'n/a');
    }
  }
  for (const n of opts.ns) rec.na('status', n, 'raw', 'n/a (no CLI)');
  for (const name of ['supervisord', 'pm2']) if (active.some((a) => a.name === name)) rec.na('chain', opts.chainLength, name, 'n/a (no dependency readiness)');

  const timeLeft = (what, name, skip) => {
    if (now() < deadline) return true;
    skip();
    rec.notes.push(`${name} ${what} skipped: the 10-minute budget ran out`);
    return false;
  };

  for (const a of args.workloads.includes('fleet') ? active : []) {
    for (const n of opts.ns) {
      if (!timeLeft(`N=${n}`, a.name, () => ['start', 'stop', 'restart', 'pss'].forEach((m) => rec.na(m, n, a.name, 'skipped (time)')))) continue;
      log(`${a.name}: fleet of ${n}`);
      await fleet(a, n, opts, rec);
    }
  }
  for (const a of args.workloads.includes('flood') ? active : []) {
    if (!timeLeft('log flood', a.name, () => rec.na('log', 1, a.name, 'skipped (time)'))) continue;
    log(`${a.name}: log flood`);
    await flood(a, opts, rec);
  }
  for (const a of args.workloads.includes('chain') ? active.filter((x) => x.name === 'supd' || x.name === 'raw') : []) {
    if (!timeLeft('chain', a.name, () => rec.na('chain', opts.chainLength, a.name, 'skipped (time)'))) continue;
    log(`${a.name}: dependency chain`);
    await chain(a, opts, rec);
  }

  // supd only: three supd hosts on a private 3-member etcd (bench/fleet.mjs, which stops its own
  // etcd and supd processes by pid), in this same run.
  let hosts = null;
  if (args.workloads.includes('hosts') && active.some((a) => a.name === 'supd')) {
    const n = Math.max(...opts.ns);
    if (timeLeft('fleet on etcd', 'supd', () => undefined)) {
      log(`supd: fleet on etcd, 3 hosts × ${n} units`);
      hosts = await fleetOnEtcd(n, args.quick ? 10 : 30).catch((e) => ({ error: String(e?.message ?? e) }));
    } else hosts = { error: 'skipped (time)' };
  }

  const leftovers = taggedProcesses();
  cleanupAll();
  const sleeps = leftovers.filter((p) => p.comm === 'sleep');
  if (leftovers.length > 0) {
    const msg = `WARNING: ${leftovers.length} process(es) of this run were still alive at the end (${sleeps.length} sleep): ${leftovers
      .slice(0, 5)
      .map((p) => `${p.pid} ${p.cmdline}`)
      .join('; ')}; killed by pid`;
    rec.notes.push(msg);
    log(msg);
  }
  const after = taggedProcesses();
  if (after.length > 0) log(`WARNING: still alive after cleanup: ${after.map((p) => `${p.pid} ${p.cmdline}`).join('; ')}`);

  const info = {
    ...machine(),
    loadAtStart,
    mode: args.quick ? 'quick (N=100, fewer repetitions)' : 'full',
    versions,
    seconds: ((now() - t0) / 1000).toFixed(0),
    method: [
      'Everything is measured from outside by reading /proc: children are the `sleep 100000` processes below the daemon\'s pid (PM2: its God daemon); the supervisor\'s own word is not used.',
      'start-all and stop-all: from issuing the CLI command (raw: a line on its stdin) until every child is alive / none is; status: one full CLI run (supd `--json status`, `supervisorctl status`, `pm2 jlist`), supd\'s in turn with a bare `node -e 0` (in the raw column), the floor of any Node CLI on this machine; API: one GET over the unix socket on a new connection; supd start-all/stop-all are also taken through `POST /v1/units/all/start|stop` to separate the daemon share from the startup of supctl.',
      `restart: kill -9 of one child until a new child is alive, ${opts.restartReps} times (restart delay 0). Memory: PSS summed over the daemon's processes, and idle CPU: utime+stime over ${opts.idleMs / 1000} s, both with the fleet running, once the daemon has used no CPU for 2.5 s after the last restart (at most ${opts.idleSettleMs / 1000} s; supd's restarted units turn ready 1 s after their spawn, and supd collects garbage once 2 s after its last unit event), the same wait for every supervisor.`,
      `log: ${opts.floodBytes / 1e6} MB of numbered 100-byte lines from one unit, timed from its first write until the captured files (rotated ones summed) hold every byte; each line is then read back in order (supd: logs.maxSize 64MB, keep 5; supervisord: 64MB × 5 backups; pm2: no rotation without pm2-logrotate; raw: the child writes the file itself, the ceiling); nothing polls the supervisor meanwhile. API p50/p99: GET /v1/units every 10 ms during one more flood (supd only), its throughput meanwhile in the note.`,
      `chain: ${opts.chainLength} node tcp servers, each requiring the one before, tcp readiness; from the start command until the last port accepts. raw starts each when the previous accepts (the limit).`,
    ],
  };
  const md = renderMarkdown(rec, info) + hostsSection(hosts);
  const outDir = path.join(here, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  // A subset run must not replace the table of the last full run.
  const partial = args.workloads.length < WORKLOADS.length || args.ns !== undefined || args.only.length < SUPERVISORS.length;
  const outFile = path.join(outDir, partial ? 'partial.md' : 'latest.md');
  fs.writeFileSync(outFile, md);
  process.stdout.write(`\n${md}\n`);
  log(`written to ${path.relative(process.cwd(), outFile)}`);
}

async function scale(ns) {
  const av = await supd.available();
  if (!av.ok) throw new Error(av.note);
  const t0 = now();
  const rows = [];
  for (const n of ns) {
    log(`supd: scale N=${n} (load average ${os.loadavg()[0].toFixed(2)})`);
    const row = await scaleOne(supd, n);
    if (row.error !== undefined) log(`N=${n} failed: ${row.error}`);
    rows.push(row);
  }
  cleanupAll();
  const m = machine();
  const md = renderScale(rows, { ...m, cores: m.nproc, seconds: ((now() - t0) / 1000).toFixed(0) });
  const outDir = path.join(here, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'scale.md'), `Versions: ${av.version}.\n\n${md}`);
  process.stdout.write(`\n${md}\n`);
  log('written to bench/results/scale.md');
}

/** bench/fleet.mjs --json as a child: its figures, or why there are none. */
function fleetOnEtcd(n, cycles) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'fleet.mjs'), '--units', String(n), '--cycles', String(cycles), '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`bench/fleet.mjs exited ${code}: ${out.slice(-300)}`));
      }
    });
  });
}

function hostsSection(h) {
  if (h === null) return '';
  const head = '\n## supd fleet on etcd (3 hosts on loopback, a private 3-member etcd)\n\n';
  if (h.skipped !== undefined || h.error !== undefined) return `${head}not measured: ${h.skipped ?? h.error}\n`;
  const f = (x) => `${x.toFixed(1)} ms`;
  return `${head}Load average at the time: ${h.load}.\n\n| workload | p50 | p99 |\n|---|---|---|\n`
    + `| \`--fleet status\` of 3 hosts × ${h.units} units, API (GET /v1/fleet/units, ${h.api.n} runs) | ${f(h.api.p50)} | ${f(h.api.p99)} |\n`
    + `| \`supctl --fleet status\` of 3 hosts × ${h.units} units (${h.cli.n} runs, supctl start-up included) | ${f(h.cli.p50)} | ${f(h.cli.p99)} |\n`
    + `| cross-host readiness: h1/a ready → h2/b (requires h1/a) starting, ${h.readiness.n} cycles | ${f(h.readiness.p50)} | ${f(h.readiness.p99)} |\n`;
}

main().catch((e) => {
  process.stderr.write(`bench: ${e?.stack ?? e}\n`);
  cleanupAll();
  process.exit(1);
});
