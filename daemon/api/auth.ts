// Bearer-token authorisation for the TCP listener: maps a token to a role and checks it against
// the role a route needs. The unix socket has no hook at all; its file mode is its guard.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SupdError } from '../errors.js';
import type { Role } from './contract.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Route needs no token (supd and unit health, metrics: polled by balancers and scrapers). */
    open?: boolean;
    /** Least role allowed; without it GET/HEAD need `viewer` and everything else `admin`. */
    role?: Role;
  }
}

export type TokenRoles = ReadonlyMap<string, Role>;

/** Who made a request, as the audit log names them: never the token itself. */
export interface Caller {
  role: Role;
  /** `tok-` and 8 hex digits of the token's SHA-256: names a token without revealing it. */
  tokenId: string | null;
}

const CALLERS = new WeakMap<FastifyRequest, Caller>();

/** The caller the auth hook recognised; null when none was (no token, unknown token). */
export function callerOf(req: FastifyRequest): Caller | null {
  return CALLERS.get(req) ?? null;
}

export function tokenId(token: string): string {
  return `tok-${digest(token).toString('hex').slice(0, 8)}`;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, fleet: 1, admin: 2 };

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Hashing first gives equal-length buffers, so timingSafeEqual never leaks a token's length;
 * every stored token is compared, so the position of a match leaks nothing either. */
export function tokenLookup(tokens: TokenRoles): (presented: string) => Role | null {
  const find = callerLookup(tokens);
  return (presented) => find(presented)?.role ?? null;
}

function callerLookup(tokens: TokenRoles): (presented: string) => Caller | null {
  const table = [...tokens].map(([token, role]) => ({ hash: digest(token), caller: { role, tokenId: tokenId(token) } }));
  return (presented) => {
    const hash = digest(presented);
    let found: Caller | null = null;
    for (const entry of table) {
      if (timingSafeEqual(entry.hash, hash)) found = entry.caller;
    }
    return found;
  };
}

/** The unix socket: its file mode (0660) is the guard, so whoever connects acts as admin. */
export function installSocketCaller(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    CALLERS.set(req, { role: 'admin', tokenId: null });
  });
}

export function requiredRole(req: FastifyRequest): Role {
  const config = req.routeOptions.config;
  if (config.role !== undefined) return config.role;
  return req.method === 'GET' || req.method === 'HEAD' ? 'viewer' : 'admin';
}

export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1] ?? null;
}

export function installAuth(app: FastifyInstance, tokens: TokenRoles): void {
  const lookup = callerLookup(tokens);
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config.open === true) return;
    const token = bearerToken(req.headers.authorization);
    if (token === null) {
      throw new SupdError('SUPD_UNAUTHORIZED', 'this request needs a token: send "Authorization: Bearer TOKEN"', {
        hint: 'pass --token TOKEN to supctl, or set SUPCTL_TOKEN',
      });
    }
    const caller = lookup(token);
    if (caller === null) {
      throw new SupdError('SUPD_UNAUTHORIZED', 'unknown token', { hint: 'check the token against api.tokensFile' });
    }
    CALLERS.set(req, caller);
    const { role } = caller;
    const needed = requiredRole(req);
    if (RANK[role] < RANK[needed]) {
      throw new SupdError('SUPD_FORBIDDEN', `role ${role} may not ${req.method} ${req.url}: it needs ${needed}`);
    }
  });
}
