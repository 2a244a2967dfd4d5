// The interpreter: holds the one mutable fleet, feeds edge events into the core, runs the core's
// effects through the edges, publishes transitions, and implements Control for the API.
// The only module that imports both the core and the edges' interfaces.
import type { Logger } from 'pino';
import { SupdError } from './errors.js';
import type {
  CommandRequest, CommandResult, Control, LogFollow, ReloadPlan, ReloadResult, RolloutView, SupdEvent, UnitActionOutcome,
  UnitActionResult, UnitFailure, UnitStatus,
} from './control.js';
import { allDown, createFleet, isStale, dispatch, type Fleet, type FleetEffect, type FleetEvent, type Topology } from './core/fleet.js';
import { pidOf, type UnitEvent } from './core/model.js';
import type { JobEffect } from './core/jobs.js';
import type { Edges, EdgeHooks } from './edge-set.js';
import type { UnitSpec, LoadResult, Signal } from '../units/types.js';
import { toStatus, type Sample } from './status.js';
import { RolloutStore, rolloutPlan, rolloutResult, view } from './rollouts.js';
import type { Rollout, RolloutPlan } from './core/rollout.js';
import { bootTargets } from './core/recovery.js';
import type { Journal } from './edges/journal.js';
import { asSupd, type RunAs } from './edges/runas.js';

export interface RuntimeOptions {
  specs: UnitSpec[];
  topo: Topology;
  /** Re-reads the unit files (for reload): the new units and their graph, or diagnostics. */
  loadUnits: () => Promise<LoadResult & { topo: Topology | null }>;
  resolveTarget: (target: string) => string[] | null;
  edges: (hooks: EdgeHooks) => Edges;
  log: Logger;
  /** Inherited environment for units (supd's own, usually). */
  baseEnv: Record<string, string>;
  portWaitMs: number;
  statsIntervalMs: number;
  stateDir: string | null;
  /** Records spawns, exits and hand-set goals for recovery after a crash of supd. */
  journal?: Journal | null;
  metrics?: () => Promise<string>;
  /** An exception thrown by the core while handling an event: supd logs and counts it and goes
   * on with the next event (one bad event must not stop supervision of every unit). */
  onCoreException?: (err: unknown, event: string) => void;
}

type Pending = { resolve: (r: JobEffect) => void };

export class Runtime implements Control {
  readonly fleet: Fleet;
  readonly edges: Edges;
  private readonly log: Logger;
  private queue: FleetEvent[] = [];
  private busy = false;
  private listeners = new Set<(e: SupdEvent) => void>();
  private pending = new Map<string, Pending>();
  private jobSeq = 0;
  private samples = new Map<number, Sample>();
  private sampledAt = -Infinity;
  private logWatches = new Map<string, { cancel(): void }>();
  private resolveTarget: (target: string) => string[] | null;
  private readonly store: RolloutStore;
  /** Operators waiting for a rollout to finish, by its job id. */
  private rolloutWaiters = new Map<string, (r: Rollout) => void>();
  /** The argv each unit's current process was spawned with, and the units whose file a reload
   * changed since (`changed` in status until their next spawn). */
  private spawnedArgv = new Map<string, string[]>();
  private outdated = new Set<string>();
  /** Stop and safeStop commands still running, per unit: the next process of the unit starts only
   * once they ended (as systemd's ExecStop= ends before the unit can start again), else a stop
   * command still on its way would reach the new process on the same control port. */
  private stopCommands = new Map<string, Set<Promise<unknown>>>();
  closing = false;

  constructor(private readonly opts: RuntimeOptions) {
    this.log = opts.log;
    this.resolveTarget = opts.resolveTarget;
    this.edges = opts.edges(this.hooks());
    this.fleet = createFleet(opts.specs, opts.topo, this.edges.clock.now());
    this.store = new RolloutStore(opts.stateDir, opts.log, () => this.fleet.rollouts.list());
  }

