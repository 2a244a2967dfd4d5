// The workloads, each run against one adapter: a fleet of N sleeps (start-all, status, restart,
// memory, idle CPU, stop-all), the log flood, and the dependency chain. Results go to a recorder.
import fs from 'node:fs';
import path from 'node:path';
import { clockTicksPerSecond, cpuTicks, daemonProcesses, pssBytes } from './proc.mjs';
import { canConnect, portFree } from './http.mjs';
import { Timeout, waitChildren, waitFor, waitQuiet } from './measure.mjs';
import { capturedBytes, verifyLines, waitCaptured } from './logcheck.mjs';
import { now, percentile, sleep, summary } from './stats.mjs';
import { killTree, makeTempDir, removeDir, runCmd } from './track.mjs';

function failure(what, r) {
  const why = r.timedOut ? 'timed out' : `exited ${r.code ?? r.signal}`;
  return new Error(`${what} ${why}: ${(r.stderr || r.stdout || '').trim().slice(0, 300)}`);
}

/** Tears a session down whatever state it is in: the adapter's way first, then by pid. */
async function teardown(adapter, s, tmp) {
  if (s !== undefined) {
    const roots = (() => {
      try {
        return adapter.daemonPids(s);
      } catch {
        return [];
      }
    })();
    let timer;
    const bound = new Promise((resolve) => {
      timer = setTimeout(resolve, 60_000);
    });
    await Promise.race([adapter.teardown(s).catch(() => {}), bound]);
    clearTimeout(timer);
    for (const pid of roots) if (pid) killTree(pid);
  }
  removeDir(tmp);
}

/**
 * Fleet of n `sleep 100000` children. Start/stop cycles repeat while the time budget allows;
 * status, restart, memory and CPU are taken once, with the fleet up, in the first cycle.
 */
