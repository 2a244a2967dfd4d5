#!/usr/bin/env -S node --max-semi-space-size=1 --expose-gc --no-memory-reducer --v8-pool-size=1
// supd's composition root: configuration, logger, unit files, the runtime with real edges, the API
// on the unix socket (and TCP), metadata watches, systemd notification and signals.
// The launcher line caps V8's young generation at 1 MB: supd allocates little that lives, and a
// smaller heap makes every fork cheaper (bench: PSS 117 → 78 MB, start-all of 500 1.95 → 1.64 s).
// --expose-gc gives daemon/settle.ts the one full collection it runs once supd is quiet after a
// burst of work (PSS at N=500: 52 → 47 MB). That collection makes V8's memory reducer redundant:
// once allocation stops, the reducer runs up to three more full collections 8 s apart, which were
// all of an idle supd's CPU (bench, N=500 after ten restarts: idle 0.55 % of a core → 0 %, PSS
// 69.5 and 69.9 MB in the same session), so --no-memory-reducer turns it off.
// --v8-pool-size=1: one V8 helper thread instead of four. Each thread ran its own malloc arena,
// and supd's small heap needs no more help with marking and compiling (N=500: anonymous memory
// 38.3–41.6 → 32.7–33.2 MB; start-all, restart, stop and the log flood unchanged within noise).
// V8 takes the flags only on the command line, so `node dist/daemon/main.js` runs without them.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ConfigError, loadConfig, requestedInfo, supdVersion, usage, type SupdConfig } from '../config/load.js';
import { createLogger, logFormat, useColor, type Logger } from './log.js';
import { isSupdError } from './errors.js';
import { Runtime } from './runtime.js';
import { loadWithTopology } from './topology.js';
import { realEdges } from './edges/index.js';
import { buildServer, type AuditEntry } from './api/server.js';
import { createPeerLookup } from './edges/peercred.js';
import { formatDiagnostic } from '../units/diagnostics.js';
import { createUnitLoader } from './edges/unit-loader.js';
import { watchGlobs } from './edges/watch.js';
import { createNotifier } from './edges/notify.js';
import { createMetrics } from './metrics.js';
import { collectWhenQuiet } from './settle.js';
import { recover } from './recovery.js';
import { openJournal } from './edges/journal.js';
import { Warnings } from './warnings.js';
import type { UnitGraph } from '../units/graph.js';
import { FleetMember } from './fleet/member.js';
import { bridgeRemote, localUnits } from './fleet/local.js';
import type { UnitSpec } from '../units/types.js';

type Role = 'viewer' | 'operator' | 'fleet' | 'admin';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const info = requestedInfo(argv);
  if (info === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  if (info === 'version') {
    process.stdout.write(`supd ${supdVersion()}\n`);
    return 0;
  }
  let config: SupdConfig;
  try {
    config = loadConfig(argv, process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`supd: ${e.message}\n`);
      return 78;
    }
    throw e;
  }
  const log = createLogger({ level: config.log.level, format: logFormat(process.env), color: useColor(process.env) });
  try {
    return await run(config, log);
  } catch (e) {
    const known = fatalMessage(e, config);
    if (known !== null) log.fatal({ code: known.code }, known.message);
    else log.fatal({ err: e }, `supd: ${e instanceof Error ? e.message : String(e)}`);
    return isSupdError(e) ? e.exitCode : 1;
  }
}

/** The fatal errors an operator meets, as one line with the cause and the fix (no stack); null
 * for anything else, which is a bug and keeps its stack. */
function fatalMessage(e: unknown, config: SupdConfig): { code: string; message: string } | null {
  if (isSupdError(e)) return { code: e.code, message: `supd: ${e.message}${e.hint === undefined || e instanceof ConfigError ? '' : ` (${e.hint})`}` };
  const errno = typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : null;
  const listen = config.api.listen;
  if (errno === 'EADDRINUSE' && listen !== null) {
    return {
      code: errno,
      message: `supd: cannot listen on ${listen.host}:${listen.port} (api.listen): the address is in use, by another supd on this host or another program; `
        + `give this one another api.listen (--listen HOST:PORT) or none (--listen '')`,
    };
  }
  if (errno === 'EADDRNOTAVAIL' && listen !== null) {
    return { code: errno, message: `supd: cannot listen on ${listen.host}:${listen.port} (api.listen): no such address on this host; fix api.listen` };
  }
  if ((errno === 'EACCES' || errno === 'EPERM') && e instanceof Error) {
    return { code: errno, message: `supd: ${e.message}: permission denied; run supd as a user that may write there, or change the path (stateDir, logDir, api.socket)` };
  }
  return null;
}

