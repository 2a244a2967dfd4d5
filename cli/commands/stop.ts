// supctl stop [--safe] TARGET…: stop dependents first, then the targets; --safe drains them.
import type { Command, OptionValues } from 'commander';
import { act } from '../act.js';
import { COMMAND_FLAGS, addFlags } from '../flags.js';
import type { ActArgs } from '../act.js';
import type { Context } from '../context.js';

export const name = 'stop';
export const description = 'stop units (their dependents first); --safe drains them before stopping';

export function configure(cmd: Command): void {
  addFlags(cmd.argument('<targets...>', 'units, groups or all'), COMMAND_FLAGS.stop);
}

export function parse(operands: readonly string[], opts: OptionValues): ActArgs {
  return { targets: [...operands], safe: opts['safe'] === true, wait: opts['wait'] !== false, rolling: null, withDependents: false };
}

export async function run(args: ActArgs, ctx: Context): Promise<number> {
  return act('stop', args, ctx);
}
