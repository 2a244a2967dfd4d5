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

const RANK: Record<Role, number> = { viewer: 0, operator: 1, fleet: 1, admin: 2 };

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Hashing first gives equal-length buffers, so timingSafeEqual never leaks a token's length;
 * every stored token is compared, so the position of a match leaks nothing either. */
export function tokenLookup(tokens: TokenRoles): (presented: string) => Role | null {
  const table = [...tokens].map(([token, role]) => ({ hash: digest(token), role }));
  return (presented) => {
    const hash = digest(presented);
    let found: Role | null = null;
    for (const entry of table) {
      if (timingSafeEqual(entry.hash, hash)) found = entry.role;
    }
    return found;
  };
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
  const lookup = tokenLookup(tokens);
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config.open === true) return;
    const token = bearerToken(req.headers.authorization);
    if (token === null) {
      throw new SupdError('SUPD_UNAUTHORIZED', 'this request needs a token: send "Authorization: Bearer TOKEN"', {
        hint: 'pass --token TOKEN to supctl, or set SUPCTL_TOKEN',
      });
    }
    const role = lookup(token);
    if (role === null) {
      throw new SupdError('SUPD_UNAUTHORIZED', 'unknown token', { hint: 'check the token against api.tokensFile' });
    }
    const needed = requiredRole(req);
    if (RANK[role] < RANK[needed]) {
      throw new SupdError('SUPD_FORBIDDEN', `role ${role} may not ${req.method} ${req.url}: it needs ${needed}`);
    }
  });
}
