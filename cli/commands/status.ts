// supctl status [TARGET…]: the table of units, or `{ units: [...] }` with --json.
import type { Command, OptionValues } from 'commander';
import type { Context } from '../context.js';
import { json, statusTable } from '../render.js';
import { COMMAND_FLAGS, addFlags } from '../flags.js';
import { configureTargets, parseTargets, unitsOf } from '../targets.js';
import type { TargetArgs } from '../targets.js';
import type { FleetView } from '../../daemon/api/contract.js';
import { SupdError } from '../../daemon/errors.js';
import { fleetTable, selectFleetUnits } from '../fleet.js';

export interface Args extends TargetArgs {
  long: boolean;
}

export function configure(cmd: Command): void {
  configureTargets(cmd);
  addFlags(cmd, COMMAND_FLAGS.status);
}

export function parse(operands: readonly string[], opts: OptionValues): Args {
  return { ...parseTargets(operands, opts), long: opts['long'] === true };
}

export const name = 'status';
export const description = 'show units: state, pid, uptime, restarts, cpu, memory, last exit, reason';

export async function run(args: Args, ctx: Context): Promise<number> {
  if (ctx.fleet) return fleetStatus(args, ctx);
  const units = await unitsOf(args, ctx);
  ctx.out(ctx.json ? json({ units }) : statusTable(units, { width: ctx.width, long: args.long, color: ctx.color }));
  return 0;
}

/** Every host's units, read from etcd by whichever supd answers. */
async function fleetStatus(args: TargetArgs, ctx: Context): Promise<number> {
  const view = await ctx.client().getJson<FleetView>('/v1/fleet/units');
  const { selected, unknown } = selectFleetUnits(view, args.targets);
  if (unknown.length > 0) throw new SupdError('SUPD_UNKNOWN_TARGET', `no host or unit named ${unknown.map((u) => `"${u}"`).join(', ')} in the fleet`);
  ctx.out(ctx.json ? json({ ...view, units: selected }) : fleetTable(view, selected));
  return 0;
}
