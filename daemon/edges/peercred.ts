// Who is on the other end of a unix-socket connection, for the audit log. Node has no
// SO_PEERCRED, so the kernel is asked through sock_diag by `ss` (iproute2): our socket's inode
// (from /proc/self/fd) finds the client's socket, whose owning process's real uid is read from
// /proc/<pid>/status. Costs one `ss` run, so it is done for mutating requests only.
import { execFile, type ChildProcess } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { killChildren } from './proctree.js';

export type PeerUid = { uid: number; pid: number } | { uid: null; why: string };

const SS_TIMEOUT_MS = 3000;

export interface PeerLookup {
  uid(socket: Socket): Promise<PeerUid>;
  /** Kills the `ss` runs still going and resolves once they are gone (supd is exiting: none may
   * outlive it). */
  close(): Promise<void>;
}

export function createPeerLookup(): PeerLookup {
  const running = new Set<ChildProcess>();
  let closed = false;
  const ss = (): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      if (closed) return reject(new Error('supd is exiting'));
      const child = execFile('ss', ['-xpnH'], { timeout: SS_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, out) => (err ? reject(new Error(err.message, { cause: err })) : resolve(out)));
      running.add(child);
      child.once('exit', () => running.delete(child));
    });
  return {
    uid: (socket) => unixPeerUid(socket, ss),
    close() {
      closed = true;
      return killChildren(running);
    },
  };
}

async function unixPeerUid(socket: Socket, ss: () => Promise<string>): Promise<PeerUid> {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return { uid: null, why: 'not a unix socket connection' };
  let inode: string;
  try {
    const link = await readlink(`/proc/self/fd/${fd}`);
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m === null) return { uid: null, why: `fd ${fd} is ${link}` };
    inode = m[1] as string;
  } catch (e) {
    return { uid: null, why: `cannot read /proc/self/fd/${fd}: ${(e as Error).message}` };
  }
  let table: string;
  try {
    table = await ss();
  } catch (e) {
    return { uid: null, why: `ss (iproute2) failed: ${(e as Error).message}` };
  }
  const pid = peerPid(table, inode);
  if (pid === null) return { uid: null, why: 'the peer process is not visible (it exited, or supd is not root)' };
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    return uid === undefined ? { uid: null, why: `no Uid in /proc/${pid}/status` } : { uid: Number(uid), pid };
  } catch (e) {
    return { uid: null, why: `cannot read /proc/${pid}/status: ${(e as Error).message}` };
  }
}

/** In `ss -xpnH` output, the process holding the socket whose peer is `inode`. Rows look like
 * `u_str ESTAB 0 0 * 81443 * 81444 users:(("supctl",pid=123,fd=3))`. */
export function peerPid(table: string, inode: string): number | null {
  for (const line of table.split('\n')) {
    const m = /^\S+\s+\S+\s+\d+\s+\d+\s+\S+\s+(\d+)\s+\S+\s+(\d+)\s*(.*)$/.exec(line);
    if (m === null || m[2] !== inode || m[1] === inode) continue;
    const pid = /pid=(\d+)/.exec(m[3] ?? '')?.[1];
    if (pid !== undefined) return Number(pid);
  }
  return null;
}