export async function fleet(adapter, n, opts, rec) {
  const tmp = makeTempDir(`supd-bench-${adapter.name}-${n}`);
  const m = { nodeBare: [], start: [], stop: [], startApi: [], stopApi: [], status: [], api: [], restart: [], pss: [], cpu: [] };
  let s;
  try {
    s = await adapter.setup(n, { kind: 'sleep' }, tmp);
    const roots = adapter.daemonPids(s);
    const budgetEnd = now() + opts.cycleBudgetMs;
    for (let cycle = 0; cycle < opts.cycles; cycle += 1) {
      let t0 = now();
      const started = adapter.startAll(s);
      const startFailed = started.then((r) => (r.code !== 0 ? failure('start-all command', r) : undefined));
      await waitChildren(roots, (c) => c >= n, { timeoutMs: opts.startTimeoutMs, what: 'start-all', failed: startFailed });
      m.start.push(now() - t0);
      const rs = await started;
      if (rs.code !== 0) throw failure('start-all command', rs);

      if (cycle === 0) {
        await sleep(opts.settleMs);
        if (adapter.status) {
          // supd's target is a bare `node -e 0` plus a margin: both in turn, the same number of times.
          for (let i = 0; i < opts.statusReps; i += 1) {
            if (adapter.name === 'supd') m.nodeBare.push((await runCmd(process.execPath, ['-e', '0'])).ms);
            const r = await adapter.status(s);
            if (r.code !== 0) throw failure('status command', r);
            m.status.push(r.ms);
          }
        }
        if (adapter.apiStatus) {
          for (let i = 0; i < opts.apiReps; i += 1) {
            const r = await adapter.apiStatus(s);
            if (r.status !== 200) throw new Error(`GET /v1/units answered ${r.status}: ${r.body.slice(0, 200)}`);
            m.api.push(r.ms);
          }
        }
        for (let i = 0; i < opts.restartReps; i += 1) {
          m.restart.push(await adapter.killOneAndWaitRestart(s, i * 37 + 1, opts.restartTimeoutMs));
          await sleep(100);
        }
        // Every restarted child must be back before memory and CPU are read with n running.
        await waitChildren(roots, (c) => c >= n, { timeoutMs: opts.startTimeoutMs, what: 'fleet back after restarts', alive: true });
        // Memory and idle CPU in the steady state: once the daemon has used no CPU for 2.5 s
        // (supd's restarted units turn ready 1 s after their spawn and it collects once 2 s
        // after its last event; on a loaded machine that runs late), at most idleSettleMs.
        const pids = daemonProcesses(roots);
        await waitQuiet(pids, roots, opts.idleSettleMs);
        m.pss.push(pids.reduce((sum, pid) => sum + pssBytes(pid), 0) / 1e6);
        if (opts.idleMs > 0 && opts.idleAt.includes(n)) {
          const c0 = cpuTicks(pids, roots);
          await sleep(opts.idleMs);
          const c1 = cpuTicks(pids, roots);
          m.cpu.push(((c1 - c0) / clockTicksPerSecond() / (opts.idleMs / 1000)) * 100);
        }
      }

      t0 = now();
      const stopped = adapter.stopAll(s);
      const stopFailed = stopped.then((r) => (r.code !== 0 ? failure('stop-all command', r) : undefined));
      await waitChildren(roots, (c) => c === 0, { timeoutMs: opts.stopTimeoutMs, what: 'stop-all', alive: true, failed: stopFailed });
      m.stop.push(now() - t0);
      const rt = await stopped;
      if (rt.code !== 0) throw failure('stop-all command', rt);
      if (now() > budgetEnd) break;
    }
    // The same cycle through the HTTP API, where there is one: the daemon's share without the CLI's startup.
    for (let cycle = 0; adapter.apiStartAll && cycle < opts.apiCycles; cycle += 1) {
      let t0 = now();
      const started = adapter.apiStartAll(s);
      started.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
      await waitChildren(roots, (c) => c >= n, { timeoutMs: opts.startTimeoutMs, what: 'start-all (API)' });
      m.startApi.push(now() - t0);
      if ((await started).status >= 300) throw new Error('start-all (API) refused');
      await sleep(opts.settleMs);
      t0 = now();
      const stopped = adapter.apiStopAll(s);
      stopped.catch(() => {});
      await waitChildren(roots, (c) => c === 0, { timeoutMs: opts.stopTimeoutMs, what: 'stop-all (API)', alive: true });
      m.stopApi.push(now() - t0);
      if ((await stopped).status >= 300) throw new Error('stop-all (API) refused');
    }
  } catch (e) {
    rec.error(adapter.name, n, e);
  } finally {
    await teardown(adapter, s, tmp);
  }
  rec.put('start', n, adapter.name, m.start, 'ms');
  rec.put('stop', n, adapter.name, m.stop, 'ms');
  if (adapter.status) rec.put('status', n, adapter.name, m.status, 'ms');
  if (m.nodeBare.length > 0) rec.put('status', n, 'raw', m.nodeBare, 'ms', { note: '(`node -e 0`)' });
  if (adapter.apiStatus) rec.put('api', n, adapter.name, m.api, 'ms');
  if (adapter.apiStartAll) {
    rec.put('startApi', n, adapter.name, m.startApi, 'ms');
    rec.put('stopApi', n, adapter.name, m.stopApi, 'ms');
  }
  rec.put('restart', n, adapter.name, m.restart, 'ms');
  rec.put('pss', n, adapter.name, m.pss, 'MB');
  if (opts.idleMs > 0 && opts.idleAt.includes(n)) rec.put('cpu', n, adapter.name, m.cpu, '%');
}

/** One unit writes opts.floodBytes of 100-byte lines; MB/s until all of it is on disk, and nothing lost. */
export async function flood(adapter, opts, rec) {
  // Throughput is measured with nothing else asking the supervisor anything, the same for every
  // supervisor; the API's latency under a flood is a separate run (supd only: the others have no
  // API polled here), since on 2 cores the poller itself (a third busy process beside the writer
  // and the reader) costs the reader ~20 % of its throughput.
  const rates = [];
  let lost;
  for (let rep = 0; rep < opts.floodReps; rep += 1) {
    const r = await floodOnce(adapter, opts, false);
    if (r.error) {
      rec.error(adapter.name, 'log', r.error);
      break;
    }
    if (r.lost) lost = r.lost;
    rates.push(r.rate);
  }
  rec.put('log', 1, adapter.name, rates, 'MB/s', lost ? { note: `LOST: ${lost}` } : { note: rates.length ? 'no loss' : '' });
  if (!adapter.apiStatus) return;
  const polled = await floodOnce(adapter, opts, true);
  if (polled.error) {
    rec.error(adapter.name, 'floodApiP99', polled.error);
    return;
  }
  const api = polled.api;
  const extra = { note: `[${api.length} samples; log ${polled.rate.toFixed(0)} MB/s meanwhile${polled.lost ? `, LOST: ${polled.lost}` : ''}]` };
  rec.putValue('floodApiP50', 1, adapter.name, api.length ? summary([percentile(api, 50)], 'ms', extra) : summary([], 'ms'));
  rec.putValue('floodApiP99', 1, adapter.name, api.length ? summary([percentile(api, 99)], 'ms', extra) : summary([], 'ms'));
}

