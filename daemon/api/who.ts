// Who asked for a command, as the transitions it causes name it (`start requested by api uid
// 1000`): the token's id when the caller sent one, else the uid of the process at the other end
// of the unix socket when the kernel tells it, else just `api`.
import type { FastifyRequest } from 'fastify';
import { callerOf } from './auth.js';

export type Peer = { uid: number | null; why?: string };

const PEERS = new WeakMap<FastifyRequest, Promise<Peer>>();

export function notePeer(req: FastifyRequest, peer: Promise<Peer>): void {
  PEERS.set(req, peer);
}

export function peerOf(req: FastifyRequest): Promise<Peer> | null {
  return PEERS.get(req) ?? null;
}

export async function whoAsked(req: FastifyRequest): Promise<string> {
  const token = callerOf(req)?.tokenId ?? null;
  if (token !== null) return `api token ${token}`;
  const uid = (await peerOf(req))?.uid ?? null;
  return uid === null ? 'api' : `api uid ${uid}`;
}
