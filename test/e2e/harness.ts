// End-to-end harness: the built supd on a temporary socket and state dir, supctl as a real
// process, the event stream as the clock (tests wait on events, never on sleeps), and a teardown
// that stops supd and checks, by pid, that nothing it started is left.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SupdEvent, UnitStatus } from '../../daemon/control.js';

type Tap = { teardown(fn: () => unknown): void; comment(...a: unknown[]): void };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SUPD = path.join(ROOT, 'dist', 'daemon', 'main.js');
/** supctl as installed: bin/supctl.js, which requires the bundle the build writes. */
export const SUPCTL = path.join(ROOT, 'bin', 'supctl.js');
const SUPCTL_BUNDLE = path.join(ROOT, 'dist', 'cli', 'supctl.cjs');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'bin');
export const NODE = process.execPath;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
/** Ports this test process was already given: the kernel may hand a released port out again, and
 * two units of one test given the same port would collide. */
const given = new Set<number>();

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0] as number;
}

/** `n` free ports on 127.0.0.1, distinct and never given before in this process: bound all at
 * once, then released. */
export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const servers = await Promise.all(Array.from({ length: n - ports.length }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })));
    for (const srv of servers) {
      const port = (srv.address() as net.AddressInfo).port;
      if (!given.has(port)) ports.push(port);
      given.add(port);
    }
    await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  }
  return ports;
}

/** A process's start time (clock ticks since boot, /proc/<pid>/stat field 22), or null when it
 * is gone or a zombie: with pid_max 32768 a busy suite reuses pids within seconds, so a pid alone
 * does not name one process. */
export function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? null : (fields[19] ?? null);
  } catch {
    return null;
  }
}

/** Every descendant pid of `root` (read from /proc), deepest last. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const ppid = Number(fields[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

function connectable(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socket, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

export function alive(pid: number): boolean {
  return startTime(pid) !== null;
}

export async function waitUntil<T>(cond: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface SupdOptions {
  /** Unit files: name → YAML text, written into a fresh units dir. */
  units?: Record<string, string>;
  /** Or an existing units dir. */
  unitsDir?: string;
  args?: string[];
  env?: Record<string, string>;
  /** Wait for the API socket (default true). */
  wait?: boolean;
  /** How long to wait for the socket (default 20 s). */
  startTimeoutMs?: number;
}

export class Supd {
  readonly dir: string;
  readonly unitsDir: string;
  readonly stateDir: string;
  readonly socket: string;
  proc: ChildProcess | null = null;
  output = '';
  /** Every event seen on /v1/events since start, in order. */
  readonly events: SupdEvent[] = [];
  private eventReq: http.ClientRequest | null = null;
  /** Every process ever seen under supd (pid → start time), checked at teardown. */
  private seen = new Map<number, string>();

  constructor(t: Tap, private readonly opts: SupdOptions = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-e2e-'));
    this.unitsDir = opts.unitsDir ?? path.join(this.dir, 'units');
    this.stateDir = path.join(this.dir, 'state');
    this.socket = path.join(this.stateDir, 'supd.sock');
    if (opts.unitsDir === undefined) {
      fs.mkdirSync(this.unitsDir);
      for (const [name, text] of Object.entries(opts.units ?? {})) this.writeUnit(name, text);
    }
    t.teardown(() => this.teardown());
  }

  writeUnit(name: string, text: string): void {
    fs.writeFileSync(path.join(this.unitsDir, name.endsWith('.yaml') ? name : `${name}.yaml`), text);
  }

  logFile(unit: string): string {
    return path.join(this.stateDir, 'logs', `${unit}.log`);
  }