/** One flood: the rate from the writer's first write until the files hold every byte, whether
 * every line came through in order, and, when `poll`, the API's latencies meanwhile. */
async function floodOnce(adapter, opts, poll) {
  const tmp = makeTempDir(`supd-bench-${adapter.name}-flood`);
  const stampFile = path.join(tmp, 'stamp');
  const api = [];
  let s;
  try {
    s = await adapter.setup(1, { kind: 'flood', bytes: opts.floodBytes, stampFile }, tmp);
    const files = adapter.logFiles(s);
    let sampling = poll;
    const sampler = (async () => {
      while (sampling) {
        const t = now();
        const r = await adapter.apiStatus(s);
        if (r.status === 200) api.push(r.ms);
        await sleep(Math.max(0, 10 - (now() - t)));
      }
    })();
    const started = adapter.startAll(s);
    await waitFor(() => fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8').includes('\n'), {
      timeoutMs: 30_000,
      what: 'flood start',
      intervalMs: 2,
    });
    const cap = await waitCaptured(files, opts.floodBytes, opts.floodTimeoutMs);
    sampling = false;
    await sampler;
    const rs = await started;
    if (rs.code !== 0) throw failure('start command', rs);
    const t0 = Number(fs.readFileSync(stampFile, 'utf8').split('\n')[0]);
    const check = verifyLines(files, opts.floodBytes);
    const lost = check.ok ? undefined : `${check.problem} (captured ${capturedBytes(files)} of ${opts.floodBytes} bytes)`;
    if (cap.at === undefined) throw new Timeout(`flood capture (${cap.bytes} of ${opts.floodBytes} bytes on disk)`, opts.floodTimeoutMs);
    return { rate: opts.floodBytes / 1e6 / ((cap.at - t0) / 1000), lost, api };
  } catch (e) {
    return { error: e };
  } finally {
    await teardown(adapter, s, tmp);
  }
}

/** Finds `length` consecutive free ports from 7400 on. */
export async function chainPorts(length) {
  for (let base = 7400; base < 7400 + 20 * length; base += length) {
    let free = true;
    for (let p = base; p < base + length && free; p += 1) free = await portFree(p);
    if (free) return base;
  }
  throw new Error('no free range of ports for the dependency chain');
}

/** A chain of tcp servers, each requiring the one before: start until the last one accepts. */
export async function chain(adapter, opts, rec) {
  const ms = [];
  for (let rep = 0; rep < opts.chainReps; rep += 1) {
    const tmp = makeTempDir(`supd-bench-${adapter.name}-chain`);
    let s;
    try {
      const basePort = await chainPorts(opts.chainLength);
      const last = basePort + opts.chainLength - 1;
      s = await adapter.setup(opts.chainLength, { kind: 'chain', length: opts.chainLength, basePort }, tmp);
      const t0 = now();
      const started = adapter.startAll(s);
      await waitFor(() => canConnect(last), { timeoutMs: opts.chainTimeoutMs, what: 'chain: last unit ready', intervalMs: 2 });
      ms.push(now() - t0);
      const rs = await started;
      if (rs.code !== 0) throw failure('start command', rs);
    } catch (e) {
      rec.error(adapter.name, 'chain', e);
      break;
    } finally {
      await teardown(adapter, s, tmp);
    }
  }
  rec.put('chain', opts.chainLength, adapter.name, ms, 'ms');
}
