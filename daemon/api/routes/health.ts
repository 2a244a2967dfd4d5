// Health: `/healthz` (supd itself answers) and a unit's readiness for load balancers. Both open:
// balancers and monitors poll them without a token.
import type { FastifyInstance } from 'fastify';
import { SupdError } from '../../errors.js';
import { HealthzBody, UnitHealthBody, UnitNameParams, UnitNotReadyBody } from '../schemas.gen.js';
import type { RouteDeps } from './deps.js';

export function healthRoutes(app: FastifyInstance, { control, version }: RouteDeps): void {
  app.get(
    '/healthz',
    { schema: { response: { 200: HealthzBody } }, config: { open: true } },
    async (): Promise<HealthzBody> => ({ ok: true, version }),
  );

  app.get<{ Params: UnitNameParams }>(
    '/v1/units/:name/health',
    { schema: { params: UnitNameParams, response: { 200: UnitHealthBody, 503: UnitNotReadyBody } }, config: { open: true } },
    async (req, reply) => {
      const found = control.get(req.params.name);
      if (found === null) throw new SupdError('SUPD_UNKNOWN_TARGET', `no unit named "${req.params.name}"`);
      const ready = control.healthy(req.params.name);
      const body: UnitHealthBody = { unit: found.status.name, ready, state: found.status.state };
      if (ready) return reply.code(200).send(body);
      const notReady: UnitNotReadyBody = { ...body, error: { code: 'SUPD_UNIT_NOT_READY', message: `${body.unit} is ${body.state}, not ready` } };
      return reply.code(503).send(notReady);
    },
  );
}
