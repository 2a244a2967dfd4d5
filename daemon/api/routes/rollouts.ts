// Rollouts: list them, read one with its steps, cancel one.
import type { FastifyInstance } from 'fastify';
import { SupdError } from '../../errors.js';
import { RolloutBody, RolloutIdParams, RolloutsBody } from '../schemas.gen.js';
import type { RouteDeps } from './deps.js';

export function rolloutRoutes(app: FastifyInstance, { control }: RouteDeps): void {
  app.get('/v1/rollouts', { schema: { response: { 200: RolloutsBody } } }, async (): Promise<RolloutsBody> => ({
    rollouts: control.rollouts(),
  }));

  app.get<{ Params: RolloutIdParams }>(
    '/v1/rollouts/:id',
    { schema: { params: RolloutIdParams, response: { 200: RolloutBody } } },
    async (req): Promise<RolloutBody> => {
      const rollout = control.rollout(req.params.id);
      if (rollout === null) throw new SupdError('SUPD_UNKNOWN_ROLLOUT', `no rollout with id "${req.params.id}"`);
      return { rollout };
    },
  );

  app.post<{ Params: RolloutIdParams }>(
    '/v1/rollouts/:id/cancel',
    { schema: { params: RolloutIdParams, response: { 200: RolloutBody } }, config: { role: 'operator' } },
    async (req): Promise<RolloutBody> => ({ rollout: control.cancelRollout(req.params.id) }),
  );
}
