// supctl reload: supd re-reads its unit files; prints what was added, changed and removed, or the
// diagnostics (file:line:col: message) and exit 1 while supd keeps its last good units.
// supctl reload --dry-run: what a reload would add, change (with the keys), remove, start and stop,
// applied to nothing; exit 1 with the diagnostics when the files are invalid, as a reload would.
// supctl reload TARGET…: the units' own reload action (signal or command); their pids stay.
import type { Command, OptionValues } from 'commander';
import { isSupdError } from '../../daemon/errors.js';
import type { ReloadPlan, ReloadResult } from '../../daemon/api/contract.js';
import type { Context } from '../context.js';
import { errorCount, formatDiagnostics } from '../diagnostics.js';
import { json, reloadDone, reloadPlan } from '../render.js';
import { unitAction } from '../unit-action.js';

export const name = 'reload';
export const description = "re-read the unit files (report added, changed and removed units); with targets, run the units' own reload action";

export interface Args {
  targets: string[];
  dryRun: boolean;
}

export function configure(cmd: Command): void {
  cmd.argument('[targets...]', 'units, groups or all whose reload action runs (none: re-read the unit files)');
  cmd.option('--dry-run', 'print what a reload of the unit files would add, change, remove, start and stop; apply nothing');
}

export function parse(operands: readonly string[], opts: OptionValues): Args {
  return { targets: [...operands], dryRun: opts['dryRun'] === true };
}

function isReloadResult(v: unknown): v is ReloadResult {
  return typeof v === 'object' && v !== null && 'diagnostics' in v && Array.isArray(v.diagnostics);
}

export async function run(args: Args, ctx: Context): Promise<number> {
  if (args.targets.length > 0) {
    if (args.dryRun) {
      ctx.err('supctl: reload --dry-run previews a reload of the unit files; it takes no targets\n');
      return 2;
    }
    return unitAction('reload', args.targets, undefined, ctx);
  }
  if (args.dryRun) {
    const plan = await ctx.client().postJson<ReloadPlan>('/v1/reload', { dryRun: true });
    if (ctx.json) ctx.out(json(plan));
    else if (!plan.ok) {
      ctx.err(await formatDiagnostics(plan.diagnostics, ctx.cwd));
      ctx.err(`supctl: a reload would be refused: ${errorCount(plan.diagnostics)} error(s) in the unit files\n`);
    } else ctx.out(reloadPlan(plan));
    return plan.ok ? 0 : 1;
  }
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
