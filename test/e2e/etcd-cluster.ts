// A private etcd cluster for the fleet tests: three members on random loopback ports in a temp
// dir, never the system service; stopped (and its data removed) by pid in the teardown.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts, waitUntil } from './harness.js';

type Tap = { teardown(fn: () => unknown): void };

export const ETCD = ['/usr/bin/etcd', '/usr/local/bin/etcd'].find((p) => fs.existsSync(p)) ?? null;

export interface Member {
  name: string;
  client: string;
  peer: string;
  proc: ChildProcess | null;
  /** The last of what it wrote on stderr (why it exited, when it did). */
  stderr: string;
}

export class EtcdCluster {
  readonly dir: string;
  readonly members: Member[] = [];

  constructor(t: Tap, readonly size = 3) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-etcd-'));
    t.teardown(() => this.teardown());
  }

  get endpoints(): string {
    return this.members.map((m) => m.client).join(',');
  }

  /** A port found free may be taken by another test before etcd binds it: a member that exits
   * while the cluster forms is retried with fresh ports and data (three tries), its stderr told. */
  async start(): Promise<this> {
    if (ETCD === null) throw new Error('etcd is not installed (apt-get install etcd-server)');
    for (let attempt = 1; ; attempt++) {
      const ports = await freePorts(this.size * 2);
      this.members.length = 0;
      for (let i = 0; i < this.size; i++) {
        this.members.push({ name: `m${i + 1}`, client: `http://127.0.0.1:${ports[2 * i]}`, peer: `http://127.0.0.1:${ports[2 * i + 1]}`, proc: null, stderr: '' });
      }
      for (const m of this.members) this.spawn(m);
      try {
        await this.healthy();
        return this;
      } catch (err) {
        const dead = this.members.find((m) => m.proc !== null && (m.proc.exitCode !== null || m.proc.signalCode !== null));
        for (let i = 0; i < this.members.length; i++) await this.kill(i);
        for (const m of this.members) fs.rmSync(path.join(this.dir, m.name), { recursive: true, force: true });
        if (dead === undefined || attempt === 3) {
          const why = this.members.map((m) => `${m.name} (${m.client}): ${m.stderr.trim().split('\n').slice(-3).join(' | ') || 'nothing on stderr'}`).join('; ');
          throw new Error(`${(err as Error).message} (attempt ${attempt}): ${why}`);
        }
      }
    }
  }

  private spawn(m: Member): void {
    const cluster = this.members.map((x) => `${x.name}=${x.peer}`).join(',');
    const dataDir = path.join(this.dir, m.name);
    const fresh = !fs.existsSync(dataDir);
    const args = [
      '--name', m.name, '--data-dir', dataDir,
      '--listen-client-urls', m.client, '--advertise-client-urls', m.client,
      '--listen-peer-urls', m.peer, '--initial-advertise-peer-urls', m.peer,
      '--initial-cluster', cluster, '--initial-cluster-state', fresh ? 'new' : 'existing',
      '--initial-cluster-token', path.basename(this.dir),
      // Short heartbeats: elections (after a member is killed) settle within a second.
      '--heartbeat-interval', '50', '--election-timeout', '500',
      '--logger', 'zap', '--log-level', 'error',
    ];
    const proc = spawn(ETCD as string, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env['ETCD_UNSUPPORTED_ARCH'] ?? '' } });
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (d: string) => {
      m.stderr = (m.stderr + d).slice(-2000);
    });
    m.proc = proc;
  }

  /** Every running member answers /health. */
  async healthy(timeoutMs = 20_000): Promise<void> {
    await waitUntil(async () => {
      for (const m of this.members) {
        if (m.proc === null) continue;
        if (m.proc.exitCode !== null || m.proc.signalCode !== null) throw new Error(`etcd member ${m.name} exited while the cluster formed`);
        try {
          const r = await fetch(`${m.client}/health`, { signal: AbortSignal.timeout(1000) });
          const body = (await r.json()) as { health?: string };
          if (body.health !== 'true') return false;
        } catch {
          return false;
        }
      }
      return true;
    }, 'etcd cluster healthy', timeoutMs);
  }

  /** SIGKILL to one member; resolves once it exited. */
  async kill(i: number): Promise<void> {
    const m = this.members[i];
    const proc = m?.proc;
    if (m === undefined || proc == null) return;
    m.proc = null;
    // A member that already died (crashed, or killed before) never emits 'exit' again: waiting for
    // it would hang the teardown and leak the other members.
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGKILL');
    await exited;
  }

  /** Starts a killed member again with its data. */
  restart(i: number): void {
    const m = this.members[i];
    if (m !== undefined && m.proc === null) this.spawn(m);
  }

  /** etcdctl against the cluster (for assertions on the keys). */
  ctl(...args: string[]): string {
    const r = spawnSync('etcdctl', ['--endpoints', this.endpoints, ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
    if (r.status !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  private async teardown(): Promise<void> {
    for (let i = 0; i < this.members.length; i++) await this.kill(i);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