  async start(): Promise<this> {
    const args = [SUPD, '--units-dir', this.unitsDir, '--state-dir', this.stateDir, '--listen', '', '--stats-interval', '1s', ...(this.opts.args ?? [])];
    const proc = spawn(NODE, args, { env: { ...process.env, ...this.opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    if (this.opts.wait !== false) {
      // Connectable, not merely present: a supd killed before leaves its socket file behind.
      await waitUntil(async () => proc.exitCode !== null || (fs.existsSync(this.socket) && (await connectable(this.socket))), 'supd socket', this.opts.startTimeoutMs);
      if (proc.exitCode !== null) throw new Error(`supd exited ${proc.exitCode}: ${this.output}`);
      await this.subscribe();
    }
    return this;
  }

  get pid(): number {
    return this.proc?.pid ?? -1;
  }

  private subscribe(): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.get({ socketPath: this.socket, path: '/v1/events' }, (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = block.split('\n').find((l) => l.startsWith('data: '));
            if (data !== undefined) this.events.push(JSON.parse(data.slice(6)) as SupdEvent);
          }
        });
        res.on('error', () => undefined);
        resolve();
      });
      req.on('error', reject);
      this.eventReq = req;
    });
  }

  /** Transitions of one unit (or all) seen so far. */
  transitions(unit?: string): Extract<SupdEvent, { type: 'transition' }>[] {
    return this.events.filter((e): e is Extract<SupdEvent, { type: 'transition' }> => e.type === 'transition' && (unit === undefined || e.unit === unit));
  }

  /** Waits for an event matching `pred` at or after index `from`; returns its index. */
  async waitEvent(pred: (e: SupdEvent) => boolean, what: string, from = 0, timeoutMs = 30_000): Promise<number> {
    return waitUntil(() => {
      for (let i = from; i < this.events.length; i++) if (pred(this.events[i] as SupdEvent)) return i + 1;
      return null;
    }, what, timeoutMs).then((n) => n - 1);
  }

  /** Waits for `unit` to enter `state` after event `from`; with from = 0 a unit already in that
   * state counts too (boot transitions can precede the event subscription). */
  waitState(unit: string, state: string, from = 0, timeoutMs = 30_000): Promise<number> {
    return waitUntil(async () => {
      for (let i = from; i < this.events.length; i++) {
        const e = this.events[i] as SupdEvent;
        if (e.type === 'transition' && e.unit === unit && e.to === state) return i + 1;
      }
      if (from === 0 && (await this.status()).some((u) => u.name === unit && u.state === state)) return this.events.length;
      return null;
    }, `${unit} → ${state}`, timeoutMs).then((n) => n - 1);
  }

  /** Runs supctl against this supd. */
  ctl(...args: string[]): Promise<CliResult> {
    return runCli(['--socket', this.socket, ...args]);
  }

  async status(): Promise<UnitStatus[]> {
    const r = await this.api('GET', '/v1/units');
    return (r.body as { units: UnitStatus[] }).units;
  }

  async unit(name: string): Promise<UnitStatus> {
    const u = (await this.status()).find((x) => x.name === name);
    if (u === undefined) throw new Error(`no unit ${name}`);
    if (u.pid !== null) this.see(u.pid);
    return u;
  }

  /** A raw HTTP request over the unix socket. */
  api(method: string, urlPath: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socket, path: urlPath, method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // text body
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Records the pids under supd now, so teardown can prove they are gone. */
  snapshot(): number[] {
    const pids = this.proc?.pid ? descendants(this.proc.pid) : [];
    for (const p of pids) this.see(p);
    return pids;
  }

  private see(pid: number): void {
    const start = startTime(pid);
    if (start !== null) this.seen.set(pid, start);
  }

  /** SIGKILL to supd (its units are left running, as after a crash); resolves once it exited.
   * Its units' pids stay on the teardown's list. */
  async crash(): Promise<number[]> {
    const proc = this.proc;
    if (proc === null) return [];
    const units = this.snapshot();
    this.eventReq?.destroy();
    this.events.length = 0;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGKILL');
      await exited;
    }
    this.proc = null;
    return units;
  }

  /** SIGTERM to supd and wait for it to exit; returns its exit code. */
  async stop(): Promise<number | null> {
    const proc = this.proc;
    if (proc === null) return null;
    this.snapshot();
    this.eventReq?.destroy();
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 60_000)))]);
      clearTimeout(timer);
    }
    this.proc = null;
    return proc.exitCode;
  }

  private async teardown(): Promise<void> {
    const proc = this.proc;
    if (proc !== null) {
      this.snapshot();
      await this.stop();
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    // The same processes only: a pid reused since by another test's process is not supd's.
    const left = [...this.seen].filter(([p, start]) => p !== proc?.pid && startTime(p) === start).map(([p]) => p);
    // What each was, for the failure message: a pid alone says nothing once it is killed.
    const named = left.map((p) => {
      try {
        return `${p} (${fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 120)})`;
      } catch {
        return String(p);
      }
    });
    for (const p of left) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`processes left behind by supd: ${named.join(', ')}`);
  }
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(NODE, [SUPCTL, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The build the e2e tests run: `npm test` builds first; a missing dist is a clear failure. */
export function assertBuilt(): void {
  if (!fs.existsSync(SUPD) || !fs.existsSync(SUPCTL_BUNDLE)) {
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('dist/ is missing and the build failed: run npm run build');
  }
}

export function fixture(name: string, ...args: (string | number)[]): string {
  return JSON.stringify([NODE, path.join(FIXTURES, name), ...args.map(String)]);
}
