// start, stop and restart share one loop: one request per target, in the order given, stopping
// at the first that fails (the error says which unit and why).
import type { Action, CommandResult, FleetRolloutView, RollingStrategy } from '../daemon/api/contract.js';
import type { Context } from './context.js';
import { commandDone, rolloutLine } from './render.js';
import { targetPath } from './fleet.js';

export interface ActArgs {
  targets: string[];
  safe: boolean;
  wait: boolean;
  rolling: RollingStrategy | null;
  withDependents: boolean;
}

/** With --json each target's CommandResult is printed as one JSON line: for one target that is
 * exactly the API body. */
export async function act(action: Action, args: ActArgs, ctx: Context): Promise<number> {
  const client = ctx.client();
  if (ctx.fleet && action === 'restart' && args.rolling !== null) {
    // One fleet rollout over every target (HOST/UNIT, or a group on every host), in the order given.
    const { rollout } = await client.postJson<{ rollout: FleetRolloutView }>('/v1/fleet/rollouts', { units: args.targets, strategy: args.rolling, wait: args.wait });
    ctx.out(ctx.json ? `${JSON.stringify({ rollout })}\n` : `fleet ${rolloutLine(rollout)} (driven by ${rollout.driver})\n`);
    return 0;
  }
  for (const target of args.targets) {
    const body = { safe: args.safe, wait: args.wait, rolling: args.rolling, withDependents: args.withDependents };
    const result = await client.postJson<CommandResult>(targetPath(target, ctx.fleet, `/${action}`), body);
    ctx.out(ctx.json ? `${JSON.stringify(result)}\n` : commandDone(action, target, result));
  }
  return 0;
}
