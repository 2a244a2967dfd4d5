// Adapter for supd itself: the built daemon (dist/daemon/main.js) on a private state dir and
// socket, with no TCP listener, driven by the built supctl and by the HTTP API on the socket.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killTree, runCmd, spawnTracked, TAG, TAG_KEY } from '../lib/track.mjs';
import { killOneAndWaitRestart, waitFor } from '../lib/measure.mjs';
import { request } from '../lib/http.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
// BENCH_SUPD_ROOT points at another build of supd (a folder with dist/ and package.json).
const root = process.env.BENCH_SUPD_ROOT ?? path.join(here, '..', '..');
const daemonJs = path.join(root, 'dist', 'daemon', 'main.js');
// supctl as installed: bin/supctl.js (which runs what the build wrote to dist/cli/).
const cliJs = path.join(root, 'bin', 'supctl.js');
const flood = path.join(here, '..', 'flood.mjs');
const tcpServer = path.join(here, '..', 'tcp-server.mjs');

const q = (s) => JSON.stringify(s);
const envLine = `env: {${TAG_KEY}: ${q(TAG)}}`;

/** Unit files by name: YAML written by hand so the bench does not depend on supd's own code. */
export function unitFiles(n, workload) {
  switch (workload.kind) {
    case 'sleep': {
      // Templates with N instances in all: the fleet shape supd is built for. A unit file's map holds
      // at most 1,000 entries (supd's unit-file limit), so each template has at most 1,000.
      const files = {};
      for (let from = 0, f = 0; from < n; from += 1000, f += 1) {
        const instances = Array.from({ length: Math.min(1000, n - from) }, (_, i) => `  s_${from + i}: {}`);
        files[f === 0 ? 's@.yaml' : `s${f}@.yaml`] = ['command: [sleep, "100000"]', 'autostart: false', 'restart: {policy: always, delay: 0ms}', envLine, 'instances:', ...instances, ''].join('\n');
      }
      return files;
    }
    case 'flood':
      return {
        'flood.yaml': [`command: [${q(process.execPath)}, ${q(flood)}, "${workload.bytes}", ${q(workload.stampFile)}]`, 'autostart: false', 'restart: {policy: never}', envLine, ''].join('\n'),
      };
    case 'chain': {
      const files = {};
      for (let i = 0; i < workload.length; i += 1) {
        const port = workload.basePort + i;
        files[`c${i}.yaml`] = [
          `command: [${q(process.execPath)}, ${q(tcpServer)}, "${port}"]`,
          'autostart: false',
          `ready: {tcp: ${port}, timeout: 30s}`,
          ...(i > 0 ? [`requires: [c${i - 1}]`] : []),
          envLine,
          '',
        ].join('\n');
      }
      return files;
    }
    default:
      throw new Error(`supd: unknown workload ${workload.kind}`);
  }
}

/**
 * The node flags supd's launcher declares (`#!/usr/bin/env -S node FLAGS` on dist/daemon/main.js),
 * so the daemon runs here as the installed `supd` runs it, though started as `node main.js`
 * (a fresh checkout's dist files are not executable).
 */
export function launcherNodeArgs(file) {
  let first = '';
  try {
    first = fs.readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  } catch {
    return [];
  }
  const m = /^#!\S*\/env(?:\s+-S)?\s+node(?:\s+(.*))?$/.exec(first.trim()) ?? /^#!\S*\/node(?:\s+(.*))?$/.exec(first.trim());
  return (m?.[1] ?? '').split(/\s+/).filter((a) => a.startsWith('-'));
}

