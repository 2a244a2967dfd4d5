// Owns every process and temp dir the bench creates and removes them on exit, on error and on
// Ctrl-C. Processes are killed by pid with their whole tree; nothing is ever killed by name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { allPids, cmdlineOf, descendantsOf, environOf, readStat } from './proc.mjs';

// Every process the bench starts carries this variable, so a leftover can be found after its
// parent died and it was reparented, and so a recycled pid is never mistaken for ours.
export const TAG_KEY = 'BENCH_RUN_TAG';
export const TAG = `${process.pid}-${Date.now()}`;

const pids = new Set();
const dirs = new Set();

export function benchEnv(extra = {}) {
  return { ...process.env, [TAG_KEY]: TAG, ...extra };
}

export function isOurs(pid) {
  return environOf(pid, TAG_KEY) === TAG;
}

export function trackPid(pid) {
  if (Number.isInteger(pid) && pid > 0) pids.add(pid);
}

export function trackDir(dir) {
  dirs.add(dir);
}

export function makeTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  dirs.add(dir);
  return dir;
}

export function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGKILLs pid and every descendant. The tree is frozen first (SIGSTOP) so a supervisor cannot
 * respawn a child between the scan and the kill; descendants are collected before the root dies,
 * because once it dies they are reparented and no longer found below it.
 */
export function killTree(pid) {
  const st = readStat(pid);
  // The tag check keeps a recycled pid of someone else's process safe.
  if (st === null || !isOurs(pid)) {
    pids.delete(pid);
    return;
  }
  signal(pid, 'SIGSTOP');
  const victims = new Set([pid]);
  for (let round = 0; round < 5; round += 1) {
    const found = descendantsOf([...victims]).filter((p) => !victims.has(p));
    if (found.length === 0) break;
    for (const p of found) {
      victims.add(p);
      signal(p, 'SIGSTOP');
    }
  }
  for (const p of victims) signal(p, 'SIGKILL');
  pids.delete(pid);
}

/** Spawns a process tagged as the bench's and tracked until it exits. */
export function spawnTracked(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { ...opts, env: benchEnv(opts.env ?? {}) });
  if (child.pid !== undefined) trackPid(child.pid);
  child.on('exit', () => pids.delete(child.pid));
  child.on('error', () => pids.delete(child.pid));
  return child;
}

/** Runs a command to completion; on timeout its tree is killed and timedOut is set. */
export function runCmd(cmd, args, opts = {}) {
  const { timeoutMs = 30_000, ...spawnOpts } = opts;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawnTracked(cmd, args, { ...spawnOpts, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killTree(child.pid);
    }, timeoutMs);
    const finish = (code, sig, error) => {
      clearTimeout(timer);
      resolve({
        code,
        signal: sig,
        ms: performance.now() - t0,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (error ? String(error) : ''),
        timedOut,
      });
    };
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, sig) => finish(code, sig, null));
  });
}

/** Every live process carrying this run's tag. */
export function taggedProcesses() {
  const out = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    if (!isOurs(pid)) continue;
    const st = readStat(pid);
    if (st === null || st.state === 'Z') continue;
    out.push({ pid, comm: st.comm, cmdline: cmdlineOf(pid).join(' ') });
  }
  return out;
}

/** Kills everything tracked or tagged and removes the temp dirs. Synchronous so it can run in 'exit'. */
export function cleanupAll() {
  for (const pid of [...pids].reverse()) killTree(pid);
  for (const p of taggedProcesses()) killTree(p.pid);
  for (const dir of [...dirs]) {
    try {
      removeDir(dir);
    } catch {
      // a dir that cannot be removed is reported by the leftover check's caller, not fatal here
    }
  }
}

let installed = false;
/** Cleans up on normal exit, on SIGINT/SIGTERM/SIGHUP and on an uncaught error. */
export function installCleanupHandlers() {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, cleaning up\n`);
      cleanupAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
  process.on('uncaughtException', (e) => {
    process.stderr.write(`bench: ${e?.stack ?? e}\n`);
    cleanupAll();
    process.exit(1);
  });
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`bench: unhandled rejection: ${e?.stack ?? e}\n`);
    cleanupAll();
    process.exit(1);
  });
}
