// Three supd "hosts" of one fleet on loopback: each its own host name, state dir, API port and
// units, meeting in a private etcd cluster under a fresh key prefix.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, runCli, Supd, type CliResult } from './harness.js';
import type { EtcdCluster } from './etcd-cluster.js';

type Tap = { teardown(fn: () => unknown): void; comment(...a: unknown[]): void };

export const FLEET_TOKEN = 'fleet-secret-token';
export const ADMIN_TOKEN = 'admin-secret-token';
export const OPERATOR_TOKEN = 'operator-secret-token';
export const VIEWER_TOKEN = 'viewer-secret-token';
/** Each host's etcd lease TTL (`--fleet-ttl`): what it holds (the rollout lock too) goes this long after it dies. */
export const FLEET_TTL_MS = 2000;

export interface FleetHost {
  name: string;
  supd: Supd;
  url: string;
  /** The fleet's etcd key prefix (the same for every host of one startFleet). */
  prefix: string;
  /** supctl against this host's unix socket. */
  ctl(...args: string[]): Promise<CliResult>;
}

let seq = 0;

export async function startFleet(t: Tap, etcd: EtcdCluster, hosts: Record<string, Record<string, string>>, extra: string[] = []): Promise<FleetHost[]> {
  const prefix = `/supd-test-${process.pid}-${++seq}`;
  const out: FleetHost[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-fleet-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tokens = path.join(dir, 'tokens.json');
  fs.writeFileSync(tokens, JSON.stringify({ [FLEET_TOKEN]: 'fleet', [ADMIN_TOKEN]: 'admin', [OPERATOR_TOKEN]: 'operator', [VIEWER_TOKEN]: 'viewer' }));
  for (const [name, units] of Object.entries(hosts)) {
    const port = await freePort();
    // Three supd and three etcd members start at once: on a loaded 2-core machine that takes a while.
    const supd = new Supd(t, { units, startTimeoutMs: 90_000, args: [
      '--listen', `127.0.0.1:${port}`, '--tokens-file', tokens,
      '--fleet-etcd', etcd.endpoints, '--fleet-host', name, '--fleet-prefix', prefix, '--fleet-ttl', `${FLEET_TTL_MS}ms`, '--fleet-token', FLEET_TOKEN,
      ...extra,
    ] });
    out.push({ name, supd, url: `http://127.0.0.1:${port}`, prefix, ctl: (...args) => runCli(['--socket', supd.socket, ...args]) });
  }
  await Promise.all(out.map((h) => h.supd.start()));
  return out;
}
