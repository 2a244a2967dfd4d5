// Fleet rollouts: the rollout step machine of core/rollout.ts run over `HOST/UNIT` steps, each step
// executed by the owning supd (a rolling restart of that one unit there: lb.disable, drain,
// restart, ready, lb.enable). One at a time in the whole fleet: the driver holds
// `<prefix>/rollout/lock` on its lease. Every change of the rollout is written to
// `<prefix>/rollouts/<id>`, so any host shows it; one left `running` without the lock (its driver
// died, its lease expired) is shown `interrupted`, and `resume` from any host goes on from the
// first step not `ok`. Solution Manager's rules follow from the machine: batches one after the
// other, a failed unit stays out of the balancer (its own supd leaves it disabled), the first
// failure stops the rollout.
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { SupdError } from '../errors.js';
import type { FleetRolloutView, ForwardRequest, ForwardResponse, RollingOptions, RolloutView } from '../control.js';
import {
  advance, cancel, createRollout, observe, soakElapsed, type Look, type Rollout, type RolloutAction, type StepAction, type StepOutcome,
} from '../core/rollout.js';
import { rolloutPlan, view } from '../rollouts.js';
import type { FleetKeys } from './keys.js';
import type { UnitRecord } from './records.js';
import type { FleetStore } from './store.js';
import { expandTarget } from './records.js';

/** What a fleet rollout needs of this supd's membership (member.ts's FleetMember): who we are,
 * the keys, the other hosts' unit records and their changes, and forwarding a step's command. */
export interface RolloutMember {
  readonly host: string;
  readonly keys: FleetKeys;
  remote(host: string, unit: string): UnitRecord | null;
  onRemote(listener: (host: string, unit: string | null) => void): () => void;
  forward(host: string, req: ForwardRequest): Promise<ForwardResponse>;
}

interface Stored extends Rollout {
  driver: string;
  /** The soaking canary's pid as first seen ready: a resume tells by it whether the canary was
   * restarted while no driver watched it. */
  soakPid?: number | null;
}

export interface FleetRolloutRequest {
  /** `HOST/UNIT` names, in order. */
  units: string[];
  /** Strategy, maxUnavailable and canary as an operator gives them (checked here). */
  rolling: RollingOptions;
  /** Resolve only once it finished. */
  wait: boolean;
}

function viewOf(r: Stored, state: RolloutView['state'] = r.state): FleetRolloutView {
  return { ...view(r), state, driver: r.driver };
}

function split(name: string): { host: string; unit: string } {
  const i = name.indexOf('/');
  return { host: name.slice(0, i), unit: name.slice(i + 1) };
}

export class FleetRollouts {
  /** The rollouts this supd drives now. */
  private driving = new Map<string, { r: Stored; done: Promise<void> }>();

  constructor(private readonly member: RolloutMember, private readonly store: FleetStore, private readonly log: Logger, private readonly timeoutMs: number) {}

  /** How the step machine sees a `HOST/UNIT`: from the watched records (unknown: left to the step). */
  private readonly look: Look = (name) => {
    const { host, unit } = split(name);
    const rec = this.member.remote(host, unit);
    if (rec === null || rec.state === 'ready') return 'serving';
    return rec.state === 'failed' || rec.state === 'inactive' ? 'stuck' : 'coming';
  };

