// supctl health [TARGET…]: exit 0 only if every unit the targets name is ready.
import type { Context } from '../context.js';
import { healthLines, json } from '../render.js';
import { unitsOf } from '../targets.js';
import type { TargetArgs } from '../targets.js';

export { configureTargets as configure, parseTargets as parse } from '../targets.js';

export const name = 'health';
export const description = 'exit 0 only if every target is ready (a group or all counts each of its units)';

export async function run(args: TargetArgs, ctx: Context): Promise<number> {
  const units = await unitsOf(args, ctx);
  const ready = units.every((u) => u.state === 'ready');
  if (ctx.json) {
    ctx.out(json({ ready, units: units.map((u) => ({ name: u.name, ready: u.state === 'ready', state: u.state, reason: u.reason })) }));
  } else {
    ctx.out(healthLines(units));
  }
  return ready ? 0 : 1;
}
