// supctl restart [--safe] [--rolling STRATEGY] [--max-unavailable N|P%] [--canary [SOAK]]
// [--with-dependents] TARGET…
import type { Command, OptionValues } from 'commander';
import { ROLLING_STRATEGIES, type RollingStrategy } from '../../daemon/api/limits.js';
import { parseDuration } from '../../units/duration.js';
import { SupdError } from '../../daemon/errors.js';
import { act } from '../act.js';
import { COMMAND_FLAGS, addFlags } from '../flags.js';
import type { ActArgs } from '../act.js';
import type { Context } from '../context.js';

export const name = 'restart';
export const description = 'restart units; --rolling (or --max-unavailable, --canary) keeps the rest serving';

export function configure(cmd: Command): void {
  // Optional for commander only: `--canary web` takes `web` as the soak time, which parse() gives back.
  addFlags(cmd.argument('[targets...]', 'units, groups or all'), COMMAND_FLAGS.restart);
}

function isStrategy(v: unknown): v is RollingStrategy {
  return typeof v === 'string' && (ROLLING_STRATEGIES as readonly string[]).includes(v);
}

/** A soak time as `--canary` takes it, in the one duration grammar (what is not one is a target). */
function isSoak(word: string): boolean {
  return word !== '0' && parseDuration(word) !== null;
}

export function parse(operands: readonly string[], opts: OptionValues): ActArgs {
  const rolling: unknown = opts['rolling'];
  const targets = [...operands];
  let canary: unknown = opts['canary'];
  if (typeof canary === 'string' && !isSoak(canary)) {
    targets.unshift(canary);
    canary = true;
  }
  if (targets.length === 0) throw new SupdError('SUPD_USAGE', "restart: missing required argument 'targets'");
  return {
    targets,
    safe: opts['safe'] === true,
    wait: opts['wait'] !== false,
    rolling: isStrategy(rolling) ? rolling : null,
    withDependents: opts['withDependents'] === true,
    ...(typeof opts['maxUnavailable'] === 'string' ? { maxUnavailable: opts['maxUnavailable'] } : {}),
    ...(canary === true ? { canary: '' } : typeof canary === 'string' ? { canary } : {}),
  };
}

export async function run(args: ActArgs, ctx: Context): Promise<number> {
  return act('restart', args, ctx);
}