  private hooks(): EdgeHooks {
    const unit = (name: string, event: UnitEvent) => this.dispatch({ type: 'unit', unit: name, event, now: this.edges.clock.now() });
    return {
      onSpawned: (name, gen, pid) => {
        this.opts.journal?.spawned(name, pid);
        unit(name, { type: 'spawned', gen, pid });
      },
      onSpawnFailed: (name, gen, message) => unit(name, { type: 'spawnFailed', gen, message }),
      onExited: (name, gen, pid, code, signal) => {
        // The event first: a restart forks in it; the record still precedes the new pid's,
        // which is written when the 'spawn' event comes, on a later tick.
        unit(name, { type: 'exited', gen, code, signal });
        this.opts.journal?.exited(name, pid);
      },
      onWake: (now) => this.dispatch({ type: 'tick', now }),
    };
  }

  /** Starts the autostart units, or as the operator left them by hand (`goals`). Resolves once
   * they settled (ready or failed). */
  async boot(goals: ReadonlyMap<string, 'up' | 'down'> = new Map()): Promise<CommandResult> {
    const auto = bootTargets([...this.fleet.specs.values()], goals);
    this.restoreRollouts();
    return this.runJob('start', auto, (job) => ({ type: 'start', units: auto, job, by: 'supd at boot', now: this.now() }));
  }

  now(): number {
    return this.edges.clock.now();
  }

  /** Loads the rollouts of the last run; the core marks one still running then as interrupted. */
  private restoreRollouts(): void {
    const saved = this.store.load();
    if (saved.length === 0) return;
    for (const r of this.fleet.rollouts.restore(saved, this.now())) {
      this.log.warn({ rollout: r.id, target: r.target }, `rollout ${r.id} of ${r.target} was interrupted by a supd restart`);
    }
    this.fleet.rollouts.takeChanged();
    this.store.changed();
  }

