// The only file that talks to etcd (v3 API, through the `etcd3` client): the lease and its
// keep-alive, puts and deletes, linearizable range reads, prefix watches that survive
// reconnection, and the create-if-absent transaction behind the fleet rollout lock.
import fs from 'node:fs';
import { Etcd3, type IOptions, type Lease, type Watcher } from 'etcd3';
import type { FleetStore, KvChange } from '../fleet/store.js';
import { within } from '../fleet/store.js';

export interface EtcdOptions {
  endpoints: string[];
  tls: { ca: string; cert: string | null; key: string | null } | null;
  auth: { user: string; password: string } | null;
  /** Bound on each unary call (a put, a range), so that a lost quorum fails fast. */
  callTimeoutMs: number;
  onError(message: string, err: unknown): void;
}

const REGRANT_MS = 1000;

export function createEtcdStore(opts: EtcdOptions): FleetStore {
  const options: IOptions = {
    hosts: opts.endpoints,
    dialTimeout: opts.callTimeoutMs,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + opts.callTimeoutMs }),
  };
  if (opts.tls !== null) {
    options.credentials = {
      rootCertificate: fs.readFileSync(opts.tls.ca),
      ...(opts.tls.key !== null ? { privateKey: fs.readFileSync(opts.tls.key) } : {}),
      ...(opts.tls.cert !== null ? { certChain: fs.readFileSync(opts.tls.cert) } : {}),
    };
  }
  if (opts.auth !== null) options.auth = { username: opts.auth.user, password: opts.auth.password };
  const client = new Etcd3(options);
  let lease: Lease | null = null;
  let closed = false;
  let regrant: NodeJS.Timeout | null = null;
  const watchers = new Set<Watcher>();

  const held = (): Lease => {
    if (lease === null) throw new Error('no etcd lease held (etcd unreachable?)');
    return lease;
  };

  return {
    hold(ttlMs, onLease, onAnswer) {
      const ttl = Math.max(2, Math.ceil(ttlMs / 1000));
      let lastAnswer = Date.now();
      const grant = (): void => {
        regrant = null;
        if (closed) return;
        const l = client.lease(ttl, { autoKeepAlive: true });
        let lost = false;
        const onLost = (err: unknown): void => {
          if (lost || closed) return;
          lost = true;
          const wasHeld = lease === l;
          if (wasHeld) lease = null;
          opts.onError(wasHeld ? 'etcd lease lost' : 'etcd lease not granted', err);
          if (wasHeld) onLease(false);
          regrant = setTimeout(grant, REGRANT_MS);
        };
        l.on('lost', onLost);
        // A keep-alive stream that broke right after an answer is a member going away (the client
        // moves to another): only one silent for most of the TTL says etcd stopped answering.
        l.on('keepaliveSucceeded', () => {
          lastAnswer = Date.now();
          onAnswer?.(true, '');
        });
        l.on('keepaliveFailed', (err: unknown) => {
          const silent = Date.now() - lastAnswer;
          if (silent < (ttl * 1000 * 2) / 3) return;
          // gRPC's message may end in an empty "Resolution note: ", which says nothing.
          const why = (err instanceof Error ? err.message : String(err)).replace(/[.\s]*Resolution note:\s*$/, '');
          onAnswer?.(false, `no answer to its lease keep-alive for ${(silent / 1000).toFixed(1)}s: ${why}`);
        });
        l.grant().then(() => {
          if (lost || closed) return;
          lease = l;
          onLease(true);
        }, onLost);
      };
      grant();
    },
    async putLeased(key, value) {
      await held().put(key).value(value).exec();
    },
    async put(key, value) {
      await client.put(key).value(value).exec();
    },
    async delete(key) {
      await client.delete().key(key).exec();
    },
    async createLeased(key, value) {
      const l = held();
      const r = await client.if(key, 'Create', '==', 0)
        .then(l.put(key).value(value))
        .else(client.get(key))
        .commit();
      if (r.succeeded) return null;
      const kv = r.responses[0]?.response_range?.kvs?.[0];
      return kv === undefined ? '' : kv.value.toString();
    },
    async deleteIf(key, value) {
      await client.if(key, 'Value', '==', value).then(client.delete().key(key)).commit();
    },
    async range(prefix, timeoutMs) {
      const r = await within(client.getAll().prefix(prefix).options({ deadline: Date.now() + timeoutMs }).exec(), timeoutMs + 100, 'etcd read');
      return new Map(r.kvs.map((kv) => [kv.key.toString(), kv.value.toString()]));
    },
    async watch(prefix, onChange) {
      // The state first, then changes from the next revision: nothing between is missed.
      const r = await client.getAll().prefix(prefix).exec();
      for (const kv of r.kvs) onChange({ type: 'put', key: kv.key.toString(), value: kv.value.toString() });
      const next = (BigInt(r.header.revision) + 1n).toString();
      const w = await client.watch().prefix(prefix).startRevision(next).create();
      watchers.add(w);
      const emit = (type: KvChange['type']) => (kv: { key: Buffer; value: Buffer }) =>
        onChange({ type, key: kv.key.toString(), value: type === 'put' ? kv.value.toString() : '' });
      w.on('put', emit('put'));
      w.on('delete', emit('delete'));
      w.on('error', (err) => opts.onError(`etcd watch of ${prefix}`, err));
      return {
        async close() {
          watchers.delete(w);
          await w.cancel();
        },
      };
    },
    async close() {
      closed = true;
      if (regrant !== null) clearTimeout(regrant);
      await Promise.all([...watchers].map((w) => w.cancel().catch(() => undefined)));
      const l = lease;
      lease = null;
      // Revoking lets the other hosts see this one go at once rather than after the TTL.
      if (l !== null) await within(l.revoke(), 1000, 'etcd lease revoke').catch(() => undefined);
      client.close();
    },
  };
}
