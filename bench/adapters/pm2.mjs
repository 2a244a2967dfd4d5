// Adapter for PM2 (npm), run with its own PM2_HOME in the temp dir and `pm2 kill` at the end.
// Every pm2 call carries PM2_HOME: without it pm2 would start a daemon in ~/.pm2.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killTree, runCmd, TAG, TAG_KEY } from '../lib/track.mjs';
import { killOneAndWaitRestart } from '../lib/measure.mjs';
import { pm2Bin } from '../lib/install.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const flood = path.join(here, '..', 'flood.mjs');

function apps(n, workload, tmpdir) {
  const common = { interpreter: 'none', autorestart: true, restart_delay: 0, env: { [TAG_KEY]: TAG } };
  switch (workload.kind) {
    case 'sleep':
      return Array.from({ length: n }, (_, i) => ({ ...common, name: `s_${i}`, script: 'sleep', args: ['100000'] }));
    case 'flood':
      // pm2 rotates only with the pm2-logrotate module; plain pm2 appends to one file.
      return [
        {
          ...common,
          name: 'flood',
          script: process.execPath,
          args: [flood, String(workload.bytes), workload.stampFile],
          autorestart: false,
          out_file: path.join(tmpdir, 'logs', 'flood.log'),
          error_file: path.join(tmpdir, 'logs', 'flood.err.log'),
        },
      ];
    default:
      throw new Error(`pm2 has no ${workload.kind} workload`);
  }
}

const pm2 = (s, args, timeoutMs = 120_000) =>
  runCmd(process.execPath, [s.bin, ...args], { timeoutMs, env: { PM2_HOME: s.home, PM2_DISCRETE_MODE: 'true' } });

function godPid(s) {
  try {
    return Number(fs.readFileSync(path.join(s.home, 'pm2.pid'), 'utf8').trim());
  } catch {
    return undefined;
  }
}

export const adapter = {
  name: 'pm2',
  async available() {
    const bin = pm2Bin();
    if (bin === undefined) return { ok: false, note: 'pm2 not installed (npm run bench -- --install)' };
    // Read the version from package.json: `pm2 --version` may start a daemon in ~/.pm2.
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(bin), '..', 'package.json'), 'utf8'));
      return { ok: true, version: `pm2 ${pkg.version}` };
    } catch {
      return { ok: true, version: 'pm2 (version unknown)' };
    }
  },
  async setup(n, workload, tmpdir) {
    const s = { tmpdir, bin: pm2Bin(), home: path.join(tmpdir, 'pm2home'), eco: path.join(tmpdir, 'apps.json') };
    fs.mkdirSync(path.join(tmpdir, 'logs'), { recursive: true });
    fs.writeFileSync(s.eco, JSON.stringify({ apps: apps(n, workload, tmpdir) }));
    const r = await pm2(s, ['ping'], 60_000);
    s.god = godPid(s);
    if (r.code !== 0) {
      if (s.god !== undefined) killTree(s.god);
      throw new Error(`pm2 ping failed: ${r.stderr.slice(0, 500)}`);
    }
    if (s.god === undefined) throw new Error('pm2: no pm2.pid after ping');
    return s;
  },
  startAll: (s) => pm2(s, ['start', s.eco]),
  status: (s) => pm2(s, ['jlist']),
  stopAll: (s) => pm2(s, ['stop', 'all']),
  killOneAndWaitRestart: (s, idx, timeoutMs) => killOneAndWaitRestart([s.god], idx, timeoutMs),
  daemonPids: (s) => [s.god],
  logFiles: (s) => [path.join(s.tmpdir, 'logs', 'flood.log')],
  async teardown(s) {
    if (s.home !== undefined && fs.existsSync(path.join(s.home, 'pm2.pid'))) await pm2(s, ['kill'], 60_000);
    if (s.god !== undefined) killTree(s.god);
  },
};
