// The optional `[TARGET…]` of status and health: fetched once from /v1/units and resolved here,
// since those commands need every unit's state, not a command on the target.
import type { Command, OptionValues } from 'commander';
import { SupdError } from '../daemon/errors.js';
import type { UnitsBody, UnitStatus } from '../daemon/api/contract.js';
import type { Context } from './context.js';
import { didYouMean, selectUnits, targetNames } from './render.js';

export interface TargetArgs {
  targets: string[];
}

export function configureTargets(cmd: Command): void {
  cmd.argument('[targets...]', 'units, groups or all (default: all)');
}

export function parseTargets(operands: readonly string[], _opts: OptionValues): TargetArgs {
  return { targets: [...operands] };
}

/** The units the targets name, in supd's order; an unknown target fails with exit 1. */
export async function unitsOf(args: TargetArgs, ctx: Context): Promise<UnitStatus[]> {
  const body = await ctx.client().getJson<UnitsBody>('/v1/units');
  const { selected, unknown } = selectUnits(body.units, args.targets);
  if (unknown.length > 0) {
    const names = targetNames(body.units);
    const close = unknown.flatMap((u) => didYouMean(u, names));
    const message = `no unit or group named ${unknown.map((u) => `"${u}"`).join(', ')}`;
    throw new SupdError('SUPD_UNKNOWN_TARGET', message, close.length > 0 ? { hint: `did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` } : {});
  }
  return selected;
}