  dispatch(ev: FleetEvent): void {
    this.queue.push(ev);
    if (this.busy) return;
    this.busy = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        const ev = this.queue[i] as FleetEvent;
        let effects: FleetEffect[];
        try {
          effects = dispatch(this.fleet, ev);
        } catch (err) {
          this.coreException(err, ev);
          continue;
        }
        // Signals first: with hundreds of units stopping at once, processes start exiting while
        // the transitions are still being logged and published. Spawns next, for the same reason
        // (a restart's new process before its log line and journal record).
        for (const e of effects) if (e.kind === 'signal') this.run(e);
        for (const e of effects) if (e.kind === 'spawn') this.run(e);
        for (const e of effects) if (e.kind !== 'signal' && e.kind !== 'spawn') this.run(e);
      }
    } finally {
      this.queue.length = 0;
      this.busy = false;
    }
    this.edges.clock.wakeAt(this.fleet.timers.nextDue());
  }

  private coreException(err: unknown, ev: FleetEvent): void {
    const what = ev.type === 'unit' ? `${ev.unit}: ${ev.event.type}` : ev.type;
    if (this.opts.onCoreException !== undefined) this.opts.onCoreException(err, what);
    else this.log.error({ err, event: what }, `internal error while handling ${what}`);
  }

  private unitEvent(name: string, event: UnitEvent): void {
    this.dispatch({ type: 'unit', unit: name, event, now: this.now() });
  }

  private trackStopCommand(unit: string, run: Promise<unknown>): void {
    let set = this.stopCommands.get(unit);
    if (set === undefined) this.stopCommands.set(unit, (set = new Set()));
    set.add(run);
    void run.then(() => {
      set.delete(run);
      if (set.size === 0 && this.stopCommands.get(unit) === set) this.stopCommands.delete(unit);
    });
  }

  /** Executes one effect. Edges report back through events, never by throwing. */
  private run(e: FleetEffect): void {
    const { edges } = this;
    switch (e.kind) {
      case 'spawn': {
        const spec = this.fleet.specs.get(e.unit);
        if (spec === undefined) return;
        this.spawnedArgv.set(e.unit, spec.argv);
        this.outdated.delete(e.unit);
        const spawn = (): void => edges.spawner.spawn({
          unit: e.unit, gen: e.gen, argv: spec.argv, as: this.runAs(spec), preStart: spec.preStart,
          ports: Object.values(spec.ports), portWaitMs: this.opts.portWaitMs,
        });
        const pending = this.stopCommands.get(e.unit);
        if (pending === undefined) return spawn();
        this.log.info({ unit: e.unit }, `${e.unit}: starting once its stop command ended`);
        void Promise.all(pending).then(spawn);
        return;
      }
      case 'signal':
        edges.spawner.signal(e.pid, e.signal);
        return;
      case 'killTree':
        void edges.spawner.killTree(e.pid);
        return;
      case 'probe': {
        const spec = this.fleet.specs.get(e.unit);
        void edges.probes.check(e.check, e.timeout, spec && this.runAs(spec)).then((r) =>
          this.unitEvent(e.unit, { type: 'probeResult', gen: e.gen, purpose: e.purpose, ok: r.ok, message: r.message }));
        return;
      }
      case 'watchLog': {
        this.logWatches.get(e.unit)?.cancel();
        let re: RegExp;
        try {
          re = new RegExp(e.pattern);
        } catch {
          return;
        }
        this.logWatches.set(e.unit, edges.logs.watchFor(e.unit, re, () => {
          this.logWatches.delete(e.unit);
          this.unitEvent(e.unit, { type: 'logMatched', gen: e.gen });
        }));
        return;
      }
      case 'unwatchLog':
        this.logWatches.get(e.unit)?.cancel();
        this.logWatches.delete(e.unit);
        return;
      case 'checkRemote':
        void edges.probes.checkRequirement(e.requirement).then((r) =>
          this.unitEvent(e.unit, { type: 'remoteResult', gen: e.gen, raw: e.requirement.raw, ok: r.ok, message: r.message }));
        return;
      case 'runCommand': {
        const spec = this.fleet.specs.get(e.unit);
        if (spec === undefined) return;
        // stop and safeStop commands run as the unit (with MAINPID, as systemd's ExecStop=); lb
        // hooks talk to the load balancer, as supd.
        const pid = this.mainPid(e.unit);
        const unitAs = this.runAs(spec, pid === null ? {} : { MAINPID: String(pid) });
        const as = e.purpose === 'lb-disable' || e.purpose === 'lb-enable' ? asSupd(unitAs) : unitAs;
        const run = edges.commands.runCommand(e.argv, { timeoutMs: e.timeout, as });
        if (e.purpose === 'stop' || e.purpose === 'drain') this.trackStopCommand(e.unit, run);
        void run.then((r) => {
          const ok = r.code === 0 && !r.timedOut;
          const message = r.timedOut ? `timed out after ${e.timeout}ms` : r.signal !== null ? `killed by ${r.signal}` : `exited with code ${r.code}`;
          if (!ok) this.log.warn({ unit: e.unit, purpose: e.purpose, output: r.output.slice(-500) }, `${e.purpose} command ${message}`);
          this.unitEvent(e.unit, { type: 'commandDone', gen: e.gen, purpose: e.purpose, ok, message: ok ? 'ok' : `${message}${r.output ? `: ${lastLine(r.output)}` : ''}` });
        });
        return;
      }
      case 'postHttp':
        void edges.commands.postHttp(e.url, e.timeout).then((r) => {
          if (!r.ok) this.log.warn({ unit: e.unit, url: e.url }, `safeStop http: ${r.message}`);
        });
        return;
      case 'countConnections':
        void edges.net.establishedCount(e.ports).then(
          (count) => this.unitEvent(e.unit, { type: 'connections', gen: e.gen, count }),
          // Unreadable is not zero: the drain keeps waiting (to its timeout) and says why.
          (err: unknown) => this.unitEvent(e.unit, { type: 'connections', gen: e.gen, count: null, error: err instanceof Error ? err.message : String(err) }));
        return;
      case 'transition': {
        // `unitPid`: pino's `pid` is supd's own. A unit that gave up is an error, a crash that
        // will be retried a warning.
        if (e.from !== e.to) this.log[e.to === 'failed' ? 'error' : e.to === 'backoff' ? 'warn' : 'info']({ unit: e.unit, from: e.from, to: e.to, reason: e.reason, unitPid: e.pid }, `${e.unit}: ${e.from} → ${e.to}: ${e.reason}`);
        this.publish({ type: 'transition', unit: e.unit, from: e.from, to: e.to, reason: e.reason, at: new Date(e.at).toISOString(), pid: e.pid });
        return;
      }
      case 'spawned':
        // The one line that ties a pid to its unit.
        this.log.info({ unit: e.unit, unitPid: e.pid }, `${e.unit}: process ${e.pid} started`);
        this.publish({ type: 'spawned', unit: e.unit, pid: e.pid, at: new Date(e.at).toISOString() });
        return;
      case 'hookDone':
        if (!e.ok) this.log.warn({ unit: e.unit, hook: e.purpose }, `${e.unit}: ${e.purpose} hook ${e.message}`);
        return;
      case 'rollout':
        this.onRollout(e.rollout);
        return;
      case 'metadataChanged':
        this.onMetadataChanged(e.unit, e.paths, e.at);
        return;
      case 'jobDone': {
        const p = this.pending.get(e.job);
        this.pending.delete(e.job);
        p?.resolve(e);
        return;
      }
      default: {
        const never: never = e;
        throw new Error(`unknown effect ${JSON.stringify(never)}`);
      }
    }
  }

  /** How every process of this unit runs: its user, groups, env, envFile, cwd, umask, limits. */
  private runAs(spec: UnitSpec, extra: Record<string, string> = {}): RunAs {
    return {
      inherit: this.opts.baseEnv, env: spec.env, envFile: spec.envFile, extra: { SUPD_UNIT: spec.name, ...extra },
      cwd: spec.cwd, user: spec.user, group: spec.group, umask: spec.umask, limits: spec.limits,
    };
  }

  /** The master's metadata settled: its running followers are stale (the core has started their
   * rollout, or folded the change into the one running). */
  private readonly metadataListeners = new Set<(master: string) => void>();

  /** Called with a master of this host whose metadata changed (the fleet republishes its record,
   * which carries the generation that followers on other hosts compare). */
  onMetadata(listener: (master: string) => void): () => void {
    this.metadataListeners.add(listener);
    return () => this.metadataListeners.delete(listener);
  }

  private onMetadataChanged(master: string, paths: string[], at: number): void {
    for (const l of this.metadataListeners) l(master);
    const followers = [...this.fleet.specs.values()].filter((s) => s.follows === master).map((s) => s.name)
      .filter((n) => isStale(this.fleet, n));
    const file = paths[0] ?? '?';
    this.log.info({ unit: master, paths, followers }, `${master}: metadata changed (${paths.join(', ')}); stale: ${followers.join(', ') || 'none'}`);
    this.publishStale(followers, `${master} metadata changed: ${file}`, at);
  }

  /** A master on another host (`HOST/UNIT`) published a newer metadata generation: its followers
   * here that run older processes are stale and, with their rollout.auto, rolled by the core. */
  remoteMetadataChanged(master: string, at: number): void {
    const followers = [...this.fleet.specs.values()].filter((s) => s.fleet?.follows?.name === master).map((s) => s.name)
      .filter((n) => isStale(this.fleet, n));
    if (followers.length === 0) return;
    this.log.info({ unit: master, followers }, `${master}: metadata changed; stale here: ${followers.join(', ')}`);
    this.publishStale(followers, `${master} metadata changed`, at);
    this.dispatch({ type: 'remoteMetadata', master, now: this.now() });
  }

  private publishStale(followers: string[], reason: string, at: number): void {
    const iso = new Date(at).toISOString();
    for (const f of followers) this.publish({ type: 'stale', unit: f, stale: true, reason, at: iso });
  }

  /** A rollout changed in the core: log its start and end, publish it, persist it (off this path),
   * and answer the operator waiting for it. */
  private onRollout(r: Rollout): void {
    if (r.steps.every((s) => s.state === 'pending' || s.state === 'in-progress') && r.finished === null && !this.announced.has(r.id)) {
      this.announced.add(r.id);
      this.log.info({ rollout: r.id, target: r.target, plan: r.plan, budget: r.budget, trigger: r.trigger, units: r.steps.map((s) => s.unit) },
        `rollout ${r.id} of ${r.target} started (${r.trigger})`);
    }
    if (r.finished !== null) {
      this.announced.delete(r.id);
      const msg = `rollout ${r.id} of ${r.target}: ${r.state}${r.error ? ` at ${r.error.unit}: ${r.error.reason}` : ''}`;
      if (r.state === 'ok') this.log.info({ rollout: r.id }, msg);
      else this.log.warn({ rollout: r.id, error: r.error }, msg);
      const waiter = r.job === null ? undefined : this.rolloutWaiters.get(r.job);
      if (waiter !== undefined && r.job !== null) {
        this.rolloutWaiters.delete(r.job);
        waiter(r);
      }
    }
    this.store.changed();
    this.publish({ type: 'rollout', rollout: view(r), at: new Date(this.now()).toISOString() });
  }

  private announced = new Set<string>();

  /** Starts a rolling restart in the core; resolves when it finished (or at once without wait). */
  private startRollout(target: string, units: string[], plan: RolloutPlan, wait: boolean): Promise<CommandResult> {
    const busy = this.fleet.rollouts.activeFor(units);
    if (busy !== undefined) {
      throw new SupdError('SUPD_CONFLICT', `a rollout (${busy.id}, ${busy.target}) is already running on ${target}`, {
        hint: `wait for it, or cancel it: POST /v1/rollouts/${busy.id}/cancel`,
      });
    }
    const job = `rollout-${++this.jobSeq}`;
    const done = new Promise<Rollout>((resolve) => this.rolloutWaiters.set(job, resolve));
    this.dispatch({ type: 'rollout', target, units, plan, safe: true, trigger: 'api', job, now: this.now() });
    const r = [...this.fleet.rollouts.list()].reverse().find((x) => x.job === job);
    if (!wait || r === undefined) {
      this.rolloutWaiters.delete(job);
      return Promise.resolve(r === undefined
        ? { ok: false, units, message: 'the rollout did not start', failures: [], forced: [], outcomes: [], rollout: null }
        : rolloutResult(r));
    }
    return done.then(rolloutResult);
  }

  /** Files changed under some master's metadata globs (from the watch edge). */
  metadataTouched(master: string, paths: string[]): void {
    this.dispatch({ type: 'metadata', unit: master, paths, now: this.now() });
  }

  publish(e: SupdEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.warn({ err }, 'event listener failed');
      }
    }
  }

  /** Opens a job, dispatches the event that starts it, and waits for its outcome. */
  runJob(action: string, units: string[], make: (job: string | null) => FleetEvent, wait = true): Promise<CommandResult> {
    if (!wait) {
      this.dispatch(make(null));
      const outcomes = units.map((unit) => ({ unit, role: 'target' as const, outcome: 'pending' as const, reason: null }));
      return Promise.resolve({ ok: true, units, message: `${action}: ${units.length} unit(s)`, failures: [], forced: [], outcomes, rollout: null });
    }
    const job = `job-${++this.jobSeq}`;
    const done = new Promise<JobEffect>((resolve) => this.pending.set(job, { resolve }));
    this.dispatch(make(job));
    return done.then(async (r) => {
      const failures: UnitFailure[] = await Promise.all(r.failures.map(async (f) => ({
        ...f, logTail: this.fleet.specs.has(f.unit) ? (await this.edges.logs.tail(f.unit, 20).catch(() => '')).split('\n').filter((l) => l !== '') : [],
      })));
      const forcedMsg = r.forced.length > 0 ? `drain forced by timeout: ${r.forced.join(', ')}` : '';
      const message = r.ok ? `${action}: ok (${units.join(', ') || 'nothing to do'})`
        : failures.length > 0 ? failures.map((f) => `${f.unit}: ${f.reason}`).join('; ') : forcedMsg;
      return { ok: r.ok, units, message, failures, forced: r.forced, outcomes: r.outcomes, rollout: null };
    });
  }

  // ---- Control ----

  list(): UnitStatus[] {
    const out: UnitStatus[] = [];
    for (const name of this.fleet.specs.keys()) {
      const s = this.status(name);
      if (s !== null) out.push(s);
    }
    return out;
  }

  status(name: string): UnitStatus | null {
    const u = this.fleet.units.get(name);
    const spec = this.fleet.specs.get(name);
    if (u === undefined || spec === undefined) return null;
    const pid = pidOf(u.s);
    const log = { failure: this.edges.logs.failure(name), dropped: this.edges.logs.counters(name).dropped };
    return toStatus(u, spec, this.now(), pid === null ? undefined : this.freshSamples().get(pid), this.fleet.rollouts.stepOf(name), isStale(this.fleet, name), log, this.outdated.has(name));
  }

  get(name: string): { status: UnitStatus; spec: UnitSpec; runningArgv?: string[] } | null {
    const status = this.status(name);
    const spec = this.fleet.specs.get(name);
    if (status === null || spec === undefined) return null;
    const running = this.spawnedArgv.get(name);
    return status.changed && running !== undefined ? { status, spec, runningArgv: running } : { status, spec };
  }

  targets(target: string): string[] {
    const units = this.resolveTarget(target);
    if (units === null) {
      throw new SupdError('SUPD_UNKNOWN_TARGET', `no unit or group named "${target}"`, { hint: 'supctl status lists the units' });
    }
    return units;
  }

  async command(req: CommandRequest): Promise<CommandResult> {
    if (this.closing) throw new SupdError('SUPD_SHUTTING_DOWN', 'supd is shutting down');
    // Every target is resolved before anything is done: an unknown one fails the whole command.
    const units = [...new Set(req.targets.flatMap((target) => this.targets(target)))];
    if (req.rolling !== null) {
      if (req.action !== 'restart') throw new SupdError('SUPD_BAD_REQUEST', `--rolling only applies to restart, not ${req.action}`);
      return this.startRollout(req.targets.join(' '), units, rolloutPlan(req.rolling), req.wait);
    }
    // Units on other hosts that require what stops here are stopped first, through their supd.
    if (req.action === 'stop' && this.stopGuard !== null) await this.stopGuard(this.fleet.topo.dependentsClosure(units));
    const goals = new Map([...this.fleet.units].map(([n, u]) => [n, u.goal]));
    let result: Promise<CommandResult>;
    switch (req.action) {
      case 'start':
        result = this.runJob('start', units, (job) => ({ type: 'start', units, job, by: req.by ?? 'api', now: this.now() }), req.wait);
        break;
      case 'stop':
        result = this.runJob('stop', units, (job) => ({ type: 'stop', units, safe: req.safe, job, by: req.by ?? 'api', now: this.now() }), req.wait);
        break;
      case 'restart':
        result = this.runJob('restart', units, (job) => ({ type: 'restart', units, safe: req.safe, withDependents: req.withDependents, job, by: req.by ?? 'api', now: this.now() }), req.wait);
        break;
    }
    // What the operator starts or stops by hand outlives a restart of supd.
    for (const [n, u] of this.fleet.units) if (goals.get(n) !== u.goal) this.opts.journal?.goal(n, u.goal);
    return result;
  }

  async reload(): Promise<ReloadResult> {
    const loaded = await this.opts.loadUnits();
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0 || loaded.topo === null) {
      this.log.error({ diagnostics: errors }, `reload refused: ${errors.length} error(s) in unit files; keeping the running units`);
      const result: ReloadResult = { ok: false, added: [], changed: [], removed: [], diagnostics: loaded.diagnostics };
      this.publish({ type: 'reload', result, at: new Date(this.now()).toISOString() });
      return result;
    }
    const { diffUnits } = await import('../units/diff.js');
    const d = diffUnits([...this.fleet.specs.values()].filter((s) => !this.fleet.removed.has(s.name)), loaded.units);
    this.dispatch({ type: 'reload', specs: loaded.units, topo: loaded.topo, now: this.now() });
    // Running units keep running: the ones whose file changed show `changed` until their next spawn.
    for (const name of d.changed) {
      const u = this.fleet.units.get(name);
      if (u !== undefined && pidOf(u.s) !== null) this.outdated.add(name);
    }
    for (const name of d.removed) this.outdated.delete(name);
    const result: ReloadResult = { ok: true, ...d, diagnostics: loaded.diagnostics };
    this.log.info({ added: d.added, changed: d.changed, removed: d.removed }, 'reloaded unit files');
    this.publish({ type: 'reload', result, at: new Date(this.now()).toISOString() });
    return result;
  }

  async planReload(): Promise<ReloadPlan> {
    const loaded = await this.opts.loadUnits();
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    const plan: ReloadPlan = { ok: false, dryRun: true, added: [], changed: [], removed: [], start: [], stop: [], restartToApply: [], diagnostics: loaded.diagnostics };
    if (errors.length > 0 || loaded.topo === null) return plan;
    const { diffUnits, changedKeys } = await import('../units/diff.js');
    const current = [...this.fleet.specs.values()].filter((s) => !this.fleet.removed.has(s.name));
    const d = diffUnits(current, loaded.units);
    const before = new Map(current.map((s) => [s.name, s]));
    const after = new Map(loaded.units.map((s) => [s.name, s]));
    const up = (name: string): boolean => {
      const u = this.fleet.units.get(name);
      return u !== undefined && u.s.state !== 'inactive' && u.s.state !== 'failed';
    };
    const auto = d.added.filter((n) => after.get(n)?.autostart === true);
    return {
      ...plan,
      ok: true,
      added: d.added,
      changed: d.changed.map((unit) => ({ unit, keys: changedKeys(before.get(unit) ?? {}, after.get(unit) ?? {}) })),
      removed: d.removed,
      // As the reload does it: the removed units stop under the old graph, the added ones start under the new.
      start: loaded.topo.requiresClosure(auto).filter((n) => !up(n)),
      stop: this.fleet.topo.dependentsClosure(d.removed).filter(up),
      restartToApply: d.changed.filter(up),
    };
  }

  private stopGuard: ((units: string[]) => Promise<void>) | null = null;

  /** Runs before a stop with every unit it will stop (the fleet stops remote dependents there). */
  setStopGuard(fn: (units: string[]) => Promise<void>): void {
    this.stopGuard = fn;
  }

  async kill(target: string, signal: Signal): Promise<UnitActionResult> {
    if (this.closing) throw new SupdError('SUPD_SHUTTING_DOWN', 'supd is shutting down');
    const outcomes = this.targets(target).map((unit): UnitActionOutcome => {
      const pid = this.mainPid(unit);
      if (pid === null) return { unit, ok: false, pid, message: `${unit} is not running` };
      // The main process alone, as the operator asked; what follows its exit is the core's business.
      this.edges.spawner.signal(pid, signal, 'main');
      this.log.info({ unit, pid, signal }, `${unit}: ${signal} sent to pid ${pid} (kill)`);
      return { unit, ok: true, pid, message: `${signal} sent to pid ${pid}` };
    });
    return actionResult(`kill -s ${signal} ${target}`, outcomes);
  }

  async reloadUnits(target: string): Promise<UnitActionResult> {
    if (this.closing) throw new SupdError('SUPD_SHUTTING_DOWN', 'supd is shutting down');
    const outcomes = await Promise.all(this.targets(target).map(async (unit): Promise<UnitActionOutcome> => {
      const spec = this.fleet.specs.get(unit);
      const pid = this.mainPid(unit);
      if (spec?.reload == null) return { unit, ok: false, pid, message: `${unit} has no reload action (set reload: {signal: …} or {command: …})` };
      if (pid === null) return { unit, ok: false, pid, message: `${unit} is not running` };
      const { reload } = spec;
      if (reload.command === null) {
        const signal = reload.signal ?? 'SIGHUP';
        this.edges.spawner.signal(pid, signal, 'main');
        this.log.info({ unit, pid, signal }, `${unit}: reload: ${signal} sent to pid ${pid}`);
        return { unit, ok: true, pid, message: `reload: ${signal} sent to pid ${pid}` };
      }
      // As systemd's ExecReload=: as the unit, with the main pid in MAINPID.
      const r = await this.edges.commands.runCommand(reload.command, { timeoutMs: reload.timeout, as: this.runAs(spec, { MAINPID: String(pid) }) });
      const ok = r.code === 0 && !r.timedOut;
      const how = r.timedOut ? `timed out after ${reload.timeout}ms` : r.signal !== null ? `killed by ${r.signal}` : `exited with code ${r.code}`;
      const tail = lastLine(r.output);
      const message = `reload command ${how}${!ok && tail !== '' ? `: ${tail}` : ''}`;
      if (ok) this.log.info({ unit, pid }, `${unit}: ${message}`);
      else this.log.warn({ unit, pid, output: r.output.slice(-500) }, `${unit}: ${message}`);
      return { unit, ok, pid, message };
    }));
    return actionResult(`reload ${target}`, outcomes);
  }

  private mainPid(unit: string): number | null {
    const u = this.fleet.units.get(unit);
    return u === undefined ? null : pidOf(u.s);
  }

  setResolver(fn: (target: string) => string[] | null): void {
    this.resolveTarget = fn;
  }

  subscribe(listener: (e: SupdEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  logs(name: string, lines: number): Promise<string> {
    this.mustExist(name);
    return this.edges.logs.tail(name, lines);
  }

  followLogs(name: string, onData: (chunk: Buffer) => void): LogFollow {
    this.mustExist(name);
    return this.edges.logs.follow(name, onData);
  }

  private mustExist(name: string): void {
    if (!this.fleet.specs.has(name)) throw new SupdError('SUPD_UNKNOWN_TARGET', `no unit named "${name}"`);
  }

  healthy(name: string): boolean {
    this.mustExist(name);
    return this.fleet.units.get(name)?.s.state === 'ready';
  }

  rollouts(): RolloutView[] {
    return this.fleet.rollouts.list().map(view);
  }

  rollout(id: string): RolloutView | null {
    const r = this.fleet.rollouts.get(id);
    return r === undefined ? null : view(r);
  }

  cancelRollout(id: string): RolloutView {
    if (this.fleet.rollouts.get(id) === undefined) throw new SupdError('SUPD_UNKNOWN_ROLLOUT', `no rollout with id "${id}"`);
    this.dispatch({ type: 'cancelRollout', id, now: this.now() });
    return this.rollout(id) as RolloutView;
  }

  metrics(): Promise<string> {
    return this.opts.metrics ? this.opts.metrics() : Promise.resolve('');
  }

  /** CPU and memory are read when someone looks (status, metrics), in one synchronous batch, at
   * most once per stats interval: an idle supd samples nothing. CPU is the share of a core since
   * the previous read. */
  private freshSamples(): Map<number, Sample> {
    const now = this.now();
    if (this.opts.statsIntervalMs <= 0 || now - this.sampledAt < this.opts.statsIntervalMs) return this.samples;
    this.sampledAt = now;
    const pids: number[] = [];
    for (const u of this.fleet.units.values()) {
      const pid = pidOf(u.s);
      if (pid !== null) pids.push(pid);
    }
    try {
      this.samples = pids.length === 0 ? new Map<number, Sample>() : this.edges.stats.sampleNow(pids);
    } catch (err) {
      this.log.debug({ err }, 'stats sample failed');
    }
    return this.samples;
  }

  /** Stops every unit (dependents first, drained when `safe`) and resolves once all are down. */
  async shutdown(safe: boolean): Promise<CommandResult> {
    this.closing = true;
    this.fleet.rollouts.interruptAll(this.now());
    for (const r of this.fleet.rollouts.takeChanged()) this.onRollout(r);
    this.store.flush();
    const units = [...this.fleet.units.keys()];
    const result = await this.runJob('stop', units, (job) => ({ type: 'stop', units, safe, job, by: 'supd shutdown', now: this.now() }));
    if (!allDown(this.fleet)) this.log.warn('shutdown: some units still report running');
    await this.edges.logs.closeAll();
    this.opts.journal?.close();
    this.edges.clock.wakeAt(null);
    return result;
  }
}

function actionResult(what: string, units: UnitActionOutcome[]): UnitActionResult {
  const failed = units.filter((u) => !u.ok);
  const message = failed.length === 0 ? `${what}: ok (${units.map((u) => u.unit).join(', ') || 'no units'})`
    : `${what} failed: ${failed.map((u) => u.message).join('; ')}`;
  return { ok: failed.length === 0, message, units };
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