  private unavailable(err: unknown): SupdError {
    return new SupdError('SUPD_FLEET_UNAVAILABLE', `the fleet's etcd cannot be reached from ${this.member.host}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  private async lockHolder(): Promise<string | null> {
    const kvs = await this.store.range(this.member.keys.rolloutLock(), this.timeoutMs).catch((e: unknown) => { throw this.unavailable(e); });
    return kvs.get(this.member.keys.rolloutLock()) ?? null;
  }

  /** Takes the fleet's rollout lock for `id`, or says which rollout holds it (409, exit 4). */
  private async lock(id: string): Promise<void> {
    let holder: string | null;
    try {
      holder = await this.store.createLeased(this.member.keys.rolloutLock(), id);
    } catch (err) {
      throw this.unavailable(err);
    }
    if (holder !== null) {
      const running = await this.get(holder).catch(() => null);
      const who = running === null ? '' : ` (driven by ${running.driver}, over ${running.steps.map((s) => s.unit).join(', ')})`;
      throw new SupdError('SUPD_CONFLICT', `fleet rollout ${holder} is running${who}: one fleet rollout at a time`, {
        hint: `supctl --fleet rollouts ${holder}`,
      });
    }
  }

  private async save(r: Stored): Promise<void> {
    try {
      await this.store.put(this.member.keys.rollout(r.id), JSON.stringify(r));
    } catch (err) {
      // The driver goes on (its steps run on their hosts); the record catches up on the next save.
      this.log.warn({ err, rollout: r.id }, `fleet rollout ${r.id}: cannot save its progress to etcd`);
    }
  }

  async start(req: FleetRolloutRequest): Promise<FleetRolloutView> {
    const plan = rolloutPlan(req.rolling);
    const units = await this.expand(req.units);
    const id = `f${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    await this.lock(id);
    const r: Stored = {
      ...createRollout({
        id, target: req.units.join(','), units, plan,
        safe: true, trigger: 'api', job: null, now: Date.now(),
      }, this.look),
      driver: this.member.host,
    };
    return this.drive(r, req.wait);
  }

  /** `HOST/UNIT` names as given; a group (or unit) name: its units on every host (from etcd). */
  private async expand(targets: string[]): Promise<string[]> {
    if (targets.length === 0) throw new SupdError('SUPD_BAD_REQUEST', 'a fleet rollout needs at least one HOST/UNIT or group');
    const kvs = targets.every((t) => t.includes('/')) ? new Map<string, string>()
      : await this.store.range(this.member.keys.units(), this.timeoutMs).catch((e: unknown) => { throw this.unavailable(e); });
    const out: string[] = [];
    for (const t of targets) {
      if (t.includes('/') && !/^[^/\s]+\/[^/\s]+$/.test(t)) throw new SupdError('SUPD_BAD_REQUEST', `fleet rollouts take HOST/UNIT names or groups, got "${t}"`);
      const names = expandTarget(this.member.keys, kvs, t);
      if (names.length === 0) throw new SupdError('SUPD_UNKNOWN_TARGET', `no unit or group named "${t}" on any host of the fleet`);
      for (const n of names) if (!out.includes(n)) out.push(n);
    }
    return out;
  }

  private async drive(r: Stored, wait: boolean): Promise<FleetRolloutView> {
    await this.save(r);
    this.log.info({ rollout: r.id, units: r.steps.map((s) => s.unit) }, `fleet rollout ${r.id}: ${r.plan.strategy} over ${r.steps.length} unit(s), at most ${r.budget} out of service`);
    const done = this.run(r).finally(() => this.driving.delete(r.id));
    this.driving.set(r.id, { r, done });
    if (wait) await done;
    return viewOf(r);
  }

  /** Runs the steps the machine begins until it says finished; each step is a one-unit rolling
   * restart (or a start, for a unit that was down) on its host. A step's outcome is fed back as
   * soon as it comes, so with `maxUnavailable` the next unit begins while others still run; the
   * budget counts the rollout's units out of service on every host, as the watched records show
   * them. A canary soaks here: it fails as soon as its record leaves ready once seen ready. */
  private async run(r: Stored): Promise<void> {
    const inflight = new Set<Promise<void>>();
    // Steps the machine began: saved to etcd before they are sent to their hosts (a driver that
    // dies leaves them named as in progress).
    const queued: RolloutAction[] = [];
    let wake: () => void = () => undefined;
    let changed = false;
    const take = (actions: RolloutAction[]): void => {
      if (actions.length > 0) changed = true;
      queued.push(...actions);
    };
    const send = (): void => {
      for (const a of queued.splice(0)) {
        if (a.kind !== 'start' && a.kind !== 'restart') continue;
        const p: Promise<void> = this.step(a.unit, a.kind).then((outcome: StepOutcome) => {
          inflight.delete(p);
          take(observe(r, a.unit, outcome, this.look, Date.now()));
          changed = true;
          wake();
        });
        inflight.add(p);
      }
    };
    // A resumed soak watches a canary already seen ready by the driver that died.
    let canarySeenReady = r.soakUntil !== null;
    take(advance(r, this.look, Date.now()));
    changed = true;
    for (;;) {
      const now = Date.now();
      if (r.finished !== null) {
        // over
      } else if (r.soakUntil !== null) {
        const canary = r.steps.find((s) => s.state === 'in-progress');
        const look = canary === undefined ? 'serving' : this.look(canary.unit);
        if (look === 'serving') canarySeenReady = true;
        if (look === 'serving' && canary !== undefined && r.soakPid == null) {
          const { host, unit } = split(canary.unit);
          const pid = this.member.remote(host, unit)?.pid ?? null;
          if (pid !== null) {
            r.soakPid = pid;
            changed = true;
          }
        }
        if (canary !== undefined && (look === 'stuck' || (canarySeenReady && look !== 'serving'))) {
          take(observe(r, canary.unit, { ok: false, reason: 'left ready during its soak' }, this.look, now));
          changed = true;
        } else if (now >= r.soakUntil) {
          take(soakElapsed(r, this.look, now));
          changed = true;
        }
      } else {
        canarySeenReady = false;
        // A unit back in service (its record caught up) can free the budget.
        take(advance(r, this.look, now));
        if (r.finished !== null) changed = true;
      }
      if (changed) {
        changed = false;
        await this.save(r);
      }
      send();
      if (r.finished !== null) break;
      if (changed) continue;
      // Look again when a step ends, a record changes, the soak is over, or after a second at most.
      const ms = r.soakUntil === null ? 1000 : Math.max(0, Math.min(1000, r.soakUntil - Date.now()));
      await new Promise<void>((resolve) => {
        wake = resolve;
        void this.recordChange(ms).then(resolve);
      });
      wake = () => undefined;
    }
    await Promise.all([...inflight]);
    await this.save(r);
    await this.store.deleteIf(this.member.keys.rolloutLock(), r.id).catch((err: unknown) => this.log.warn({ err }, `fleet rollout ${r.id}: cannot release the lock (its lease will)`));
    this.log.info({ rollout: r.id, state: r.state, error: r.error }, `fleet rollout ${r.id}: ${r.state}`);
  }

  private recordChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      const off = this.member.onRemote(done);
    });
  }

  private callOn(host: string, unit: string, action: StepAction): Promise<ForwardResponse> {
    const body = action === 'restart' ? { rolling: 'one-by-one', wait: true } : { wait: true };
    return this.member.forward(host, { method: 'POST', path: `/v1/units/${encodeURIComponent(unit)}/${action}`, body });
  }

  private async step(name: string, action: StepAction): Promise<{ ok: true } | { ok: false; reason: string }> {
    const { host, unit } = split(name);
    try {
      let res = await this.callOn(host, unit, action);
      // A resumed step may find its unit still in the rolling restart the dead driver asked for:
      // that host answers 409 until it ends. Wait for it (bounded), then ask again.
      for (let i = 0; res.status === 409 && res.body.includes('already running') && i < 600; i++) {
        await delay(500);
        res = await this.callOn(host, unit, action);
      }
      if (res.status < 300) return { ok: true };
      let reason = `supd on ${host} answered ${res.status}`;
      try {
        const body = JSON.parse(res.body) as { error?: { message?: string } };
        if (body.error?.message !== undefined) reason = body.error.message;
      } catch {
        // keep the status
      }
      return { ok: false, reason };
    } catch (err) {
      return { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
  }

  private async read(id: string | null): Promise<Stored[]> {
    const prefix = id === null ? this.member.keys.rollouts() : this.member.keys.rollout(id);
    const kvs = await this.store.range(prefix, this.timeoutMs).catch((e: unknown) => { throw this.unavailable(e); });
    const out: Stored[] = [];
    for (const [key, v] of kvs) {
      if (id !== null && key !== prefix) continue;
      try {
        out.push(JSON.parse(v) as Stored);
      } catch {
        this.log.warn({ key }, 'fleet rollout record is not JSON; skipped');
      }
    }
    return out;
  }

  /** A rollout `running` in etcd whose id does not hold the lock lost its driver: interrupted. */
  private shown(r: Stored, holder: string | null): FleetRolloutView {
    const local = this.driving.get(r.id)?.r;
    if (local !== undefined) return viewOf(local);
    return viewOf(r, r.state === 'running' && holder !== r.id ? 'interrupted' : r.state);
  }

  /** The rollouts a watched copy of the prefix holds, newest first (no etcd read). */
  fromRecords(kvs: ReadonlyMap<string, string>): FleetRolloutView[] {
    const holder = kvs.get(this.member.keys.rolloutLock()) ?? null;
    const out: Stored[] = [];
    for (const [key, v] of kvs) {
      if (this.member.keys.parse(key)?.kind !== 'rollout') continue;
      try {
        out.push(JSON.parse(v) as Stored);
      } catch {
        // reported by the reads that list rollouts
      }
    }
    return out.sort((a, b) => b.created - a.created).map((r) => this.shown(r, holder));
  }

  async list(): Promise<FleetRolloutView[]> {
    const [all, holder] = await Promise.all([this.read(null), this.lockHolder()]);
    return all.sort((a, b) => b.created - a.created).map((r) => this.shown(r, holder));
  }

  async get(id: string): Promise<FleetRolloutView> {
    const [found, holder] = await Promise.all([this.read(id), this.lockHolder()]);
    const r = found[0];
    if (r === undefined) throw new SupdError('SUPD_UNKNOWN_ROLLOUT', `no fleet rollout with id "${id}"`, { hint: 'supctl --fleet rollouts lists them' });
    return this.shown(r, holder);
  }

  /** Goes on with an interrupted rollout from its first step not `ok`, driven from this host. */
  async resume(id: string, wait: boolean): Promise<FleetRolloutView> {
    const found = (await this.read(id))[0];
    if (found === undefined) throw new SupdError('SUPD_UNKNOWN_ROLLOUT', `no fleet rollout with id "${id}"`);
    if (found.state !== 'running' && found.state !== 'interrupted') {
      throw new SupdError('SUPD_CONFLICT', `fleet rollout ${id} is ${found.state}: only an interrupted rollout can be resumed`);
    }
    await this.lock(id);
    // A canary that was soaking: its restart succeeded (the soak begins only then), so it is not
    // restarted again, but its soak is not counted as done either: nobody watched its health while
    // the rollout had no driver. It soaks again in full from now, watched from here; a canary not
    // ready now, or restarted meanwhile (another pid), fails the rollout before any other is touched.
    const soaking = found.soakUntil !== null ? found.steps.find((s) => s.state === 'in-progress') : undefined;
    // Any other step its driver was in when it died is done again: its outcome was never recorded.
    for (const s of found.steps) {
      if (s !== soaking && (s.state === 'in-progress' || (s.state === 'error' && found.error === null))) {
        s.state = 'pending';
        s.reason = null;
      }
    }
    const now = Date.now();
    const r: Stored = { ...found, state: 'running', finished: null, driver: this.member.host, soakUntil: soaking === undefined ? null : now + (found.plan.canary ?? 0) };
    if (soaking !== undefined) {
      soaking.reason = 'canary: soaking (again in full: resumed)';
      const { host, unit } = split(soaking.unit);
      const rec = this.member.remote(host, unit);
      const lost = rec === null ? `its state is unknown (is ${host} reachable?)`
        : rec.state !== 'ready' ? `it is ${rec.state}, no longer ready`
        : found.soakPid != null && rec.pid !== found.soakPid ? `it was restarted while the rollout had no driver (pid ${found.soakPid} → ${rec.pid ?? 'none'})`
        : null;
      if (lost !== null) observe(r, soaking.unit, { ok: false, reason: `failed its soak: when the rollout resumed, ${lost}` }, this.look, now);
    }
    this.log.info({ rollout: id, soaking: soaking?.unit ?? null }, `fleet rollout ${id}: resumed on ${this.member.host}${soaking === undefined ? '' : `, its canary ${soaking.unit} soaking again`}`);
    return this.drive(r, wait);
  }

  /** Cancels: pending steps are not run; a step in progress finishes on its host. */
  async cancel(id: string): Promise<FleetRolloutView> {
    const mine = this.driving.get(id);
    if (mine !== undefined) {
      cancel(mine.r, this.look, Date.now());
      await this.save(mine.r);
      return viewOf(mine.r);
    }
    const current = await this.get(id);
    if (current.state === 'running') {
      // Driven by another live supd: it is the one to cancel it.
      const res = await this.member.forward(current.driver, { method: 'POST', path: `/v1/fleet/rollouts/${encodeURIComponent(id)}/cancel` });
      if (res.status >= 300) throw new SupdError('SUPD_OPERATION_FAILED', `cancel of ${id} on ${current.driver} failed: ${res.body.slice(0, 200)}`);
      return (JSON.parse(res.body) as { rollout: FleetRolloutView }).rollout;
    }
    const found = (await this.read(id))[0];
    if (found === undefined || current.state !== 'interrupted') return current;
    for (const s of found.steps) {
      if (s.state === 'in-progress') {
        s.state = 'error';
        s.reason = 'interrupted: its driver stopped during this step';
      }
    }
    cancel(found, this.look, Date.now());
    await this.save(found);
    return viewOf(found);
  }
}
