// A private fleet on loopback for the demo and the bench: a 3-member etcd (random ports, a temp
// dir, never the system service) and N supd "hosts", each with its own host name, state dir, API
// port and units dir. stop() ends every process it started, by pid, and removes the temp dir.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SUPD = path.join(root, 'dist', 'daemon', 'main.js');
export const SUPCTL = path.join(root, 'dist', 'cli', 'main.js');
/** node_modules/.bin of this clone, where npm ci links supd and supctl. */
export const BIN_DIR = path.join(root, 'node_modules', '.bin');
export const ETCD = ['/usr/bin/etcd', '/usr/local/bin/etcd'].find((p) => fs.existsSync(p)) ?? null;
export const TOKEN = 'demo-fleet-token';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function until(cond, what, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exited = (p) => p.exitCode !== null || p.signalCode !== null;

/** hosts: { name: { unitName: yamlText } }. onLog(host, line) receives each supd log line. */
export async function startFleet(hosts, { onLog = () => {}, ttl = '2s' } = {}) {
  if (ETCD === null) throw new Error('etcd is not installed (apt-get install etcd-server)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-fleet-'));
  const procs = [];
  const members = [];
  for (let i = 1; i <= 3; i++) members.push({ name: `m${i}`, client: `http://127.0.0.1:${await freePort()}`, peer: `http://127.0.0.1:${await freePort()}` });
  const cluster = members.map((m) => `${m.name}=${m.peer}`).join(',');
  for (const m of members) {
    procs.push(spawn(ETCD, [
      '--name', m.name, '--data-dir', path.join(dir, m.name),
      '--listen-client-urls', m.client, '--advertise-client-urls', m.client,
      '--listen-peer-urls', m.peer, '--initial-advertise-peer-urls', m.peer,
      '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', path.basename(dir),
      '--heartbeat-interval', '50', '--election-timeout', '500', '--logger', 'zap', '--log-level', 'error',
    ], { stdio: 'ignore' }));
  }
  const endpoints = members.map((m) => m.client).join(',');
  const stop = async () => {
    for (const p of [...procs].reverse()) {
      if (exited(p)) continue;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
      await gone;
      clearTimeout(t);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => {
      for (const m of members) {
        const ok = await fetch(`${m.client}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.json()).then((b) => b.health === 'true', () => false);
        if (!ok) return false;
      }
      return true;
    }, 'etcd');
    const tokens = path.join(dir, 'tokens.json');
    fs.writeFileSync(tokens, JSON.stringify({ [TOKEN]: 'fleet' }));
    const out = [];
    for (const [name, units] of Object.entries(hosts)) {
      const home = path.join(dir, name);
      const unitsDir = path.join(home, 'units');
      fs.mkdirSync(unitsDir, { recursive: true });
      for (const [u, text] of Object.entries(units)) fs.writeFileSync(path.join(unitsDir, `${u}.yaml`), text);
      const port = await freePort();
      const socket = path.join(home, 'state', 'supd.sock');
      const p = spawn(process.execPath, [SUPD, '--units-dir', unitsDir, '--state-dir', path.join(home, 'state'), '--listen', `127.0.0.1:${port}`,
        '--tokens-file', tokens, '--fleet-etcd', endpoints, '--fleet-host', name, '--fleet-ttl', ttl, '--fleet-token', TOKEN],
      { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
      let buf = '';
      p.stdout.on('data', (d) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          onLog(name, buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      procs.push(p);
      out.push({ name, socket, url: `http://127.0.0.1:${port}`, proc: p });
    }
    await until(() => out.every((h) => fs.existsSync(h.socket)) || out.some((h) => exited(h.proc)), 'supd sockets', 120_000);
    if (out.some((h) => exited(h.proc))) throw new Error('a supd exited at start');
    return { dir, endpoints, hosts: out, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** supctl against one host's socket; resolves { code, stdout, stderr }. */
export function supctl(host, ...args) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [SUPCTL, '--socket', host.socket, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
