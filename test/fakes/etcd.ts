// An in-memory etcd for the fleet logic: one shared key space (a `FakeEtcd`) and any number of
// clients (one per supd "host"), each with its own lease. Watches see every change of every
// client, in order; a client's lease can be expired by hand; `down()` makes every call fail as a
// lost quorum does, `up()` brings it back.
import type { FleetStore, KvChange } from '../../daemon/fleet/store.js';

export class FakeEtcd {
  readonly kv = new Map<string, { value: string; lease: number | null }>();
  private watchers = new Set<{ prefix: string; on: (c: KvChange) => void }>();
  private leaseSeq = 0;
  available = true;
  private leaseHolders = new Map<number, (held: boolean) => void>();

  private check(): void {
    if (!this.available) throw new Error('etcdserver: request timed out (fake: no quorum)');
  }

  private emit(c: KvChange): void {
    for (const w of this.watchers) if (c.key.startsWith(w.prefix)) w.on(c);
  }

  put(key: string, value: string, lease: number | null): void {
    this.check();
    this.kv.set(key, { value, lease });
    this.emit({ type: 'put', key, value });
  }

  delete(key: string): void {
    this.check();
    if (this.kv.delete(key)) this.emit({ type: 'delete', key, value: '' });
  }

  grant(onLease: (held: boolean) => void): number | null {
    if (!this.available) return null;
    const id = ++this.leaseSeq;
    this.leaseHolders.set(id, onLease);
    return id;
  }

  /** The lease ran out (its holder died or etcd was gone too long): its keys go. */
  expire(lease: number): void {
    for (const [k, v] of [...this.kv]) if (v.lease === lease) this.delete(k);
    const holder = this.leaseHolders.get(lease);
    this.leaseHolders.delete(lease);
    holder?.(false);
  }

  down(): void {
    this.available = false;
  }

  up(): void {
    this.available = true;
  }

  watch(prefix: string, on: (c: KvChange) => void): () => void {
    const w = { prefix, on };
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  client(): FakeStoreClient {
    return new FakeStoreClient(this);
  }
}

export class FakeStoreClient implements FleetStore {
  lease: number | null = null;
  private onLease: ((held: boolean) => void) | null = null;
  closed = false;

  constructor(private readonly etcd: FakeEtcd) {}

  hold(_ttlMs: number, onLease: (held: boolean) => void): void {
    this.onLease = onLease;
    this.regrant();
  }

  /** Grants a new lease (as the real edge does after one was lost); false while etcd is down. */
  regrant(): boolean {
    const on = this.onLease;
    if (on === null) return false;
    const id = this.etcd.grant((held) => {
      if (!held && this.lease === id) {
        this.lease = null;
        on(false);
      }
    });
    if (id === null) return false;
    this.lease = id;
    queueMicrotask(() => on(true));
    return true;
  }

  private async run<T>(fn: () => T): Promise<T> {
    await Promise.resolve();
    if (this.closed) throw new Error('client closed');
    return fn();
  }

  putLeased(key: string, value: string): Promise<void> {
    return this.run(() => {
      if (this.lease === null) throw new Error('no etcd lease held');
      this.etcd.put(key, value, this.lease);
    });
  }

  put(key: string, value: string): Promise<void> {
    return this.run(() => this.etcd.put(key, value, null));
  }

  delete(key: string): Promise<void> {
    return this.run(() => this.etcd.delete(key));
  }

  createLeased(key: string, value: string): Promise<string | null> {
    return this.run(() => {
      if (this.lease === null) throw new Error('no etcd lease held');
      const cur = this.etcd.kv.get(key);
      if (cur !== undefined) return cur.value;
      this.etcd.put(key, value, this.lease);
      return null;
    });
  }

  deleteIf(key: string, value: string): Promise<void> {
    return this.run(() => {
      if (this.etcd.kv.get(key)?.value === value) this.etcd.delete(key);
    });
  }

  range(prefix: string): Promise<Map<string, string>> {
    return this.run(() => {
      if (!this.etcd.available) throw new Error('etcdserver: request timed out (fake: no quorum)');
      return new Map([...this.etcd.kv].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k, v.value]));
    });
  }

  watch(prefix: string, onChange: (c: KvChange) => void): Promise<{ close(): Promise<void> }> {
    return this.run(() => {
      for (const [key, v] of this.etcd.kv) if (key.startsWith(prefix)) onChange({ type: 'put', key, value: v.value });
      const stop = this.etcd.watch(prefix, onChange);
      return { close: async () => void stop() };
    });
  }

  async close(): Promise<void> {
    if (this.lease !== null) this.etcd.expire(this.lease);
    this.closed = true;
  }
}
