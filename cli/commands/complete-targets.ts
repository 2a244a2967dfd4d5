// supctl complete-targets (hidden): the names a TARGET may be (units, groups, all) and the
// rollout ids, one a line, for the shell completion scripts. Prints nothing when supd is away.
import type { Command, OptionValues } from 'commander';
import type { RolloutsBody, UnitsBody } from '../../daemon/api/contract.js';
import type { Context } from '../context.js';
import { targetNames } from '../render.js';

export const name = 'complete-targets';
export const description = 'names for shell completion: units, groups and all (or, with rollouts, rollout ids)';
export const hidden = true;

export interface Args {
  rollouts: boolean;
}

export function configure(cmd: Command): void {
  cmd.option('--rollouts', 'rollout ids instead');
}

export function parse(_operands: readonly string[], opts: OptionValues): Args {
  return { rollouts: opts['rollouts'] === true };
}

export async function run(args: Args, ctx: Context): Promise<number> {
  try {
    const names = args.rollouts
      ? (await ctx.client().getJson<RolloutsBody>('/v1/rollouts')).rollouts.map((r) => r.id)
      : targetNames((await ctx.client().getJson<UnitsBody>('/v1/units')).units);
    ctx.out(names.map((n) => `${n}\n`).join(''));
  } catch {
    // completion must never print an error into the command line being typed
  }
  return 0;
}
