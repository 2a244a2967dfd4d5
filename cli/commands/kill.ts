// supctl kill [-s SIGNAL] TARGET…: a signal to each unit's main process, as `systemctl kill`;
// the restart policy then applies to whatever exits.
import type { Command, OptionValues } from 'commander';
import type { Context } from '../context.js';
import { unitAction } from '../unit-action.js';

export const name = 'kill';
export const description = "send a signal to the units' main processes (default SIGTERM); the restart policy then applies";

export interface Args {
  targets: string[];
  signal: string;
}

export function configure(cmd: Command): void {
  cmd.argument('<targets...>', 'units, groups or all')
    .option('-s, --signal <signal>', 'the signal: TERM, HUP, USR1, … (with or without SIG)', 'SIGTERM');
}

export function parse(operands: readonly string[], opts: OptionValues): Args {
  const signal = typeof opts['signal'] === 'string' ? opts['signal'].toUpperCase() : 'SIGTERM';
  return { targets: [...operands], signal };
}

export async function run(args: Args, ctx: Context): Promise<number> {
  return unitAction('kill', args.targets, { signal: args.signal }, ctx);
}
