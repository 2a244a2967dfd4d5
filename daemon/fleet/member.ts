// This supd as a member of the fleet: holds its etcd lease, publishes its host record and the
// record of each of its units as they change, keeps a watched copy of the other hosts' records
// (what cross-host requirements wait on), reads the fleet's status from etcd, and forwards
// commands for `HOST/UNIT` to the owning supd with fleet.token.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Logger } from 'pino';
import { SupdError } from '../errors.js';
import type {
  EtcdLink, FleetControl, FleetEvent, FleetRolloutView, FleetSnapshot, FleetView, ForwardRequest, ForwardResponse,
} from '../control.js';
import { FleetRollouts, type FleetRolloutRequest } from './rollouts.js';
import { fleetKeys, type FleetKeys } from './keys.js';
import { changesOf, parseHost, parseUnit, viewOf, type HostRecord, type UnitRecord } from './records.js';
import type { FleetStore, KvChange } from './store.js';

/** This host's units as the member publishes them. */
export interface LocalUnits {
  names(): string[];
  record(name: string): UnitRecord | null;
  /** Calls back with a unit's name whenever its record may have changed; null: all of them (reload). */
  subscribe(onChange: (unit: string | null) => void): () => void;
}

export interface MemberOptions {
  host: string;
  advertise: string;
  prefix: string;
  ttlMs: number;
  token: string | null;
  version: string;
  /** Bound on a fleet read and on reaching another supd's API. */
  timeoutMs: number;
  /** Bound on a forwarded command (a start waits until ready). */
  commandTimeoutMs: number;
}

/** A remote unit changed (or its host came or went): what the runtime wakes waiting units on. */
export type RemoteListener = (host: string, unit: string | null) => void;

const RETRY_MS = 1000;

function errorMessage(body: string): string {
  try {
    const v: unknown = JSON.parse(body);
    if (typeof v === 'object' && v !== null && 'error' in v && typeof v.error === 'object' && v.error !== null && 'message' in v.error) {
      return String(v.error.message);
    }
  } catch {
    // not JSON: the text itself
  }
  return body.slice(0, 200);
}

export class FleetMember implements FleetControl {
  readonly host: string;
  readonly keys: FleetKeys;
  private leaseHeld = false;
  private dirty = new Set<string>();
  private flushing = false;
  private scheduled = false;
  private retry: NodeJS.Timeout | null = null;
  private published = new Set<string>();
  private cache = new Map<string, string>();
  private watch: { close(): Promise<void> } | null = null;
  private unsubscribe: (() => void) | null = null;
  private listeners = new Set<RemoteListener>();
  private readonly started = new Date().toISOString();
  private closed = false;
  private readonly fleetRollouts: FleetRollouts;
  /** Why etcd cannot be reached now, or null while this host holds its lease and etcd answers. */
  private storeDown: string | null = 'not reached yet';
  private storeListeners = new Set<(down: string | null) => void>();
  private fleetListeners = new Set<(e: FleetEvent) => void>();
  /** What the fleet listeners were last told (null while there are none). */
  private told: { view: FleetView; rollouts: Map<string, string> } | null = null;
  private tellScheduled = false;

  constructor(private readonly store: FleetStore, private readonly local: LocalUnits, private readonly opts: MemberOptions, private readonly log: Logger) {
    this.host = opts.host;
    this.keys = fleetKeys(opts.prefix);
    this.fleetRollouts = new FleetRollouts(this, store, log, opts.timeoutMs);
  }

  startRollout(req: FleetRolloutRequest): Promise<FleetRolloutView> {
    return this.fleetRollouts.start(req);
  }

  rollouts(): Promise<FleetRolloutView[]> {
    return this.fleetRollouts.list();
  }

  rollout(id: string): Promise<FleetRolloutView> {
    return this.fleetRollouts.get(id);
  }

  resumeRollout(id: string, wait: boolean): Promise<FleetRolloutView> {
    return this.fleetRollouts.resume(id, wait);
  }

  cancelRollout(id: string): Promise<FleetRolloutView> {
    return this.fleetRollouts.cancel(id);
  }

  /** Why the fleet's etcd cannot be reached from this host now, or null while it answers. */
  get unreachable(): string | null {
    return this.storeDown;
  }

