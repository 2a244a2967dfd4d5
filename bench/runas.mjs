// The cost of running a process as a unit: N commands (`/bin/true`) run one after another through
// supd's command edge, as supd (no prefix), as a user (setpriv), and as a user with limits and a
// umask (sh + prlimit + setpriv), each spawn waited for. Run as root (the user switch needs it):
//   npm run build && node bench/runas.mjs [N] [USER]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { runCommand } from '../dist/daemon/edges/commands.js';
import { plainRunAs } from '../dist/daemon/edges/runas.js';

const n = Number(process.argv[2] ?? 200);
const user = process.argv[3] ?? 'nobody';
if (process.getuid?.() !== 0) {
  console.error('bench/runas.mjs: run as root (switching user needs it)');
  process.exit(2);
}
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const base = plainRunAs({ PATH: '/usr/bin:/bin' });
const cases = [
  ['as supd (no prefix)', base],
  ['user (setpriv)', { ...base, user }],
  ['user + limits (prlimit, setpriv)', { ...base, user, limits: { nofile: { soft: 4096, hard: 8192 } } }],
  ['user + limits + umask (sh, prlimit, setpriv)', { ...base, user, umask: 0o027, limits: { nofile: { soft: 4096, hard: 8192 } } }],
];

/** CPU ms of this process and of its reaped children (cutime + cstime, /proc/self/stat): unlike
 * the wall time, load on a shared machine does not inflate them. */
function cpu() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const u = process.cpuUsage();
  return { self: (u.user + u.system) / 1000, children: ((Number(f[13]) + Number(f[14])) * 1000) / TICKS };
}

async function round(as) {
  const c0 = cpu();
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await runCommand(['/bin/true'], { timeoutMs: 10_000, as });
    if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.output}`);
  }
  const wall = (performance.now() - start) / n;
  const c1 = cpu();
  return { wall, self: (c1.self - c0.self) / n, children: (c1.children - c0.children) / n };
}

for (const [, as] of cases) await round(as); // warm up each path once
const rows = cases.map(([name]) => ({ name, runs: [] }));
for (let rep = 0; rep < 3; rep++) {
  for (const [i, [, as]] of cases.entries()) rows[i].runs.push(await round(as));
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const m = (r, k) => median(r.runs.map((x) => x[k]));
const plain = rows[0];
console.log(`${n} sequential spawns of /bin/true per round, medians of 3 rounds, load average ${loadavg()[0].toFixed(1)}`);
console.log('| how | wall ms/spawn | CPU ms/spawn: children (added) | CPU ms/spawn: supd |');
console.log('|---|---|---|---|');
for (const r of rows) {
  const added = r === plain ? '' : ` (+${(m(r, 'children') - m(plain, 'children')).toFixed(2)})`;
  console.log(`| ${r.name} | ${m(r, 'wall').toFixed(2)} | ${m(r, 'children').toFixed(2)}${added} | ${m(r, 'self').toFixed(2)} |`);
}
