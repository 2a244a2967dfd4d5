// buildServer: supd's HTTP API as a fastify instance, not yet listening, that sees only the
// Control. The integrator builds one for the unix socket (auth null) and one for TCP (tokens).
import { Ajv } from 'ajv';
import { fastify, LogController } from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Control, FleetControl } from '../control.js';
import { SupdError } from '../errors.js';
import type { Socket } from 'node:net';
import { callerOf, installAuth, installSocketCaller } from './auth.js';
import { notePeer, peerOf } from './who.js';
import { MAX_BODY_BYTES, installJsonBodies } from './body.js';
import type { TokenRoles } from './auth.js';
import { errorBody, installErrorHandling } from './error-handler.js';
import { eventRoutes } from './routes/events.js';
import { fleetRoutes } from './routes/fleet.js';
import { healthRoutes } from './routes/health.js';
import { logRoutes } from './routes/logs.js';
import { metricsRoutes } from './routes/metrics.js';
import { rolloutRoutes } from './routes/rollouts.js';
import { uiRoutes } from './routes/ui.js';
import { unitRoutes } from './routes/units.js';
import { unitActionRoutes } from './routes/unit-actions.js';
import type { OpenStream, RouteDeps } from './routes/deps.js';

export interface ServerOptions {
  /** null: the unix socket, where the socket file's mode is the guard and no token is asked. */
  auth: { tokens: TokenRoles } | null;
  logger: Logger | false;
  version: string;
  /** Period of the `:keepalive` comment on /v1/events; 15s. */
  keepaliveMs?: number;
  /** This supd's membership of a fleet; absent or null without fleet.etcd. */
  fleet?: FleetControl | null;
  /** One line per mutating request (anything but GET/HEAD), whatever its outcome. */
  audit?: (entry: AuditEntry) => void;
  /** The uid of the process at the other end of a unix-socket connection (main wires the edge). */
  peer?: (socket: Socket) => Promise<{ uid: number | null; why?: string }>;
}

/** What the audit log keeps of a mutating request: who, what, and how it ended; never a token. */
export interface AuditEntry {
  route: string;
  target: string | null;
  role: string | null;
  tokenId: string | null;
  /** The client's uid on the unix socket, when the kernel tells it; `peerNote` says why not. */
  peerUid: number | null;
  peerNote?: string;
  status: number;
  /** The error code sent, for a refused or failed request. */
  code: string | null;
  outcome: 'ok' | 'refused' | 'failed';
}

export const DEFAULT_KEEPALIVE_MS = 15_000;

export interface RouteInfo {
  method: string;
  url: string;
}

const NO_BODY = { type: 'object', additionalProperties: false, properties: {} } as const;

const ROUTES = new WeakMap<FastifyInstance, RouteInfo[]>();

/** Every route the server answers (methods × urls), for tests that must cover them all. */
export function routesOf(app: FastifyInstance): readonly RouteInfo[] {
  return ROUTES.get(app) ?? [];
}

/** Balancers poll health every few seconds: one info line per request would drown supd's log. */
class QuietRequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    const line = { method: req.method, url: req.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (error) reply.log.warn({ ...line, err: error }, 'request failed');
    else reply.log.debug(line, 'request');
  }
}

function apiLogger(logger: Logger): Logger {
  return logger.child({ component: 'api' }, {
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
  });
}

// Bodies are checked strictly (no coercion, no silent removal of unknown keys: a typo must be an
// error); the query string and path params are text, so they are coerced to the declared types.
// The schemas are supd's own (contract.ts, covered by the API tests), so they are not checked
// against the JSON Schema meta-schema: compiling that costs each Ajv ~40 ms and ~3 MB at start.
function validators(): { body: Ajv; text: Ajv } {
  const common = {
    allErrors: false, verbose: true, useDefaults: false, removeAdditional: false, allowUnionTypes: true, validateSchema: false,
  } as const;
  return { body: new Ajv({ ...common, coerceTypes: false }), text: new Ajv({ ...common, coerceTypes: true }) };
}

function mutating(req: FastifyRequest): boolean {
  return req.method !== 'GET' && req.method !== 'HEAD';
}

