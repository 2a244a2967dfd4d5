// A scripted Control for API and CLI tests: units and results are plain data the test sets,
// every command is recorded, and events and log output are pushed by hand.
import type {
  CommandRequest, CommandResult, Control, LogFollow, ReloadPlan, ReloadResult, RolloutView, SupdEvent, UnitActionResult, UnitStatus,
} from '../../daemon/control.js';
import { SupdError } from '../../daemon/errors.js';
import type { Signal, UnitSpec } from '../../units/types.js';

const AT = '2025-01-01T00:00:00.000Z';

export function unitStatus(name: string, over: Partial<UnitStatus> = {}): UnitStatus {
  return {
    name, state: 'ready', goal: 'up', pid: 1000, restarts: 0, reason: 'ready check passed', since: AT,
    uptime: 192_000, stale: false, cpu: 1.5, memory: 12_300_000, lastExit: null, groups: [],
    connections: null, lbDisabled: false, forced: false, rollout: null, logError: null, retryIn: null, changed: false, ...over,
  };
}

export function unitSpec(name: string, over: Partial<UnitSpec> = {}): UnitSpec {
  return {
    name, file: `/etc/supd/units/${name}.yaml`, template: null, instance: null, description: '',
    argv: ['/bin/sh', '-c', `exec ./server --name ${name}`], cwd: null, env: {}, user: null, group: null,
    umask: null, autostart: true, requires: [], after: [],
    ready: { check: null, timeout: 30_000, interval: 100, grace: 1000 }, health: null,
    restart: { policy: 'on-failure', delay: 1000, maxDelay: 60_000, burst: 5, window: 60_000 },
    ports: {}, stop: { signal: 'SIGTERM', command: null, timeout: 30_000 }, safeStop: null, metadata: [],
    envFile: [], preStart: [], limits: {}, reload: null,
    follows: null, rollout: { strategy: 'one-by-one', maxUnavailable: null, canary: null, debounce: 2000, auto: true }, groups: [], lb: null, ...over,
  };
}

export function rolloutView(id: string, over: Partial<RolloutView> = {}): RolloutView {
  return {
    id, target: 'web', strategy: 'one-by-one', maxUnavailable: null, budget: 1, canary: null, state: 'running', trigger: 'api',
    safe: false, created: AT, finished: null, error: null,
    steps: [{ unit: 'web_1', batch: 0, action: 'restart', state: 'in-progress', reason: null }], ...over,
  };
}

export function okResult(req: CommandRequest, units: string[]): CommandResult {
  const outcomes = units.map((unit) => ({ unit, role: 'target' as const, outcome: 'done' as const, reason: null }));
  return { ok: true, units, message: `${req.action} ${req.targets.join(' ')}: done`, failures: [], forced: [], outcomes, rollout: null };
}

export class FakeControl implements Control {
  readonly units = new Map<string, { status: UnitStatus; spec: UnitSpec }>();
  readonly commands: CommandRequest[] = [];
  /** Targets on which a rollout "already runs": commands on them throw SUPD_CONFLICT. */
  readonly busy = new Set<string>();
  /** Replaces the default outcome of `command` (ok, acting on the matching units). */
  onCommand: ((req: CommandRequest) => Promise<CommandResult> | CommandResult) | null = null;
  reloadResult: ReloadResult = { ok: true, added: [], changed: [], removed: [], diagnostics: [] };
  reloads = 0;
  /** `kill` and `reloadUnits` calls, in order. */
  readonly actions: ({ kind: 'kill'; target: string; signal: Signal } | { kind: 'reload'; target: string })[] = [];
  readonly logText = new Map<string, string>();
  readonly logRequests: { name: string; lines: number }[] = [];
  readonly rolloutList: RolloutView[] = [];
  metricsText = '# HELP supd_units Units by state\n# TYPE supd_units gauge\nsupd_units{state="ready"} 1\n';
  closing = false;
  private readonly listeners = new Set<(e: SupdEvent) => void>();
  private readonly followers = new Map<string, Set<(chunk: Buffer) => void>>();

  constructor(units: UnitStatus[] = []) {
    for (const status of units) this.add(status);
  }

  add(status: UnitStatus, spec: UnitSpec = unitSpec(status.name, { groups: status.groups })): this {
    this.units.set(status.name, { status, spec });
    return this;
  }

  /** The units a target names: one unit, a group, or all. */
  resolve(target: string): string[] {
    const all = [...this.units.values()].map((u) => u.status);
    if (target === 'all') return all.map((u) => u.name);
    if (this.units.has(target)) return [target];
    return all.filter((u) => u.groups.includes(target)).map((u) => u.name);
  }

