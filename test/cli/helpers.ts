// CLI test setup: a real API server over a FakeControl on a short-named unix socket (and, when
// asked, on 127.0.0.1 with tokens), and runners for supctl in-process and as the built binary.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type t from 'tap';
import { runCli } from '../../cli/program.js';
import { buildServer } from '../../daemon/api/server.js';
import type { FakeControl } from '../fakes/control.js';
import { fleet, TOKENS } from '../api/helpers.js';

export type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** supctl as installed: bin/supctl.js, which requires the bundle the build writes (dist/cli/supctl.cjs). */
export const BIN = path.join(ROOT, 'bin', 'supctl.js');
const BUNDLE = path.join(ROOT, 'dist', 'cli', 'supctl.cjs');

export interface Daemon {
  control: FakeControl;
  socket: string;
  /** http://127.0.0.1:PORT, when started with tcp. */
  url: string;
  dir: string;
  close(): Promise<void>;
}

/** A temp dir with a short path: unix socket paths must fit in ~108 bytes. */
export function shortTempDir(t: TapTest): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supctl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function daemon(t: TapTest, opts: { tcp?: boolean; control?: FakeControl } = {}): Promise<Daemon> {
  const control = opts.control ?? fleet();
  const dir = shortTempDir(t);
  const socket = path.join(dir, 'supd.sock');
  const local = buildServer(control, { auth: null, logger: false, version: '9.9.9' });
  await local.listen({ path: socket });
  const apps = [local];
  let url = '';
  if (opts.tcp === true) {
    const remote = buildServer(control, { auth: { tokens: TOKENS }, logger: false, version: '9.9.9' });
    await remote.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(remote.server.address() as AddressInfo).port}`;
    apps.push(remote);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.all(apps.map((a) => a.close()));
  };
  t.teardown(close);
  return { control, socket, url, dir, close };
}

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** supctl in this process: what it prints and the exit code it would exit with. */
export async function cli(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => { stdout += s; },
    stderr: (s) => { stderr += s; },
    env,
    cwd,
    version: '1.2.3',
  });
  return { code, stdout, stderr };
}

/** The built binary, `node bin/supctl.js`, run asynchronously so the test's server keeps serving. */
export function bin(t: TapTest, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: os.tmpdir(), ...env },
      timeout: 30_000,
    }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    });
  });
}

export function binBuilt(): boolean {
  return existsSync(BUNDLE);
}

export async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
