// supctl validate [DIR]: checks unit files without a daemon; diagnostics as file:line:col: message.
import path from 'node:path';
import type { Command, OptionValues } from 'commander';
import type { Context } from '../context.js';
import { errorCount, formatDiagnostics } from '../diagnostics.js';
import { json } from '../render.js';

export const name = 'validate';
export const description = 'check unit files without a daemon (DIR: $SUPD_UNITS_DIR or ./units)';

export interface Args {
  dir: string | null;
}

export function configure(cmd: Command): void {
  cmd.argument('[dir]', 'the units directory');
}

export function parse(operands: readonly string[], _opts: OptionValues): Args {
  return { dir: operands[0] ?? null };
}

export async function run(args: Args, ctx: Context): Promise<number> {
  const dir = args.dir ?? (ctx.env['SUPD_UNITS_DIR'] || 'units');
  // Loaded here, not at startup: only this command parses unit files.
  const { loadUnits } = await import('../../units/load.js');
  const result = await loadUnits(path.resolve(ctx.cwd, dir));
  const errors = errorCount(result.diagnostics);
  if (ctx.json) {
    ctx.out(json({ ok: errors === 0, units: result.units.map((u) => u.name), diagnostics: result.diagnostics }));
    return errors === 0 ? 0 : 1;
  }
  if (result.diagnostics.length > 0) ctx.err(await formatDiagnostics(result.diagnostics, ctx.cwd));
  if (errors > 0) {
    ctx.err(`supctl: ${dir}: ${errors} error(s) in the unit files\n`);
    return 1;
  }
  const warnings = result.diagnostics.length;
  ctx.out(`${dir}: ${result.units.length} unit(s) OK${warnings > 0 ? `, ${warnings} warning(s)` : ''}\n`);
  return 0;
}
