// The raw baseline, the least a supervisor can do: it spawns the children itself, respawns one
// the moment it exits, and stops them on request. No state machine, no logs, no API.
// argv[2] is JSON: {mode:'many', n, argv, stdout?} or {mode:'chain', units:[{argv, port}]}.
// Commands arrive on stdin, one per line: `start`, `stop`; each is answered on stdout when done.
import fs from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';
import { spawn } from 'node:child_process';

const cfg = JSON.parse(process.argv[2]);
const children = new Map();
let running = false;
// The flood writes straight into the file: this is the ceiling of the writer and the disk.
const out = cfg.stdout ? fs.openSync(cfg.stdout, 'a') : 'ignore';

function spawnOne(key, argv) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', out, out] });
  children.set(key, child);
  child.on('exit', () => {
    children.delete(key);
    if (running) spawnOne(key, argv);
    else if (children.size === 0) process.stdout.write('stopped\n');
  });
}

const connects = (port) =>
  new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => (s.destroy(), resolve(false)));
  });

async function start() {
  running = true;
  if (cfg.mode === 'many') {
    for (let i = 0; i < cfg.n; i += 1) spawnOne(i, cfg.argv);
  } else {
    for (const [i, unit] of cfg.units.entries()) {
      spawnOne(i, unit.argv);
      while (!(await connects(unit.port))) await new Promise((r) => setTimeout(r, 2));
    }
  }
  process.stdout.write('started\n');
}

function stop() {
  running = false;
  if (children.size === 0) process.stdout.write('stopped\n');
  for (const child of children.values()) child.kill('SIGTERM');
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'start') void start();
  else if (line === 'stop') stop();
});
process.stdin.on('end', () => {
  stop();
  setTimeout(() => process.exit(0), 2000).unref();
});