async function run(config: SupdConfig, log: Logger): Promise<number> {
  fs.mkdirSync(config.stateDir, { recursive: true, mode: 0o750 });
  fs.mkdirSync(config.logDir, { recursive: true, mode: 0o750 });
  const notify = createNotifier(process.env, log);
  const tokens = readTokens(config.api.tokensFile);

  const unitLoader = createUnitLoader();
  const loadUnitFiles = () => loadWithTopology(() => unitLoader.load(config.unitsDir, config.host));
  const first = await loadUnitFiles();
  for (const d of first.diagnostics) log[d.severity === 'error' ? 'error' : 'warn']({ code: d.code }, formatDiagnostic(d, process.cwd()));
  if (first.topo === null || first.graph === null) {
    throw new ConfigError(`unit files in ${config.unitsDir} have errors; fix them (supctl validate ${config.unitsDir})`);
  }
  let graph: UnitGraph = first.graph;

  // Before anything starts: another supd on this state dir is an error, and whatever a killed
  // supd left running is stopped (dependents first), so that no unit runs twice.
  await assertNoOtherSupd(config.api.socket);
  const topo = first.topo;
  const recovered = await recover(config.stateDir, new Map(first.units.map((u) => [u.name, u])), (n) => topo.dependentsClosure(n), log);
  const journal = openJournal(config.stateDir, recovered.goals, (err) => log.error({ err }, `cannot write ${config.stateDir}/units.journal: a crash of supd could leave units running`));

  let runtime: Runtime | null = null;
  const warnings = new Warnings(log);
  const metrics = createMetrics(() => runtime, { counts: warnings, lostBytes: (unit) => runtime?.edges.logs.counters(unit).dropped ?? 0 });

  runtime = new Runtime({
    specs: first.units,
    topo: first.topo,
    loadUnits: async () => {
      const r = await loadUnitFiles();
      if (r.graph !== null) {
        graph = r.graph;
        runtime?.setResolver((t) => graph.resolveTarget(t));
        void watches.reset(r.units);
      }
      return r;
    },
    resolveTarget: (t) => graph.resolveTarget(t),
    edges: (hooks) => realEdges(hooks, {
      logDir: config.logDir, maxSize: config.logs.maxSize, keep: config.logs.keep,
      onWarning: (unit, message, detail) => warnings.edge(unit, message, detail),
      onCoreException: (err) => warnings.coreException(err, 'a timer'),
    }),
    onCoreException: (err, event) => warnings.coreException(err, event),
    log,
    baseEnv: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('NOTIFY_SOCKET') && !e[0].startsWith('WATCHDOG_'))),
    portWaitMs: config.portWait,
    statsIntervalMs: config.stats.interval,
    stateDir: config.stateDir,
    journal,
    metrics: () => metrics.render(),
  });
  const rt = runtime;
  // Garbage of startup and of every later burst (start all, reload, a restart storm) collected
  // once the unit events have been quiet for a while.
  const settle = collectWhenQuiet((globalThis as { gc?: () => void }).gc);
  rt.subscribe(() => settle.poke());
  settle.poke();
  const watches = metadataWatches(rt, log);
  await watches.reset(first.units);

  const version = supdVersion();
  const member = config.fleet === null ? null : await joinFleet(config.fleet, rt, version, log);

  // The API: unix socket (its file mode is its guard), then TCP with tokens.
  const audit = (entry: AuditEntry): void => {
    log.info({ audit: entry }, `audit: ${entry.route}${entry.target === null ? '' : ` ${entry.target}`} by ${entry.tokenId ?? `uid ${entry.peerUid ?? '?'}`} (${entry.role ?? 'no role'}): ${entry.outcome} ${entry.status}`);
  };
  const peers = createPeerLookup();
  const local = buildServer(rt, { auth: null, logger: false, version, fleet: member, audit, peer: (socket) => peers.uid(socket) });
  await listenUnix(local, config.api.socket);
  const servers = [local];
  if (config.api.listen !== null) {
    const remote = buildServer(rt, { auth: { tokens }, logger: false, version, fleet: member, audit });
    await remote.listen({ host: config.api.listen.host, port: config.api.listen.port });
    servers.push(remote);
  }
  log.info({ socket: config.api.socket, listen: config.api.listen, units: first.units.length }, `supd ${version} listening`);

  let stopping: Promise<number> | null = null;
  const shutdown = (signal: string): Promise<number> => {
    if (stopping !== null) return stopping;
    stopping = (async () => {
      log.info({ signal, safe: config.shutdown.safe }, `${signal}: stopping every unit${config.shutdown.safe ? ' (drained)' : ''}`);
      notify.stopping(config.shutdown.safe ? config.shutdown.timeout : 0);
      await unitLoader.close();
      const bound = setTimeout(() => log.error('shutdown timeout: exiting with units still running'), config.shutdown.timeout);
      bound.unref();
      const r = await rt.shutdown(config.shutdown.safe);
      clearTimeout(bound);
      await watches.close();
      await member?.close();
      // Node's close() waits for a connection that sent no request yet (undici opens one after a
      // relayed log stream is aborted) until headersTimeout, 60 s. Streams are ended and units
      // stopped by now: whatever is still connected after a moment is cut.
      await Promise.all(servers.map(async (s) => {
        const cut = setTimeout(() => s.server.closeAllConnections(), CLOSE_GRACE_MS);
        try {
          await s.close();
        } finally {
          clearTimeout(cut);
        }
      }));
      await notify.close();
      await peers.close();
      settle.close();
      log.info({ ok: r.ok, forced: r.forced }, 'supd stopped');
      return 0;
    })();
    return stopping;
  };

  const exit = new Promise<number>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void shutdown(sig).then(resolve));
  });
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading unit files');
    void rt.reload().catch((err: unknown) => log.error({ err }, 'reload failed'));
  });

  const boot = await rt.boot(recovered.goals);
  if (!boot.ok) log.warn({ failures: boot.failures.map((f) => ({ unit: f.unit, reason: f.reason })) }, `some autostart units did not become ready: ${boot.message}`);
  notify.ready(() => statusLine(rt.list()));
  return exit;
}

