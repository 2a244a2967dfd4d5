// Helpers for the example servers' tests: spawn a node program, capture its output, wait on
// conditions with a bounded poll, talk line protocols, and kill everything by pid at teardown.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

export interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Proc {
  pid: number;
  stdout: () => string;
  stderr: () => string;
  /** null while running. */
  exit: () => Exit | null;
  exited: Promise<Exit>;
}

/** Runs `node script args…` in `cwd`; the process is SIGKILLed at teardown if still running. */
export function startNode(t: Teardown, script: string, args: readonly string[], cwd: string): Proc {
  const child = spawn(process.execPath, [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not spawn ${script}`);
  const pid = child.pid;
  let out = '';
  let err = '';
  let exit: Exit | null = null;
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  t.teardown(async () => {
    if (exit !== null) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    await exited;
  });
  return { pid, stdout: () => out, stderr: () => err, exit: () => exit, exited };
}

/** Polls `check` every 25ms until it returns a value other than false/null/undefined. */
export async function waitFor<T>(what: string, check: () => T | false | null | undefined | Promise<T | false | null | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== false && v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function waitForOutput(p: Proc, pattern: RegExp, what = String(pattern)): Promise<RegExpMatchArray> {
  return waitFor(`${what} in the output`, () => {
    const m = pattern.exec(p.stdout());
    if (m) return m;
    const e = p.exit();
    if (e !== null) throw new Error(`exited (${e.signal ?? e.code}) before ${what}; stderr: ${p.stderr()}`);
    return null;
  });
}

/** Ports the OS reports free right now (the servers bind them shortly after). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen({ host: '127.0.0.1', port: 0 }, () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** A line-protocol connection: send lines, read answers in order. */
export interface LineClient {
  send(line: string): void;
  next(): Promise<string>;
  close(): void;
}

export function lineClient(t: Teardown, port: number): Promise<LineClient> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const lines: string[] = [];
    const waiting: ((l: string) => void)[] = [];
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const w = waiting.shift();
        if (w) w(line);
        else lines.push(line);
      }
    });
    sock.on('close', () => { for (const w of waiting.splice(0)) w('<closed>'); });
    sock.once('error', reject);
    t.teardown(() => { sock.destroy(); });
    sock.once('connect', () => resolve({
      send: (line) => { sock.write(`${line}\n`); },
      next: () => {
        const l = lines.shift();
        if (l !== undefined) return Promise.resolve(l);
        if (sock.destroyed) return Promise.resolve('<closed>');
        return new Promise((r) => waiting.push(r));
      },
      close: () => { sock.destroy(); },
    }));
  });
}

/** One command, one answer line. */
export async function ask(t: Teardown, port: number, line: string): Promise<string> {
  const c = await lineClient(t, port);
  c.send(line);
  const answer = await c.next();
  c.close();
  return answer;
}
