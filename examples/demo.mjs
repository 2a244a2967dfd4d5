#!/usr/bin/env node
// `npm run demo [-- vdp|walb|broker|fleet]`: runs supd in the foreground on one example fleet, with a
// throw-away state dir, and shows how to drive it with supctl. Ctrl-C stops supd (and its units).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const FLEETS = {
  vdp: {
    about: 'a VDP master and two slaves (aux_1, aux_2) from one template; the slaves follow the master\'s metadata',
    tryOut: [
      'supctl stop --safe aux_1            # drain: stop accepting, wait for running queries',
      'supctl restart --rolling one-by-one slaves',
      'touch examples/vdp/meta/catalog.json   # metadata change: aux_1 then aux_2 restart',
      'supctl logs -n 20 aux_2             # aux_2 runs with the master\'s jvm options',
      'echo "QUERY 3000" | nc 127.0.0.1 7111',
    ],
  },
  walb: {
    about: 'WalB archive, proxy and storage, started in that order',
    tryOut: [
      'supctl restart archive             # proxy and storage keep running and reconnect',
      'supctl stop proxy                  # stops storage first, then proxy',
      'supctl start storage               # starts what it requires, in order',
      'supctl logs -f storage',
    ],
  },
  broker: {
    about: 'a message broker and two datastore replicas that replicate through it',
    tryOut: [
      "curl -X POST 'http://127.0.0.1:7311/set?key=colour&value=blue'",
      "curl 'http://127.0.0.1:7321/get?key=colour'",
      'supctl restart broker              # the replicas reconnect by themselves',
      'supctl health replicas',
    ],
  },
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fleet = process.argv[2] ?? 'vdp';
if (fleet === 'fleet') {
  // Several hosts: its own script (a private etcd and three supd).
  await import('./fleet/demo.mjs');
  await new Promise(() => {});
}
if (!(fleet in FLEETS)) {
  process.stderr.write(`demo: unknown fleet ${JSON.stringify(fleet)}; choose one of ${Object.keys(FLEETS).join(', ')}\n`);
  process.exit(2);
}
const main = path.join(root, 'dist', 'daemon', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write(`demo: ${path.relative(process.cwd(), main)} is missing; run \`npm run build\` (npm run demo does)\n`);
  process.exit(1);
}

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `supd-demo-${fleet}-`));
const unitsDir = path.join(root, 'examples', fleet, 'units');
const socket = path.join(stateDir, 'supd.sock');
const rel = (p) => path.relative(process.cwd(), p) || '.';

const banner = [
  '',
  `supd demo: ${fleet}: ${FLEETS[fleet].about}`,
  `  units:  ${rel(unitsDir)}`,
  `  state:  ${stateDir} (removed at exit)`,
  '',
  'In another terminal:',
  `  export PATH="${path.join(root, 'node_modules', '.bin')}:$PATH"   # supctl of this clone`,
  `  export SUPD_SOCKET=${socket}`,
  '  supctl status',
  ...FLEETS[fleet].tryOut.map((line) => `  ${line}`),
  `  less ${path.join(stateDir, 'logs')}/<unit>.log`,
  '',
  'Ctrl-C stops supd, which stops every unit in reverse dependency order.',
  '',
];
process.stdout.write(`${banner.join('\n')}\n`);

// Its own process group: the terminal's Ctrl-C reaches only this script, which then sends supd
// one SIGTERM, instead of supd and its units all receiving SIGINT at once.
const supd = spawn(process.execPath, [main, '--units-dir', unitsDir, '--state-dir', stateDir, '--listen', ''], {
  cwd: root,
  detached: true,
  stdio: ['ignore', 'pipe', 'inherit'],
});

const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
function pretty(line) {
  let rec;
  try {
    rec = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof rec !== 'object' || rec === null) return line;
  const time = new Date(typeof rec.time === 'number' ? rec.time : Date.now()).toTimeString().slice(0, 8);
  const { level, time: _t, pid: _p, hostname: _h, name: _n, msg = '', unit, ...rest } = rec;
  // Transition lines already say "unit: from → to: reason"; repeat only what the message lacks.
  const extra = Object.entries(rest)
    .filter(([, v]) => v !== null && !(typeof v === 'string' && msg.includes(v)))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const who = unit && !msg.startsWith(`${unit}:`) ? `[${unit}] ` : '';
  return `${time} ${(LEVELS[level] ?? String(level)).padEnd(5)} ${who}${msg}${extra ? `  ${extra}` : ''}`;
}
readline.createInterface({ input: supd.stdout }).on('line', (line) => process.stdout.write(`${pretty(line)}\n`));

let stopping = false;
function stop(signal) {
  if (stopping) {
    process.stdout.write(`demo: still waiting for supd (pid ${supd.pid}) to stop its units…\n`);
    return;
  }
  stopping = true;
  process.stdout.write(`\ndemo: ${signal}: asking supd (pid ${supd.pid}) to stop\n`);
  try {
    process.kill(supd.pid, 'SIGTERM');
  } catch {
    // it has exited already; the exit handler cleans up
  }
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

supd.on('error', (e) => {
  process.stderr.write(`demo: cannot start supd: ${e.message}\n`);
  fs.rmSync(stateDir, { recursive: true, force: true });
  process.exit(1);
});
// 'close' comes once supd's last log lines are read; 'exit' alone could cut them off.
let finished = false;
function finish(code, signal) {
  if (finished) return;
  finished = true;
  fs.rmSync(stateDir, { recursive: true, force: true });
  process.stdout.write(`demo: supd exited (${signal ?? `code ${code}`}); removed ${stateDir}\n`);
  process.exit(code ?? 1);
}
supd.on('close', finish);
// A unit left holding supd's stdout would delay 'close' forever.
supd.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 2000).unref());
