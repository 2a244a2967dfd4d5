// Shared setup for API tests: a server over a FakeControl, closed in teardown.
import type { FastifyInstance } from 'fastify';
import type t from 'tap';
import type { Role } from '../../daemon/api/contract.js';
import { buildServer } from '../../daemon/api/server.js';
import { FakeControl, unitStatus } from '../fakes/control.js';

export type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

export const TOKENS = new Map<string, Role>([
  ['viewer-token', 'viewer'],
  ['operator-token', 'operator'],
  ['admin-token', 'admin'],
]);

/** Two web units in group `web`, a db, and a failed worker. */
export function fleet(): FakeControl {
  return new FakeControl([
    unitStatus('db', { pid: 900 }),
    unitStatus('web_1', { groups: ['web'], pid: 1001 }),
    unitStatus('web_2', { groups: ['web'], pid: 1002, state: 'draining', lbDisabled: true }),
    unitStatus('worker', { state: 'failed', pid: null, uptime: null, cpu: null, memory: null, reason: 'crashed 6 times in 1m', lastExit: { code: 1, signal: null, at: '2025-01-01T00:00:00.000Z' } }),
  ]);
}

export function server(
  t: TapTest,
  control: FakeControl = fleet(),
  opts: { tcp?: boolean; keepaliveMs?: number } = {},
): { app: FastifyInstance; control: FakeControl } {
  const app = buildServer(control, {
    auth: opts.tcp === true ? { tokens: TOKENS } : null,
    logger: false,
    version: '9.9.9',
    ...(opts.keepaliveMs === undefined ? {} : { keepaliveMs: opts.keepaliveMs }),
  });
  t.teardown(() => app.close());
  return { app, control };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
