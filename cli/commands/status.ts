// supctl status [TARGET…]: the table of units, or `{ units: [...] }` with --json.
import type { Command, OptionValues } from 'commander';
import { SupdError } from '../../daemon/errors.js';
import type { UnitsBody } from '../../daemon/api/contract.js';
import type { Context } from '../context.js';
import { json, selectUnits, statusTable } from '../render.js';

export const name = 'status';
export const description = 'show units: state, pid, uptime, restarts, cpu, memory, last exit, reason';

export interface Args {
  targets: string[];
}

export function configure(cmd: Command): void {
  cmd.argument('[targets...]', 'units, groups or all (default: all)');
}

export function parse(operands: readonly string[], _opts: OptionValues): Args {
  return { targets: [...operands] };
}

export async function run(args: Args, ctx: Context): Promise<number> {
  const body = await ctx.client().getJson<UnitsBody>('/v1/units');
  const { selected, unknown } = selectUnits(body.units, args.targets);
  if (unknown.length > 0) throw new SupdError('SUPD_UNKNOWN_TARGET', `no unit or group named ${unknown.map((u) => `"${u}"`).join(', ')}`);
  ctx.out(ctx.json ? json({ units: selected }) : statusTable(selected));
  return 0;
}
