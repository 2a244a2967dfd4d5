// Unit routes: list, one unit with its resolved spec, start/stop/restart, and reload.
//
// A command that ran but did not succeed (a unit did not become ready, a drain was forced: the
// Control resolves with ok=false) is answered 500 SUPD_OPERATION_FAILED, the error body's
// `details` holding the whole CommandResult (failures with their log tails). So every non-2xx
// answer has the one error shape, `curl --fail` notices, and supctl maps it to exit 1.
// An invalid set of unit files on reload is answered 422 SUPD_INVALID_UNITS, `details` holding the
// ReloadResult with its diagnostics.
import type { FastifyInstance } from 'fastify';
import type { Action, CommandRequest, CommandResult, Control, ReloadPlan, ReloadResult } from '../../control.js';
import { SupdError } from '../../errors.js';
import {
  CommandBody, CommandResultSchema, JobBody, ReloadBody, ReloadPlanSchema, ReloadResultSchema, TargetActionParams, UnitNameParams, UnitsBody,
} from '../schemas.gen.js';
import type { UnitBody } from '../contract.js';
import type { RouteDeps } from './deps.js';
import { whoAsked } from '../who.js';

const ACTIONS: readonly Action[] = ['start', 'stop', 'restart'];

export function failureMessage(req: CommandRequest, result: CommandResult): string {
  const what = `${req.action} ${req.targets.join(' ')}`;
  if (result.failures.length > 0) {
    return `${what} failed: ${result.failures.map((f) => `${f.unit}: ${f.reason}`).join('; ')}`;
  }
  if (result.forced.length > 0) {
    return `${what}: the drain of ${result.forced.join(', ')} hit its timeout and was forced`;
  }
  return result.message === '' ? `${what} failed` : `${what} failed: ${result.message}`;
}

async function runCommand(control: Control, action: Action, targets: string[], body: CommandBody, by: string): Promise<CommandResult> {
  const rollingAsked = body.rolling != null || body.maxUnavailable !== undefined || body.canary !== undefined;
  if (rollingAsked && action !== 'restart') {
    const field = body.rolling != null ? 'rolling' : body.maxUnavailable !== undefined ? 'maxUnavailable' : 'canary';
    throw new SupdError('SUPD_BAD_REQUEST', `body.${field} applies to restart only, not to ${action}`);
  }
  const command: CommandRequest = {
    action,
    targets,
    safe: body.safe ?? false,
    wait: body.wait ?? true,
    rolling: rollingAsked
      ? {
          strategy: body.rolling ?? 'one-by-one',
          maxUnavailable: body.maxUnavailable === undefined ? null : String(body.maxUnavailable),
          canary: body.canary ?? null,
        }
      : null,
    withDependents: body.withDependents ?? false,
    by,
  };
  const result = await control.command(command);
  if (!result.ok) {
    throw new SupdError('SUPD_OPERATION_FAILED', failureMessage(command, result), { details: result });
  }
  return result;
}

function reloadMessage(result: ReloadResult): string {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  const where = first?.pos === undefined ? '' : `${first.pos.file}:${first.pos.line}:${first.pos.col}: `;
  const head = first === undefined ? '' : `: ${where}${first.message}`;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `unit files are invalid${head}${more}; supd keeps its last good set of units`;
}

export function unitRoutes(app: FastifyInstance, { control }: RouteDeps): void {
  // The list is the largest answer (~340 bytes a unit), so it is serialized by V8's own
  // JSON.stringify: fast-json-stringify builds it by concatenation, and the rope of thousands of
  // pieces was then flattened again to count its bytes (5,000 units: 6.5 ms to build, 11 ms to
  // flatten, per request). The schema still documents it; toStatus builds exactly its fields.
  app.get('/v1/units', { schema: { response: { 200: UnitsBody } } }, async (_req, reply) => {
    reply.serializer(JSON.stringify);
    return { units: control.list() };
  });

  app.get<{ Params: UnitNameParams }>(
    '/v1/units/:name',
    { schema: { params: UnitNameParams } },
    async (req): Promise<UnitBody> => {
      const found = control.get(req.params.name);
      if (found === null) throw new SupdError('SUPD_UNKNOWN_TARGET', `no unit named "${req.params.name}"`);
      return { unit: { ...found.status, spec: found.spec, ...(found.runningArgv === undefined ? {} : { runningArgv: found.runningArgv }) } };
    },
  );

  for (const action of ACTIONS) {
    app.post<{ Params: TargetActionParams; Body: CommandBody }>(
      `/v1/units/:target/${action}`,
      {
        schema: { params: TargetActionParams, body: CommandBody, response: { 200: CommandResultSchema } },
        config: { role: 'operator' },
      },
      async (req) => runCommand(control, action, [req.params.target], req.body, await whoAsked(req)),
    );
  }

  // One job over several targets: every target attempted, every unit touched reported.
  app.post<{ Body: JobBody }>(
    '/v1/jobs',
    { schema: { body: JobBody, response: { 200: CommandResultSchema } }, config: { role: 'operator' } },
    async (req) => runCommand(control, req.body.action, req.body.targets, req.body, await whoAsked(req)),
  );

  // `{dryRun: true}`: what a reload would do, applied to nothing (supctl reload --dry-run).
  app.post<{ Body: ReloadBody | undefined }>(
    '/v1/reload',
    { schema: { body: ReloadBody, response: { 200: { anyOf: [ReloadPlanSchema, ReloadResultSchema] } } }, config: { role: 'operator' } },
    async (req): Promise<ReloadResult | ReloadPlan> => {
      if (req.body?.dryRun === true) return control.planReload();
      const result = await control.reload();
      if (!result.ok) throw new SupdError('SUPD_INVALID_UNITS', reloadMessage(result), { details: result });
      return result;
    },
  );
}
