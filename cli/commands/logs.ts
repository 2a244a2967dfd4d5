// supctl logs [-f] [-n N] UNIT: the unit's captured stdout and stderr; -f keeps following.
import { InvalidArgumentError } from 'commander';
import type { Command, OptionValues } from 'commander';
import { DEFAULT_LOG_LINES, MAX_LOG_LINES } from '../../daemon/api/limits.js';
import type { Context } from '../context.js';
import { targetPath } from '../fleet.js';

export const name = 'logs';
export const description = "print a unit's captured output; -f follows it as it is written";

export interface Args {
  unit: string;
  lines: number;
  follow: boolean;
}

function lineCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > MAX_LOG_LINES) {
    throw new InvalidArgumentError(`expected a whole number from 0 to ${MAX_LOG_LINES}`);
  }
  return Number(text);
}

export function configure(cmd: Command): void {
  cmd.argument('<unit>', 'the unit (HOST/UNIT: a unit of another host of the fleet)')
    .option('-n, --lines <n>', `how many of the last lines (default ${DEFAULT_LOG_LINES})`, lineCount)
    .option('-f, --follow', 'keep printing new output until interrupted');
}

export function parse(operands: readonly string[], opts: OptionValues): Args {
  const lines: unknown = opts['lines'];
  return { unit: operands[0] ?? '', lines: typeof lines === 'number' ? lines : DEFAULT_LOG_LINES, follow: opts['follow'] === true };
}

export async function run(args: Args, ctx: Context): Promise<number> {
  const path = targetPath(args.unit, ctx.fleet, `/logs?lines=${args.lines}`);
  if (!args.follow) {
    ctx.out(await ctx.client().getText(path));
    return 0;
  }
  const stream = ctx.client().stream(`${path}&follow=1`, (text) => ctx.out(text));
  await stream.done;
  return 0;
}
