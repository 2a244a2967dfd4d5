// supctl show UNIT: the resolved unit with its exact command line, or the API body with --json.
import type { Command, OptionValues } from 'commander';
import type { UnitBody } from '../../daemon/api/contract.js';
import type { Context } from '../context.js';
import { json, showUnit } from '../render.js';
import { targetPath } from '../fleet.js';

export const name = 'show';
export const description = 'show the resolved unit, including the exact command line';

export interface Args {
  unit: string;
}

export function configure(cmd: Command): void {
  cmd.argument('<unit>', 'the unit (HOST/UNIT: a unit of another host of the fleet)');
}

export function parse(operands: readonly string[], _opts: OptionValues): Args {
  return { unit: operands[0] ?? '' };
}

export async function run(args: Args, ctx: Context): Promise<number> {
  const body = await ctx.client().getJson<UnitBody>(targetPath(args.unit, ctx.fleet));
  ctx.out(ctx.json ? json(body) : showUnit(body.unit));
  return 0;
}
