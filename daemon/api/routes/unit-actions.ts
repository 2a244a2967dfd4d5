// `POST /v1/units/:target/kill` (a signal to each unit's main process) and
// `POST /v1/units/:target/reload` (each unit's own reload action). Every unit of the target is
// attempted; when one fails the answer is 500 SUPD_OPERATION_FAILED with the whole result in
// `details`, as for start/stop/restart.
import type { FastifyInstance } from 'fastify';
import type { Signal } from '../../../units/types.js';
import type { UnitActionResult } from '../../control.js';
import { SupdError } from '../../errors.js';
import { KillBody, TargetActionParams, UnitActionResultSchema } from '../schemas.gen.js';
import type { RouteDeps } from './deps.js';

function answer(result: UnitActionResult): UnitActionResult {
  if (!result.ok) throw new SupdError('SUPD_OPERATION_FAILED', result.message, { details: result });
  return result;
}

export function unitActionRoutes(app: FastifyInstance, { control }: RouteDeps): void {
  app.post<{ Params: TargetActionParams; Body: KillBody | undefined }>(
    '/v1/units/:target/kill',
    { schema: { params: TargetActionParams, body: KillBody, response: { 200: UnitActionResultSchema } }, config: { role: 'operator' } },
    async (req) => {
      const name = req.body?.signal ?? 'SIGTERM';
      const signal = (name.startsWith('SIG') ? name : `SIG${name}`) as Signal;
      return answer(await control.kill(req.params.target, signal));
    },
  );

  app.post<{ Params: TargetActionParams }>(
    '/v1/units/:target/reload',
    { schema: { params: TargetActionParams, response: { 200: UnitActionResultSchema } }, config: { role: 'operator' } },
    async (req) => answer(await control.reloadUnits(req.params.target)),
  );
}