  /** Calls back each time etcd stops answering (why) or answers again (null). */
  onStore(listener: (down: string | null) => void): () => void {
    this.storeListeners.add(listener);
    return () => this.storeListeners.delete(listener);
  }

  /** Whether etcd answers from here, as the status page's banner shows it. */
  private etcd(): EtcdLink {
    return this.storeDown === null ? { reachable: true, reason: '' }
      : { reachable: false, reason: `${this.storeDown}: etcd cannot be reached (local units keep running)` };
  }

  private setStore(down: string | null): void {
    if (down === this.storeDown) return;
    this.storeDown = down;
    // The status page's banner says the same as units waiting on other hosts.
    this.tell({ type: 'fleet-etcd', etcd: this.etcd(), at: new Date().toISOString() });
    for (const l of this.storeListeners) l(down);
  }

  /** Starts publishing and watching; etcd being down now is not an error (it is retried). */
  start(): void {
    this.unsubscribe = this.local.subscribe((unit) => {
      // A reload: every unit, and those published before (a removed unit's record is deleted).
      if (unit === null) for (const n of [...this.local.names(), ...this.published]) this.dirty.add(n);
      else this.dirty.add(unit);
      this.schedule();
    });
    this.store.hold(this.opts.ttlMs, (held) => {
      this.leaseHeld = held;
      this.setStore(held ? null : `the etcd lease of ${this.host} was lost`);
      if (held) {
        this.log.info({ host: this.host }, `fleet: holding an etcd lease as host ${this.host}`);
        void this.announce();
      } else {
        this.log.warn({ host: this.host }, 'fleet: etcd lease lost; local units keep running, fleet commands fail until etcd answers');
      }
    }, (answering, why) => {
      if (answering) {
        if (this.leaseHeld) this.setStore(null);
      } else if (this.storeDown === null) {
        this.log.warn({ host: this.host }, `fleet: etcd stopped answering (${why}); units waiting on other hosts keep waiting`);
        this.setStore(why);
      }
    });
    void this.startWatch();
  }

