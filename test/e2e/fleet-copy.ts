// The example VDP fleet (a master and two slaves) copied into a temp dir with its fixed ports
// replaced by free ones, so tests that run it never collide with each other or a demo.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './harness.js';

const PORTS = [7101, 7102, 7111, 7112, 7121, 7122];

/** `n` distinct free ports on 127.0.0.1: all bound at once, then released. */
async function distinctPorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Copies examples/vdp under `dir`; returns its units dir and `extra` more free ports (for supd's API). */
export async function vdpFleet(dir: string, extra = 0): Promise<{ units: string; ports: number[] }> {
  const root = path.join(dir, 'vdp');
  fs.cpSync(path.join(ROOT, 'examples', 'vdp'), root, { recursive: true });
  const free = await distinctPorts(PORTS.length + extra);
  const ports = new Map(PORTS.map((p, i) => [String(p), String(free[i])]));
  const units = path.join(root, 'units');
  for (const file of fs.readdirSync(units)) {
    const full = path.join(units, file);
    fs.writeFileSync(full, fs.readFileSync(full, 'utf8').replace(/\b71(?:01|02|11|12|21|22)\b/g, (m) => ports.get(m) ?? m));
  }
  return { units, ports: free.slice(PORTS.length) };
}
