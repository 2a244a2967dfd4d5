// Adapter for the raw baseline (bench/raw-spawner.mjs): the limit a supervisor is measured against.
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killTree, spawnTracked } from '../lib/track.mjs';
import { killOneAndWaitRestart } from '../lib/measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const spawner = path.join(here, '..', 'raw-spawner.mjs');
const tcpServer = path.join(here, '..', 'tcp-server.mjs');
const flood = path.join(here, '..', 'flood.mjs');

function config(n, workload, tmpdir) {
  switch (workload.kind) {
    case 'sleep':
      return { mode: 'many', n, argv: ['sleep', '100000'] };
    case 'flood':
      return { mode: 'many', n: 1, argv: [process.execPath, flood, String(workload.bytes), workload.stampFile], stdout: path.join(tmpdir, 'flood.log') };
    case 'chain':
      return {
        mode: 'chain',
        units: Array.from({ length: workload.length }, (_, i) => ({ argv: [process.execPath, tcpServer, String(workload.basePort + i)], port: workload.basePort + i })),
      };
    default:
      throw new Error(`raw: unknown workload ${workload.kind}`);
  }
}

function send(s, command, answer) {
  return new Promise((resolve) => {
    s.waiters.push({ answer, resolve });
    s.child.stdin.write(`${command}\n`);
  });
}

export const adapter = {
  name: 'raw',
  async available() {
    return { ok: true, version: `node ${process.version}` };
  },
  async setup(n, workload, tmpdir) {
    const child = spawnTracked(process.execPath, [spawner, JSON.stringify(config(n, workload, tmpdir))], { stdio: ['pipe', 'pipe', 'inherit'] });
    const s = { child, tmpdir, waiters: [] };
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const i = s.waiters.findIndex((w) => w.answer === line);
      if (i >= 0) s.waiters.splice(i, 1)[0].resolve({ code: 0 });
    });
    child.on('exit', (code) => {
      for (const w of s.waiters.splice(0)) w.resolve({ code: code ?? 1, stderr: 'raw-spawner exited' });
    });
    return s;
  },
  startAll: (s) => send(s, 'start', 'started'),
  stopAll: (s) => send(s, 'stop', 'stopped'),
  killOneAndWaitRestart: (s, idx, timeoutMs) => killOneAndWaitRestart([s.child.pid], idx, timeoutMs),
  daemonPids: (s) => [s.child.pid],
  logFiles: (s) => [path.join(s.tmpdir, 'flood.log')],
  async teardown(s) {
    s.child.stdin.end();
    if (s.child.pid !== undefined) killTree(s.child.pid);
  },
};
