// supctl stop [--safe] TARGET…: stop dependents first, then the targets; --safe drains them.
import type { Command, OptionValues } from 'commander';
import { act } from '../act.js';
import type { ActArgs } from '../act.js';
import type { Context } from '../context.js';

export const name = 'stop';
export const description = 'stop units (their dependents first); --safe drains them before stopping';

export function configure(cmd: Command): void {
  cmd.argument('<targets...>', 'units, groups or all')
    .option('--safe', 'drain first (safeStop), then stop')
    .option('--no-wait', 'return once the stop is under way');
}

export function parse(operands: readonly string[], opts: OptionValues): ActArgs {
  return { targets: [...operands], safe: opts['safe'] === true, wait: opts['wait'] !== false, rolling: null, withDependents: false };
}

export async function run(args: ActArgs, ctx: Context): Promise<number> {
  return act('stop', args, ctx);
}
