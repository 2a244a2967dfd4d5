// supctl status [TARGET…]: the table of units, or `{ units: [...] }` with --json.
import type { Context } from '../context.js';
import { json, statusTable } from '../render.js';
import { unitsOf } from '../targets.js';
import type { TargetArgs } from '../targets.js';

export { configureTargets as configure, parseTargets as parse } from '../targets.js';

export const name = 'status';
export const description = 'show units: state, pid, uptime, restarts, cpu, memory, last exit, reason';

export async function run(args: TargetArgs, ctx: Context): Promise<number> {
  const units = await unitsOf(args, ctx);
  ctx.out(ctx.json ? json({ units }) : statusTable(units));
  return 0;
}