// Node flags for the daemon: its launcher's, then BENCH_SUPD_NODE_ARGS (space-separated, to try
// V8 flags), then --cpu-prof set by run.mjs from --profile DIR.
const envNodeArgs = [...launcherNodeArgs(daemonJs), ...(process.env.BENCH_SUPD_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')];
let daemonNodeArgs = envNodeArgs;
export function configure({ nodeArgs = [] } = {}) {
  daemonNodeArgs = [...envNodeArgs, ...nodeArgs];
}

const ctl = (s, args, timeoutMs = 120_000) => runCmd(process.execPath, [cliJs, '--socket', s.socket, ...args], { timeoutMs });

export const adapter = {
  name: 'supd',
  async available() {
    if (!fs.existsSync(daemonJs) || !fs.existsSync(cliJs)) return { ok: false, note: 'supd not built (dist/daemon/main.js or bin/supctl.js missing: npm run build)' };
    let commit = '';
    try {
      commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      // not a git checkout: the version alone will do
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    return { ok: true, version: `supd ${pkg.version}${commit ? ` (${commit})` : ''}` };
  },
  async setup(n, workload, tmpdir) {
    const s = {
      tmpdir,
      units: path.join(tmpdir, 'units'),
      state: path.join(tmpdir, 'state'),
      logs: path.join(tmpdir, 'logs'),
      config: path.join(tmpdir, 'supd.yaml'),
    };
    s.socket = path.join(s.state, 'supd.sock');
    for (const d of [s.units, s.state, s.logs]) fs.mkdirSync(d, { recursive: true });
    for (const [name, text] of Object.entries(unitFiles(n, workload))) fs.writeFileSync(path.join(s.units, name), text);
    // Rotation on, at the defaults spelled out, so the flood measures capture with rotation.
    fs.writeFileSync(s.config, 'logs:\n  maxSize: 64MB\n  keep: 5\n');
    s.stdoutFile = path.join(tmpdir, 'supd.stdout');
    const out = fs.openSync(s.stdoutFile, 'a');
    const args = [...daemonNodeArgs, daemonJs, '--units-dir', s.units, '--state-dir', s.state, '--log-dir', s.logs, '--socket', s.socket, '--listen', '', '--config', s.config];
    s.child = spawnTracked(process.execPath, args, { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    try {
      await waitFor(
        async () => {
          if (s.child.exitCode !== null) throw new Error(`supd exited with ${s.child.exitCode}`);
          return (await request(s.socket, 'GET', '/healthz', undefined, 2000).catch(() => ({ status: 0 }))).status === 200;
        },
        { timeoutMs: 30_000, what: 'supd answering /healthz', intervalMs: 20 },
      );
    } catch (e) {
      if (s.child.pid !== undefined) killTree(s.child.pid);
      const log = fs.existsSync(s.stdoutFile) ? fs.readFileSync(s.stdoutFile, 'utf8').slice(-800) : '';
      throw new Error(`${e.message}${log ? `\n  supd said: ${log.trim()}` : ''}`);
    }
    return s;
  },
  startAll: (s) => ctl(s, ['start', '--no-wait', 'all']),
  status: (s) => ctl(s, ['--json', 'status']),
  apiStatus: (s) => request(s.socket, 'GET', '/v1/units'),
  // The answer comes once every spawn is issued: on a loaded machine that can pass 10 s at N=500.
  apiStartAll: (s, timeoutMs = 120_000) => request(s.socket, 'POST', '/v1/units/all/start', { wait: false }, timeoutMs),
  apiStopAll: (s, timeoutMs = 120_000) => request(s.socket, 'POST', '/v1/units/all/stop', { wait: false }, timeoutMs),
  stopAll: (s) => ctl(s, ['stop', 'all']),
  killOneAndWaitRestart: (s, idx, timeoutMs) => killOneAndWaitRestart([s.child.pid], idx, timeoutMs),
  daemonPids: (s) => [s.child.pid],
  logFiles: (s) => {
    const base = path.join(s.logs, 'flood.log');
    return [5, 4, 3, 2, 1].map((k) => `${base}.${k}`).concat(base);
  },
  async teardown(s) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      s.child.kill('SIGTERM');
      await waitFor(() => s.child.exitCode !== null || s.child.signalCode !== null, { timeoutMs: 10_000, what: 'supd exit' }).catch(() => {});
    }
    if (s.child.pid !== undefined) killTree(s.child.pid);
  },
};
