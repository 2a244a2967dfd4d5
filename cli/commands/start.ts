// supctl start TARGET…: start the targets and what they require; waits until ready unless --no-wait.
import type { Command, OptionValues } from 'commander';
import { act } from '../act.js';
import { COMMAND_FLAGS, addFlags } from '../flags.js';
import type { ActArgs } from '../act.js';
import type { Context } from '../context.js';

export const name = 'start';
export const description = 'start units (and what they require) in dependency order; wait until ready';

export function configure(cmd: Command): void {
  addFlags(cmd.argument('<targets...>', 'units, groups or all'), COMMAND_FLAGS.start);
}

export function parse(operands: readonly string[], opts: OptionValues): ActArgs {
  return { targets: [...operands], safe: false, wait: opts['wait'] !== false, rolling: null, withDependents: false };
}

export async function run(args: ActArgs, ctx: Context): Promise<number> {
  return act('start', args, ctx);
}
