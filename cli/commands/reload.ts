// supctl reload: supd re-reads its unit files; prints what was added, changed and removed, or the
// diagnostics (file:line:col: message) and exit 1 while supd keeps its last good units.
// supctl reload TARGET…: the units' own reload action (signal or command); their pids stay.
import type { Command, OptionValues } from 'commander';
import { isSupdError } from '../../daemon/errors.js';
import type { ReloadResult } from '../../daemon/api/contract.js';
import type { Context } from '../context.js';
import { errorCount, formatDiagnostics } from '../diagnostics.js';
import { json, reloadDone } from '../render.js';
import { unitAction } from '../unit-action.js';

export const name = 'reload';
export const description = "re-read the unit files (report added, changed and removed units); with targets, run the units' own reload action";

export interface Args {
  targets: string[];
}

export function configure(cmd: Command): void {
  cmd.argument('[targets...]', 'units, groups or all whose reload action runs (none: re-read the unit files)');
}

export function parse(operands: readonly string[], _opts: OptionValues): Args {
  return { targets: [...operands] };
}

function isReloadResult(v: unknown): v is ReloadResult {
  return typeof v === 'object' && v !== null && 'diagnostics' in v && Array.isArray(v.diagnostics);
}

export async function run(args: Args, ctx: Context): Promise<number> {
  if (args.targets.length > 0) return unitAction('reload', args.targets, undefined, ctx);
  let result: ReloadResult;
  try {
    result = await ctx.client().postJson<ReloadResult>('/v1/reload');
  } catch (e) {
    if (!isSupdError(e) || e.code !== 'SUPD_INVALID_UNITS' || !isReloadResult(e.details)) throw e;
    if (ctx.json) {
      ctx.out(json(e.details));
    } else {
      ctx.err(await formatDiagnostics(e.details.diagnostics, ctx.cwd));
      ctx.err(`supctl: reload refused: ${errorCount(e.details.diagnostics)} error(s) in the unit files; supd keeps its last good set of units\n`);
    }
    return 1;
  }
  ctx.out(ctx.json ? json(result) : reloadDone(result));
  return 0;
}
