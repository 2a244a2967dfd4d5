// The example VDP fleet (a master and two slaves) copied into a temp dir with its fixed ports
// replaced by free ones, so tests that run it never collide with each other or a demo.
import fs from 'node:fs';
import path from 'node:path';
import { freePorts, ROOT } from './harness.js';

const PORTS = [7101, 7102, 7111, 7112, 7121, 7122];

/** Copies examples/vdp under `dir`; returns its units dir and `extra` more free ports (for supd's API). */
export async function vdpFleet(dir: string, extra = 0): Promise<{ units: string; ports: number[] }> {
  const root = path.join(dir, 'vdp');
  fs.cpSync(path.join(ROOT, 'examples', 'vdp'), root, { recursive: true });
  const free = await freePorts(PORTS.length + extra);
  const ports = new Map(PORTS.map((p, i) => [String(p), String(free[i])]));
  const units = path.join(root, 'units');
  for (const file of fs.readdirSync(units)) {
    const full = path.join(units, file);
    fs.writeFileSync(full, fs.readFileSync(full, 'utf8').replace(/\b71(?:01|02|11|12|21|22)\b/g, (m) => ports.get(m) ?? m));
  }
  return { units, ports: free.slice(PORTS.length) };
}