  list(): UnitStatus[] {
    return [...this.units.values()].map((u) => u.status);
  }

  get(name: string): { status: UnitStatus; spec: UnitSpec } | null {
    return this.units.get(name) ?? null;
  }

  async command(req: CommandRequest): Promise<CommandResult> {
    this.commands.push(req);
    if (this.closing) throw new SupdError('SUPD_SHUTTING_DOWN', 'supd is shutting down');
    const units = req.targets.flatMap((target) => {
      const found = this.resolve(target);
      if (found.length === 0) throw new SupdError('SUPD_UNKNOWN_TARGET', `no unit or group named "${target}"`);
      if (this.busy.has(target)) throw new SupdError('SUPD_CONFLICT', `a rollout already runs on ${target}`, { hint: 'wait for it, or cancel it' });
      return found;
    });
    return this.onCommand === null ? okResult(req, units) : this.onCommand(req);
  }

  async reload(): Promise<ReloadResult> {
    this.reloads += 1;
    return this.reloadResult;
  }

  reloadPlan: ReloadPlan = { ok: true, dryRun: true, added: [], changed: [], removed: [], start: [], stop: [], restartToApply: [], diagnostics: [] };

  async planReload(): Promise<ReloadPlan> {
    this.plans += 1;
    return this.reloadPlan;
  }

  plans = 0;

  async kill(target: string, signal: Signal): Promise<UnitActionResult> {
    return this.unitAction({ kind: 'kill', target, signal }, (u) => `${signal} sent to pid ${u.pid}`);
  }

  async reloadUnits(target: string): Promise<UnitActionResult> {
    return this.unitAction({ kind: 'reload', target }, (u) => `reload: SIGHUP sent to pid ${u.pid}`);
  }

  /** kill and reload: recorded; a running unit succeeds, one without a pid fails. */
  private unitAction(action: FakeControl['actions'][number], ok: (u: UnitStatus) => string): UnitActionResult {
    this.actions.push(action);
    if (this.closing) throw new SupdError('SUPD_SHUTTING_DOWN', 'supd is shutting down');
    const names = this.resolve(action.target);
    if (names.length === 0) throw new SupdError('SUPD_UNKNOWN_TARGET', `no unit or group named "${action.target}"`);
    const units = names.map((n) => this.units.get(n)?.status as UnitStatus).map((u) => (u.pid === null
      ? { unit: u.name, ok: false, pid: null, message: `${u.name} is not running` }
      : { unit: u.name, ok: true, pid: u.pid, message: ok(u) }));
    const failed = units.filter((u) => !u.ok);
    return { ok: failed.length === 0, message: failed.length === 0 ? `${action.kind} ${action.target}: ok` : failed.map((u) => u.message).join('; '), units };
  }

  subscribe(listener: (e: SupdEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  emit(e: SupdEvent): void {
    for (const listener of this.listeners) listener(e);
  }

  async logs(name: string, lines: number): Promise<string> {
    this.logRequests.push({ name, lines });
    const text = this.logText.get(name) ?? '';
    const all = text.split('\n');
    if (all.at(-1) === '') all.pop();
    if (lines === 0 || all.length === 0) return '';
    return `${all.slice(-lines).join('\n')}\n`;
  }

  followLogs(name: string, onData: (chunk: Buffer) => void): LogFollow {
    const set = this.followers.get(name) ?? new Set();
    this.followers.set(name, set);
    set.add(onData);
    return { close: () => { set.delete(onData); } };
  }

  /** Open follow streams on a unit's log. */
  following(name: string): number {
    return this.followers.get(name)?.size ?? 0;
  }

  /** New output of a unit, as if it had just written it. */
  write(name: string, text: string): void {
    this.logText.set(name, (this.logText.get(name) ?? '') + text);
    for (const onData of this.followers.get(name) ?? []) onData(Buffer.from(text));
  }

  healthy(name: string): boolean {
    return this.units.get(name)?.status.state === 'ready';
  }

  rollouts(): RolloutView[] {
    return this.rolloutList;
  }

  rollout(id: string): RolloutView | null {
    return this.rolloutList.find((r) => r.id === id) ?? null;
  }

  cancelRollout(id: string): RolloutView {
    const found = this.rollout(id);
    if (found === null) throw new SupdError('SUPD_UNKNOWN_ROLLOUT', `no rollout with id "${id}"`);
    found.state = 'canceled';
    return found;
  }

  async metrics(): Promise<string> {
    return this.metricsText;
  }
}