  private async startWatch(): Promise<void> {
    while (!this.closed && this.watch === null) {
      try {
        this.cache.clear();
        this.watch = await this.store.watch(this.keys.all(), (c) => this.onChange(c));
      } catch (err) {
        this.log.warn({ err }, 'fleet: cannot watch etcd yet; retrying');
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  private onChange(c: KvChange): void {
    const k = this.keys.parse(c.key);
    if (c.type === 'put') this.cache.set(c.key, c.value);
    else this.cache.delete(c.key);
    this.tellSoon();
    if (k === null) return;
    if (k.kind === 'unit' && k.host !== this.host) this.emit(k.host, k.unit);
    else if ((k.kind === 'alive' || k.kind === 'host') && k.host !== this.host) this.emit(k.host, null);
  }

  snapshot(): FleetSnapshot {
    return { view: viewOf(this.keys, this.cache, this.host), rollouts: this.fleetRollouts.fromRecords(this.cache), etcd: this.etcd() };
  }

  subscribe(listener: (e: FleetEvent) => void): () => void {
    if (this.told === null) {
      const s = this.snapshot();
      this.told = { view: s.view, rollouts: new Map(s.rollouts.map((r) => [r.id, JSON.stringify(r)])) };
    }
    this.fleetListeners.add(listener);
    return () => {
      this.fleetListeners.delete(listener);
      if (this.fleetListeners.size === 0) this.told = null;
    };
  }

  private tell(e: FleetEvent): void {
    for (const l of this.fleetListeners) l(e);
  }

  /** A burst of watched changes (a new lease republishing every unit) is told once, as what differs. */
  private tellSoon(): void {
    if (this.tellScheduled || this.told === null) return;
    this.tellScheduled = true;
    setImmediate(() => {
      this.tellScheduled = false;
      const told = this.told;
      if (told === null) return;
      const s = this.snapshot();
      const at = new Date().toISOString();
      const changes = changesOf(told.view, s.view);
      const rollouts = new Map(s.rollouts.map((r) => [r.id, JSON.stringify(r)]));
      this.told = { view: s.view, rollouts };
      for (const host of changes.hosts) this.tell({ type: 'fleet-host', host, at });
      for (const g of changes.gone) this.tell({ type: 'fleet-unit-gone', host: g.host, name: g.name, at });
      for (const unit of changes.units) this.tell({ type: 'fleet-unit', unit, at });
      for (const r of s.rollouts) if (told.rollouts.get(r.id) !== rollouts.get(r.id)) this.tell({ type: 'fleet-rollout', rollout: r, at });
    });
  }

  private emit(host: string, unit: string | null): void {
    for (const l of this.listeners) l(host, unit);
  }

  /** Calls back when a remote unit's record changes, or (unit null) when a host comes or goes. */
  onRemote(listener: RemoteListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A remote unit as the watch last showed it; null when unknown or its host is unreachable. */
  remote(host: string, unit: string): UnitRecord | null {
    if (!this.cache.has(this.keys.alive(host))) return null;
    const v = this.cache.get(this.keys.unit(host, unit));
    return v === undefined ? null : parseUnit(v);
  }

  /** Units of other hosts that require one of `units` of this host (from the watched copy). */
  remoteDependents(units: readonly string[]): { host: string; unit: string }[] {
    const wanted = new Set(units.map((u) => `${this.host}/${u}`));
    const out: { host: string; unit: string }[] = [];
    for (const [key, value] of this.cache) {
      const k = this.keys.parse(key);
      if (k?.kind !== 'unit' || k.host === this.host) continue;
      const rec = parseUnit(value);
      if (rec !== null && rec.requires.some((r) => wanted.has(r))) out.push({ host: k.host, unit: k.unit });
    }
    return out;
  }

  /** Stops, through their supd, the units of other hosts that require one of `units`, and waits
   * for them (their supd stops their own remote dependents first, so the order is reverse). A
   * host that cannot be reached is skipped with a warning: its units lose their requirement, as
   * after a crash; a stop that fails there fails this one. */
  async stopRemoteDependents(units: readonly string[]): Promise<void> {
    const deps = this.remoteDependents(units);
    const failures: string[] = [];
    await Promise.all(deps.map(async (d) => {
      const name = `${d.host}/${d.unit}`;
      try {
        const r = await this.forward(d.host, { method: 'POST', path: `/v1/units/${encodeURIComponent(d.unit)}/stop`, body: { wait: true } });
        if (r.status >= 300) failures.push(`${name}: ${errorMessage(r.body)}`);
        else this.log.info({ unit: name }, `fleet: stopped ${name}, which requires ${units.join(', ')}`);
      } catch (err) {
        if (err instanceof SupdError && err.code === 'SUPD_FLEET_UNAVAILABLE') {
          this.log.warn({ unit: name, err }, `fleet: cannot stop ${name} first: ${err.message}`);
        } else {
          failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }));
    if (failures.length > 0) {
      throw new SupdError('SUPD_OPERATION_FAILED', `units on other hosts that require ${units.join(', ')} did not stop: ${failures.join('; ')}`);
    }
  }

  /** Whether the watched copy shows the host holding its lease. */
  reachable(host: string): boolean {
    return this.cache.has(this.keys.alive(host));
  }

  /** On each new lease: the alive key, the host record, every unit; records of units this host no
   * longer has are deleted. */
  private async announce(): Promise<void> {
    const rec: HostRecord = { name: this.host, api: this.opts.advertise, version: this.opts.version, started: this.started };
    try {
      await this.store.putLeased(this.keys.alive(this.host), this.opts.advertise);
      await this.store.put(this.keys.host(this.host), JSON.stringify(rec));
      const existing = await this.store.range(this.keys.unitsOf(this.host), this.opts.timeoutMs);
      const names = new Set(this.local.names());
      for (const key of existing.keys()) {
        const k = this.keys.parse(key);
        if (k?.kind === 'unit' && !names.has(k.unit)) await this.store.delete(key);
      }
      for (const n of names) this.dirty.add(n);
      this.schedule();
    } catch (err) {
      this.log.warn({ err }, 'fleet: cannot publish this host to etcd yet; retrying');
      if (this.leaseHeld && !this.closed) setTimeout(() => void this.announce(), RETRY_MS).unref();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.flushing || !this.leaseHeld || this.closed) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  /** Puts the records of the units marked dirty; one flush at a time keeps each key's puts in order. */
  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.dirty.size === 0) return;
    this.flushing = true;
    const batch = [...this.dirty];
    this.dirty.clear();
    const failed: string[] = [];
    await Promise.all(batch.map(async (name) => {
      const rec = this.local.record(name);
      try {
        if (rec === null) {
          if (this.published.delete(name)) await this.store.delete(this.keys.unit(this.host, name));
        } else {
          await this.store.put(this.keys.unit(this.host, name), JSON.stringify(rec));
          this.published.add(name);
        }
      } catch {
        failed.push(name);
      }
    }));
    this.flushing = false;
    if (failed.length > 0) {
      for (const n of failed) this.dirty.add(n);
      if (this.retry === null && !this.closed) {
        this.retry = setTimeout(() => {
          this.retry = null;
          this.schedule();
        }, RETRY_MS);
      }
      return;
    }
    if (this.dirty.size > 0) this.schedule();
  }

  private unavailable(err: unknown): SupdError {
    const why = err instanceof Error ? err.message : String(err);
    return new SupdError('SUPD_FLEET_UNAVAILABLE', `the fleet's etcd cannot be reached from ${this.host} (no answer with quorum within ${this.opts.timeoutMs}ms): ${why}`, {
      hint: 'local units keep running and local commands work; check etcd (etcdctl endpoint health)',
      cause: err,
    });
  }

  async status(): Promise<FleetView> {
    let kvs: Map<string, string>;
    try {
      kvs = await this.store.range(this.keys.all(), this.opts.timeoutMs);
    } catch (err) {
      throw this.unavailable(err);
    }
    return viewOf(this.keys, kvs, this.host);
  }

  /** The API base URL of a reachable host, read from etcd. */
  private async apiOf(host: string): Promise<string> {
    let hosts: Map<string, string>;
    let alive: Map<string, string>;
    try {
      [hosts, alive] = await Promise.all([
        this.store.range(this.keys.hosts(), this.opts.timeoutMs), this.store.range(this.keys.aliveAll(), this.opts.timeoutMs),
      ]);
    } catch (err) {
      throw this.unavailable(err);
    }
    const raw = hosts.get(this.keys.host(host));
    const rec = raw === undefined ? null : parseHost(raw);
    if (rec === null) throw new SupdError('SUPD_UNKNOWN_TARGET', `no host named "${host}" in the fleet`, { hint: 'supctl --fleet status lists the hosts' });
    if (!alive.has(this.keys.alive(host))) {
      throw new SupdError('SUPD_FLEET_UNAVAILABLE', `host ${host} is unreachable (its etcd lease expired)`, { hint: `is supd running on ${host}?` });
    }
    return rec.api;
  }

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.opts.token !== null) h['authorization'] = `Bearer ${this.opts.token}`;
    if (json) h['content-type'] = 'application/json';
    return h;
  }

  async forward(host: string, req: ForwardRequest): Promise<ForwardResponse> {
    const api = await this.apiOf(host);
    const timeout = req.method === 'POST' ? this.opts.commandTimeoutMs : this.opts.timeoutMs;
    let res: Response;
    try {
      res = await fetch(`${api}${req.path}`, {
        method: req.method,
        headers: this.headers(req.body !== undefined),
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      throw new SupdError('SUPD_FLEET_UNAVAILABLE', `cannot reach supd on ${host} at ${api}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return { status: res.status, body: await res.text() };
  }

  async forwardStream(host: string, path: string): Promise<{ status: number; body: NodeJS.ReadableStream }> {
    const api = await this.apiOf(host);
    let res: Response;
    try {
      res = await fetch(`${api}${path}`, { headers: this.headers(false), signal: AbortSignal.timeout(24 * 3600_000) });
    } catch (err) {
      throw new SupdError('SUPD_FLEET_UNAVAILABLE', `cannot reach supd on ${host} at ${api}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (res.body === null) return { status: res.status, body: Readable.from([]) };
    return { status: res.status, body: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    if (this.retry !== null) clearTimeout(this.retry);
    // The last records (units stopped by the shutdown) go out before the lease does.
    if (this.leaseHeld && this.dirty.size > 0) await this.flush().catch(() => undefined);
    await this.watch?.close().catch(() => undefined);
    await this.store.close();
  }
}
