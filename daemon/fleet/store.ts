// What the fleet logic needs of etcd, as an interface: the real one is daemon/edges/etcd.ts, the
// test twin is the in-memory store in test/fakes/etcd.ts. Keys and values are strings.

export interface KvChange {
  type: 'put' | 'delete';
  key: string;
  /** '' for a delete. */
  value: string;
}

export interface FleetStore {
  /** Holds a lease of `ttlMs` from now on (granting again whenever one is lost, until close):
   * `onLease(true)` each time a lease is held, `onLease(false)` when it is lost. `onAnswer`, when
   * given, hears sooner than a lost lease that etcd stopped answering the lease's keep-alives (false,
   * with why) and that it answers again (true). */
  hold(ttlMs: number, onLease: (held: boolean) => void, onAnswer?: (answering: boolean, why: string) => void): void;
  /** A put bound to the held lease: the key goes when the lease does. Rejects without a lease. */
  putLeased(key: string, value: string): Promise<void>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Creates the key under the held lease unless it exists. Resolves null when created, else
   * with the value it holds (the lock of a fleet rollout). */
  createLeased(key: string, value: string): Promise<string | null>;
  /** Deletes the key only while it holds `value` (releases a lock we hold). */
  deleteIf(key: string, value: string): Promise<void>;
  /** A linearizable read of every key under the prefix: needs etcd's quorum. Rejects with an
   * Error after timeoutMs. */
  range(prefix: string, timeoutMs: number): Promise<Map<string, string>>;
  /** The keys under the prefix now (as puts), then every change, across reconnections. */
  watch(prefix: string, onChange: (c: KvChange) => void): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

/** Rejects after ms with a message that says what was waited for. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms}ms`)), ms);
    p.then((v) => {
      clearTimeout(t);
      resolve(v);
    }, (e: unknown) => {
      clearTimeout(t);
      reject(e instanceof Error ? e : new Error(String(e)));
    });
  });
}