function installAudit(app: FastifyInstance, audit: (entry: AuditEntry) => void, peer: ServerOptions['peer']): void {
  const codes = new WeakMap<FastifyRequest, string>();
  app.addHook('onRequest', async (req) => {
    if (mutating(req) && peer !== undefined) {
      notePeer(req, peer(req.raw.socket).catch((e: unknown) => ({ uid: null, why: e instanceof Error ? e.message : String(e) })));
    }
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (mutating(req) && reply.statusCode >= 400 && typeof payload === 'string') {
      try {
        const code: unknown = (JSON.parse(payload) as { error?: { code?: unknown } }).error?.code;
        if (typeof code === 'string') codes.set(req, code);
      } catch {
        // not JSON: the status says enough
      }
    }
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    if (!mutating(req)) return;
    const caller = callerOf(req);
    const who = await (peerOf(req) ?? Promise.resolve(null));
    const params = (req.params ?? {}) as Record<string, unknown>;
    const target = [params['target'], params['name'], params['id']].find((v): v is string => typeof v === 'string') ?? null;
    const status = reply.statusCode;
    audit({
      route: `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0] ?? ''}`,
      target,
      role: caller?.role ?? null,
      tokenId: caller?.tokenId ?? null,
      peerUid: who?.uid ?? null,
      ...(who?.why === undefined ? {} : { peerNote: who.why }),
      status,
      code: codes.get(req) ?? null,
      outcome: status < 400 ? 'ok' : status === 401 || status === 403 ? 'refused' : 'failed',
    });
  });
}

export function buildServer(control: Control, opts: ServerOptions): FastifyInstance {
  const app = fastify({
    ...(opts.logger === false ? {} : { loggerInstance: apiLogger(opts.logger) }),
    logController: new QuietRequestLog(),
    bodyLimit: MAX_BODY_BYTES,
    routerOptions: { maxParamLength: 300 },
    // fastify's own 503 while closing has its own body shape: the onRequest hook below answers it.
    return503OnClosing: false,
    frameworkErrors: (error, _req, reply) => {
      // The reply's generics are left open here; the plain FastifyReply is what is sent on.
      void (reply as unknown as FastifyReply).code(400).send(errorBody('SUPD_BAD_REQUEST', error.message));
    },
    // HTTP that node cannot parse never reaches a route: answered here, in the same shape.
    clientErrorHandler: (err, socket) => {
      if (!socket.writable) return;
      const body = JSON.stringify(errorBody('SUPD_BAD_REQUEST', `malformed HTTP request: ${err.message}`));
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    },
  }) as unknown as FastifyInstance; // typed by the pino Logger given; routes need only the base logger

  const routes: RouteInfo[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (r) => {
    // A POST that declares no body takes none (or `{}`): a body it would ignore is refused, so a
    // typo or a client speaking another version is told, not silently obeyed.
    if (r.method === 'POST' && r.schema?.body === undefined) r.schema = { ...r.schema, body: NO_BODY };
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });
  let closing = false;
  app.addHook('onRequest', async () => {
    if (closing) throw new SupdError('SUPD_SHUTTING_DOWN', 'supd is shutting down');
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  installJsonBodies(app);
  const ajv = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajv.body : ajv.text).compile(schema));
  installErrorHandling(app);
  if (opts.auth !== null) installAuth(app, opts.auth.tokens);
  else installSocketCaller(app);
  if (opts.audit !== undefined) installAudit(app, opts.audit, opts.peer);

  // POST with no body at all means "all defaults"; a JSON body that is empty or broken is still an error.
  app.addHook('preValidation', async (req) => {
    if (req.method === 'POST' && req.body === undefined) req.body = {};
  });
  app.addHook('preHandler', async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && control.closing) {
      throw new SupdError('SUPD_SHUTTING_DOWN', 'supd is shutting down and takes no more commands');
    }
  });

  const streams = new Set<OpenStream>();
  // Open streams would keep close() waiting forever: end them first.
  app.addHook('preClose', async () => {
    for (const stream of [...streams]) stream.end();
  });

  const deps: RouteDeps = { control, fleet: opts.fleet ?? null, streams, version: opts.version, keepaliveMs: opts.keepaliveMs ?? DEFAULT_KEEPALIVE_MS };
  healthRoutes(app, deps);
  unitRoutes(app, deps);
  unitActionRoutes(app, deps);
  logRoutes(app, deps);
  eventRoutes(app, deps);
  rolloutRoutes(app, deps);
  metricsRoutes(app, deps);
  fleetRoutes(app, deps);
  uiRoutes(app, deps);
  return app;
}
