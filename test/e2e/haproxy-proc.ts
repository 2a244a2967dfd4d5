// A private HAProxy for the e2e tests: its own config and admin socket in a directory of the test,
// one frontend balancing round-robin over the servers given, killed by pid at teardown (and by
// the kernel if the test process dies first).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { waitUntil } from './harness.js';

export const HAPROXY = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find((p) => fs.existsSync(p));
const SETPRIV = '/usr/bin/setpriv';

type Tap = { teardown(fn: () => unknown): void };

/** A private HAProxy: its own config and admin socket in `dir`, killed by pid at teardown. */
export async function startHaproxy(t: Tap, dir: string, front: number, servers: Record<string, number>): Promise<{ socket: string; output: () => string }> {
  const socket = path.join(dir, 'admin.sock');
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(cfg, [
    'global',
    `  stats socket ${socket} level admin`,
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 15s',
    '  timeout server 15s',
    // One request per connection on both sides: an idle kept-alive connection to a server would
    // otherwise count as open work in the drain (waitConnections).
    '  option httpclose',
    '  retries 0',
    'frontend fe',
    `  bind 127.0.0.1:${front}`,
    '  default_backend be',
    'backend be',
    '  balance roundrobin',
    ...Object.entries(servers).map(([name, port]) => `  server ${name} 127.0.0.1:${port}`),
    '',
  ].join('\n'));
  // setpriv (util-linux) makes the kernel kill haproxy if this test process dies before its
  // teardown (a tap timeout), so no balancer is ever left holding ports.
  const argv = [HAPROXY as string, '-f', cfg, '-db'];
  const cmd = fs.existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'SIGKILL', ...argv] : argv;
  const proc: ChildProcess = spawn(cmd[0] as string, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  t.teardown(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  await waitUntil(async () => {
    if (proc.exitCode !== null) throw new Error(`haproxy exited ${proc.exitCode}: ${output}`);
    return (await admin(socket, 'show info').catch(() => '')).includes('Name: HAProxy');
  }, 'haproxy admin socket');
  return { socket, output: () => output };
}

export function admin(socket: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    let out = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
    c.write(`${cmd}\n`);
  });
}


