// Adapter for supervisord (Debian's `supervisor`), run as a private instance: its own config,
// socket, pidfile and log dir inside the temp dir, never the system service.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killTree, runCmd, spawnTracked, TAG, TAG_KEY } from '../lib/track.mjs';
import { killOneAndWaitRestart, waitFor } from '../lib/measure.mjs';
import { which } from '../lib/install.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const flood = path.join(here, '..', 'flood.mjs');

function programs(n, workload) {
  const common = ['autostart=false', 'startsecs=0', 'startretries=1000', 'stopwaitsecs=10', `environment=${TAG_KEY}="${TAG}"`];
  switch (workload.kind) {
    case 'sleep':
      return [
        '[program:s]',
        'command=sleep 100000',
        'process_name=s_%(process_num)d',
        `numprocs=${n}`,
        'autorestart=true',
        ...common,
      ];
    case 'flood':
      return [
        '[program:flood]',
        `command=${process.execPath} ${flood} ${workload.bytes} ${workload.stampFile}`,
        'autorestart=false',
        'redirect_stderr=true',
        'stdout_logfile=%(here)s/logs/flood.log',
        'stdout_logfile_maxbytes=64MB',
        'stdout_logfile_backups=5',
        ...common,
      ];
    default:
      throw new Error(`supervisord has no ${workload.kind} workload`);
  }
}

function conf(n, workload) {
  return [
    '[unix_http_server]',
    'file=%(here)s/supervisor.sock',
    '[supervisord]',
    'logfile=%(here)s/supervisord.log',
    'pidfile=%(here)s/supervisord.pid',
    'childlogdir=%(here)s/childlogs',
    'nodaemon=true',
    'minfds=8192',
    'minprocs=4096',
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
    '[supervisorctl]',
    'serverurl=unix://%(here)s/supervisor.sock',
    ...programs(n, workload),
    '',
  ].join('\n');
}

const ctl = (s, args, timeoutMs = 120_000) => runCmd('supervisorctl', ['-c', s.conf, ...args], { timeoutMs });

export const adapter = {
  name: 'supervisord',
  async available() {
    if (!which('supervisord') || !which('supervisorctl')) return { ok: false, note: 'supervisord not installed (npm run bench -- --install)' };
    const r = await runCmd('supervisord', ['--version'], { timeoutMs: 10_000 });
    return { ok: r.code === 0, version: `supervisord ${r.stdout.trim()}`, note: r.code === 0 ? undefined : r.stderr };
  },
  async setup(n, workload, tmpdir) {
    for (const d of ['childlogs', 'logs']) fs.mkdirSync(path.join(tmpdir, d), { recursive: true });
    const s = { tmpdir, conf: path.join(tmpdir, 'supervisord.conf') };
    fs.writeFileSync(s.conf, conf(n, workload));
    const out = fs.openSync(path.join(tmpdir, 'supervisord.stdout'), 'a');
    s.child = spawnTracked('supervisord', ['-c', s.conf, '-n'], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    try {
      await waitFor(async () => (await ctl(s, ['pid'], 5000)).code === 0, { timeoutMs: 30_000, what: 'supervisord answering', intervalMs: 50 });
    } catch (e) {
      if (s.child.pid !== undefined) killTree(s.child.pid);
      throw e;
    }
    return s;
  },
  startAll: (s) => ctl(s, ['start', 'all']),
  // supervisorctl exits 3 when some process is not RUNNING: still one successful round trip.
  status: (s) => ctl(s, ['status']).then((r) => ({ ...r, code: r.code === 3 ? 0 : r.code })),
  stopAll: (s) => ctl(s, ['stop', 'all']),
  killOneAndWaitRestart: (s, idx, timeoutMs) => killOneAndWaitRestart([s.child.pid], idx, timeoutMs),
  daemonPids: (s) => [s.child.pid],
  logFiles: (s) => {
    const base = path.join(s.tmpdir, 'logs', 'flood.log');
    return [5, 4, 3, 2, 1].map((k) => `${base}.${k}`).concat(base);
  },
  async teardown(s) {
    if (s.child.exitCode === null) {
      await ctl(s, ['shutdown'], 30_000);
      await waitFor(() => s.child.exitCode !== null || s.child.signalCode !== null, { timeoutMs: 10_000, what: 'supervisord exit' }).catch(() => {});
    }
    if (s.child.pid !== undefined) killTree(s.child.pid);
  },
};
