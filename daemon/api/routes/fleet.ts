// `/v1/fleet/...`: the fleet's status read from etcd (any host answers), and the commands, show and
// logs of a `HOST/UNIT` forwarded to the supd that owns it; its answer (an error included) is
// relayed as it came. Without fleet.etcd every route answers 400 SUPD_NO_FLEET.
import { PassThrough, Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Action, FleetControl } from '../../control.js';
import { SupdError } from '../../errors.js';
import {
  CommandBody, FleetBody, FleetResumeBody, FleetRolloutBody, FleetRolloutIdParams, FleetUnitParams, LogsQuery,
} from '../schemas.gen.js';
import type { FleetRolloutView } from '../contract.js';
import type { OpenStream, RouteDeps } from './deps.js';

const ACTIONS: readonly Action[] = ['start', 'stop', 'restart'];

/** Another supd's streamed answer (logs -f) relayed: registered as an open stream, so that this
 * supd's shutdown ends it (an open one would keep close() waiting for good); the reader going away
 * or this end closes the request to the other supd, and that supd going away ends it here. */
function relayed(upstream: NodeJS.ReadableStream, streams: Set<OpenStream>): PassThrough {
  const up = upstream instanceof Readable ? upstream : new Readable().wrap(upstream);
  const out = new PassThrough();
  let open = true;
  const close = (err?: Error): void => {
    streams.delete(stream);
    if (!open) return;
    open = false;
    up.unpipe(out);
    up.destroy();
    if (err !== undefined) out.destroy(err);
    else if (!out.destroyed) out.end();
  };
  const stream: OpenStream = { end: () => close() };
  streams.add(stream);
  up.on('error', (e: Error) => close(e));
  up.on('end', () => {
    open = false;
    streams.delete(stream);
  });
  out.on('close', () => close());
  up.pipe(out);
  return out;
}
const JSON_TYPE = 'application/json; charset=utf-8';

export function fleetRoutes(app: FastifyInstance, { fleet, streams }: RouteDeps): void {
  const member = (): FleetControl => {
    if (fleet === null) {
      throw new SupdError('SUPD_NO_FLEET', 'this supd is not part of a fleet (fleet.etcd is not set)', {
        hint: 'set fleet.etcd (--fleet-etcd URLS) to join hosts through etcd',
      });
    }
    return fleet;
  };
  const unitPath = (p: FleetUnitParams): string => `/v1/units/${encodeURIComponent(p.unit)}`;

  app.get('/v1/fleet/units', { schema: { response: { 200: FleetBody } } }, async () => member().status());

  app.get<{ Params: FleetUnitParams }>('/v1/fleet/units/:host/:unit', { schema: { params: FleetUnitParams } }, async (req, reply) => {
    const r = await member().forward(req.params.host, { method: 'GET', path: unitPath(req.params) });
    return reply.code(r.status).type(JSON_TYPE).send(r.body);
  });

  for (const action of ACTIONS) {
    app.post<{ Params: FleetUnitParams; Body: CommandBody }>(
      `/v1/fleet/units/:host/:unit/${action}`,
      { schema: { params: FleetUnitParams, body: CommandBody }, config: { role: 'operator' } },
      async (req, reply) => {
        const r = await member().forward(req.params.host, { method: 'POST', path: `${unitPath(req.params)}/${action}`, body: req.body });
        return reply.code(r.status).type(JSON_TYPE).send(r.body);
      },
    );
  }

  // A waited-for rollout that did not end ok is a failed operation (exit 1), its view in details.
  const finished = (rollout: FleetRolloutView, wait: boolean): { rollout: FleetRolloutView } => {
    if (wait && rollout.state !== 'ok' && rollout.state !== 'running') {
      const at = rollout.error === null ? '' : ` at ${rollout.error.unit}: ${rollout.error.reason}`;
      throw new SupdError('SUPD_OPERATION_FAILED', `fleet rollout ${rollout.id} ${rollout.state}${at}`, { details: { rollout } });
    }
    return { rollout };
  };

  app.post<{ Body: FleetRolloutBody }>('/v1/fleet/rollouts', { schema: { body: FleetRolloutBody }, config: { role: 'operator' } }, async (req) => {
    const wait = req.body.wait ?? true;
    const rolling = {
      strategy: req.body.strategy ?? 'one-by-one',
      maxUnavailable: req.body.maxUnavailable === undefined ? null : String(req.body.maxUnavailable),
      canary: req.body.canary ?? null,
    };
    return finished(await member().startRollout({ units: req.body.units, rolling, wait }), wait);
  });

  app.get('/v1/fleet/rollouts', async () => ({ rollouts: await member().rollouts() }));

  app.get<{ Params: FleetRolloutIdParams }>('/v1/fleet/rollouts/:id', { schema: { params: FleetRolloutIdParams } }, async (req) => ({
    rollout: await member().rollout(req.params.id),
  }));

  app.post<{ Params: FleetRolloutIdParams; Body: FleetResumeBody }>(
    '/v1/fleet/rollouts/:id/resume',
    { schema: { params: FleetRolloutIdParams, body: FleetResumeBody }, config: { role: 'operator' } },
    async (req) => {
      const wait = req.body.wait ?? true;
      return finished(await member().resumeRollout(req.params.id, wait), wait);
    },
  );

  app.post<{ Params: FleetRolloutIdParams }>(
    '/v1/fleet/rollouts/:id/cancel',
    { schema: { params: FleetRolloutIdParams }, config: { role: 'operator' } },
    async (req) => ({ rollout: await member().cancelRollout(req.params.id) }),
  );

  app.get<{ Params: FleetUnitParams; Querystring: LogsQuery }>(
    '/v1/fleet/units/:host/:unit/logs',
    { schema: { params: FleetUnitParams, querystring: LogsQuery } },
    async (req, reply) => {
      const q = new URLSearchParams();
      if (req.query.lines !== undefined) q.set('lines', String(req.query.lines));
      if (req.query.follow !== undefined) q.set('follow', req.query.follow);
      const path = `${unitPath(req.params)}/logs${q.size > 0 ? `?${q.toString()}` : ''}`;
      const r = await member().forwardStream(req.params.host, path);
      const type = r.status === 200 ? 'text/plain; charset=utf-8' : JSON_TYPE;
      return reply.code(r.status).type(type).send(relayed(r.body, streams));
    },
  );
}
