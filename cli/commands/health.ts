// supctl health [TARGET…]: exit 0 only if every unit the targets name is ready.
import type { Command, OptionValues } from 'commander';
import { SupdError } from '../../daemon/errors.js';
import type { UnitsBody } from '../../daemon/api/contract.js';
import type { Context } from '../context.js';
import { healthLines, json, selectUnits } from '../render.js';

export const name = 'health';
export const description = 'exit 0 only if every target is ready (a group or all counts each of its units)';

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
  const ready = selected.every((u) => u.state === 'ready');
  if (ctx.json) {
    ctx.out(json({ ready, units: selected.map((u) => ({ name: u.name, ready: u.state === 'ready', state: u.state, reason: u.reason })) }));
  } else {
    ctx.out(healthLines(selected));
  }
  return ready ? 0 : 1;
}