/** Joins the fleet in etcd: a lease, this host's records, a watch of the others. etcd being down
 * at start is not fatal: local units start anyway and the member keeps trying. */
async function joinFleet(fleet: NonNullable<SupdConfig['fleet']>, rt: Runtime, version: string, log: Logger): Promise<FleetMember> {
  // Loaded only here: the etcd client (gRPC) costs a single-host supd memory and start-up for nothing.
  const { createEtcdStore } = await import('./edges/etcd.js');
  const store = createEtcdStore({
    endpoints: fleet.etcd,
    tls: fleet.tls,
    auth: fleet.auth,
    callTimeoutMs: FLEET_TIMEOUT_MS,
    onError: (message, err) => log.warn({ err }, `fleet: ${message}`),
  });
  const member = new FleetMember(store, localUnits(rt), {
    host: fleet.host, advertise: fleet.advertise, prefix: fleet.prefix, ttlMs: fleet.ttl, token: fleet.token, version,
    timeoutMs: FLEET_TIMEOUT_MS, commandTimeoutMs: 15 * 60_000,
  }, log.child({ component: 'fleet' }));
  member.start();
  bridgeRemote(rt, member);
  log.info({ host: fleet.host, etcd: fleet.etcd, advertise: fleet.advertise }, `fleet: joining as ${fleet.host}`);
  return member;
}

/** A fleet read or call to another supd fails after this: fleet commands answer within 2 s. */
const FLEET_TIMEOUT_MS = 1500;
/** At shutdown, how long the API servers wait for their clients' connections before cutting them. */
const CLOSE_GRACE_MS = 1000;

function statusLine(units: { state: string }[]): string {
  const counts = new Map<string, number>();
  for (const u of units) counts.set(u.state, (counts.get(u.state) ?? 0) + 1);
  return `${units.length} units: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
}

function readTokens(file: string | null): Map<string, Role> {
  const tokens = new Map<string, Role>();
  if (file === null) return tokens;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`config: api.tokensFile: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`config: api.tokensFile: ${file} must hold a JSON object mapping each token to a role`);
  }
  for (const [token, role] of Object.entries(raw as Record<string, unknown>)) {
    if (role !== 'viewer' && role !== 'operator' && role !== 'fleet' && role !== 'admin') {
      throw new ConfigError(`config: api.tokensFile: ${file}: a token has role ${JSON.stringify(role)}; roles are viewer, operator, fleet, admin`);
    }
    tokens.set(token, role);
  }
  return tokens;
}

/** A live supd on the socket is an error; a stale socket file (from a supd that died) is removed. */
async function assertNoOtherSupd(socket: string): Promise<void> {
  if (fs.existsSync(socket)) {
    const alive = await new Promise<boolean>((resolve) => {
      const c = net.connect(socket, () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (alive) throw new ConfigError(`config: api.socket: another supd already listens on ${socket}; stop it, or give this one another stateDir (or api.socket)`);
    fs.unlinkSync(socket);
  }
}

/** Listens on the unix socket with mode 0660 from its creation. assertNoOtherSupd ran at start;
 * a supd that took the path since makes the listen fail (EADDRINUSE). */
async function listenUnix(server: ReturnType<typeof buildServer>, socket: string): Promise<void> {
  fs.mkdirSync(path.dirname(socket), { recursive: true });
  const old = process.umask(0o117);
  try {
    await server.listen({ path: socket });
  } finally {
    process.umask(old);
  }
  fs.chmodSync(socket, 0o660);
}

/** One chokidar watch per master with metadata globs, remade on reload. */
function metadataWatches(rt: Runtime, log: Logger): { reset(units: UnitSpec[]): Promise<void>; close(): Promise<void> } {
  let closers: { close(): Promise<void>; ready: Promise<void> }[] = [];
  return {
    /** Resolves once every watch has scanned its files, so no later write goes unseen. */
    reset(units) {
      const old = closers;
      closers = [];
      void Promise.all(old.map((c) => c.close()));
      for (const u of units) {
        if (u.metadata.length === 0) continue;
        try {
          closers.push(watchGlobs(u.metadata, (paths) => rt.metadataTouched(u.name, paths)));
        } catch (err) {
          log.warn({ err, unit: u.name }, `${u.name}: cannot watch metadata`);
        }
      }
      return Promise.all(closers.map((c) => c.ready)).then(() => undefined);
    },
    async close() {
      await Promise.all(closers.map((c) => c.close()));
    },
  };
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`supd: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
