// supctl restart [--safe] [--rolling STRATEGY] [--with-dependents] TARGET…
import type { Command, OptionValues } from 'commander';
import { ROLLING_STRATEGIES, type RollingStrategy } from '../../daemon/api/limits.js';
import { act } from '../act.js';
import type { ActArgs } from '../act.js';
import type { Context } from '../context.js';

export const name = 'restart';
export const description = 'restart units; --rolling keeps the rest serving, one (or one half) at a time';

export function configure(cmd: Command): void {
  cmd.argument('<targets...>', 'units, groups or all')
    .option('--safe', 'drain each unit before stopping it')
    .addOption(cmd.createOption('--rolling <strategy>', 'restart one unit or one half at a time').choices(ROLLING_STRATEGIES))
    .option('--with-dependents', 'also restart the units that require the targets, in order')
    .option('--no-wait', 'return once the restart is under way');
}

function isStrategy(v: unknown): v is RollingStrategy {
  return typeof v === 'string' && (ROLLING_STRATEGIES as readonly string[]).includes(v);
}

export function parse(operands: readonly string[], opts: OptionValues): ActArgs {
  const rolling: unknown = opts['rolling'];
  return {
    targets: [...operands],
    safe: opts['safe'] === true,
    wait: opts['wait'] !== false,
    rolling: isStrategy(rolling) ? rolling : null,
    withDependents: opts['withDependents'] === true,
  };
}

export async function run(args: ActArgs, ctx: Context): Promise<number> {
  return act('restart', args, ctx);
}
