// start, stop and restart: one request, one job over every local target. supd attempts every
// target, lets independent units progress in parallel, and answers with every unit it touched
// (the requirements it started, the dependents it stopped) and each one's outcome, printed as a
// list whether the job succeeded or not; the exit code says whether every unit got there.
// Fleet targets (`HOST/UNIT`, or any with --fleet) go to their host, one request each; a rolling
// restart with --fleet is one fleet rollout.
import type { Action, CommandResult, FleetRolloutView, RollingStrategy } from '../daemon/api/contract.js';
import { SupdError } from '../daemon/errors.js';
import type { Context } from './context.js';
import { commandDone, jobDone, rolloutLine } from './render.js';
import { fleetTarget, targetPath } from './fleet.js';

export interface ActArgs {
  targets: string[];
  safe: boolean;
  wait: boolean;
  rolling: RollingStrategy | null;
  /** `--max-unavailable N|P%` (implies a rolling restart). */
  maxUnavailable?: string;
  /** `--canary [SOAK]`: the soak time, or '' for the default. */
  canary?: string;
  withDependents: boolean;
}

function isResult(v: unknown): v is CommandResult {
  return typeof v === 'object' && v !== null && 'outcomes' in v && Array.isArray(v.outcomes) && 'rollout' in v;
}

/** With --json the CommandResult (the API body) is printed as is. */
export async function act(action: Action, args: ActArgs, ctx: Context): Promise<number> {
  const client = ctx.client();
  if (ctx.fleet && action === 'restart' && (args.rolling !== null || args.maxUnavailable !== undefined || args.canary !== undefined)) {
    // One fleet rollout over every target (HOST/UNIT, or a group on every host), in the order given,
    // with the budget counted over every host.
    const req: Record<string, unknown> = { units: args.targets, strategy: args.rolling ?? 'one-by-one', wait: args.wait };
    if (args.maxUnavailable !== undefined) req['maxUnavailable'] = args.maxUnavailable;
    if (args.canary !== undefined) req['canary'] = args.canary === '' ? 'true' : args.canary;
    const { rollout } = await client.postJson<{ rollout: FleetRolloutView }>('/v1/fleet/rollouts', req);
    ctx.out(ctx.json ? `${JSON.stringify({ rollout })}\n` : `fleet ${rolloutLine(rollout)} (driven by ${rollout.driver})\n`);
    return 0;
  }
  const body: Record<string, unknown> = { safe: args.safe, wait: args.wait, withDependents: args.withDependents };
  if (args.rolling !== null) body['rolling'] = args.rolling;
  if (args.maxUnavailable !== undefined) body['maxUnavailable'] = args.maxUnavailable;
  if (args.canary !== undefined) body['canary'] = args.canary === '' ? 'true' : args.canary;
  const remote = args.targets.filter((t) => ctx.fleet || fleetTarget(t) !== null);
  const local = args.targets.filter((t) => !remote.includes(t));
  const print = (targets: string[], result: CommandResult): void => {
    if (ctx.json) ctx.out(`${JSON.stringify(result)}\n`);
    else if (result.rollout !== null || result.outcomes.length === 0) ctx.out(commandDone(action, targets.join(' '), result));
    else ctx.out(jobDone(action, targets, result));
  };
  if (local.length > 0) {
    try {
      print(local, await client.postJson<CommandResult>('/v1/jobs', { action, targets: local, ...body }));
    } catch (e) {
      // A job that ran but did not fully succeed: every unit's outcome first, then the error.
      if (e instanceof SupdError && !ctx.json && isResult(e.details) && e.details.rollout === null) ctx.out(jobDone(action, local, e.details));
      throw e;
    }
  }
  for (const target of remote) {
    print([target], await client.postJson<CommandResult>(targetPath(target, ctx.fleet, `/${action}`), body));
  }
  return 0;
}
