// supctl validate [PATH]: checks unit files without a daemon; diagnostics as file:line:col: message.
// PATH is a units directory (every file in it) or one unit file (checked with the rest of its
// folder, since it may extend or require them; only its own diagnostics are shown). A folder with
// no unit file in it is an error: it is almost always the wrong folder.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command, OptionValues } from 'commander';
import type { Context } from '../context.js';
import { SupdError } from '../../daemon/errors.js';
import { errorCount, formatDiagnostics } from '../diagnostics.js';
import { json } from '../render.js';

export const name = 'validate';
export const description = 'check unit files without a daemon (PATH: a units directory or one unit file; default $SUPD_UNITS_DIR or ./units)';

export interface Args {
  target: string | null;
}

export function configure(cmd: Command): void {
  cmd.argument('[path]', 'the units directory, or one unit file');
}

export function parse(operands: readonly string[], _opts: OptionValues): Args {
  return { target: operands[0] ?? null };
}

const UNIT_FILE = /\.ya?ml$/;

/** The folder to load and, for a single file, that file (absolute). */
async function whatToLoad(target: string, ctx: Context): Promise<{ dir: string; file: string | null }> {
  const abs = path.resolve(ctx.cwd, target);
  let isDir: boolean;
  try {
    isDir = (await stat(abs)).isDirectory();
  } catch {
    return { dir: abs, file: null }; // the loader names the path and why it cannot be read
  }
  if (isDir) return { dir: abs, file: null };
  if (!UNIT_FILE.test(abs)) throw new SupdError('SUPD_USAGE', `validate: ${target} is not a unit file (<unit>.yaml or <template>@.yaml)`);
  return { dir: path.dirname(abs), file: abs };
}

export async function run(args: Args, ctx: Context): Promise<number> {
  const target = args.target ?? (ctx.env['SUPD_UNITS_DIR'] || 'units');
  const { dir, file } = await whatToLoad(target, ctx);
  // Loaded here, not at startup: only this command parses unit files.
  const { loadUnits } = await import('../../units/load.js');
  const result = await loadUnits(dir);
  const diagnostics = file === null ? result.diagnostics : result.diagnostics.filter((d) => d.pos?.file === file);
  const units = result.units.filter((u) => file === null || u.file === file).map((u) => u.name);
  const errors = errorCount(diagnostics);
  const empty = file === null && errors === 0 && result.diagnostics.length === 0 && result.units.length === 0;
  if (empty) {
    throw new SupdError('SUPD_INVALID_UNITS', `validate: ${target} holds no unit files (*.yaml)`, { hint: 'give the folder of your unit files, or one unit file' });
  }
  if (ctx.json) {
    ctx.out(json({ ok: errors === 0, units, diagnostics }));
    return errors === 0 ? 0 : 1;
  }
  if (diagnostics.length > 0) ctx.err(await formatDiagnostics(diagnostics, ctx.cwd));
  if (errors > 0) {
    ctx.err(`supctl: ${target}: ${errors} error(s) in the unit files\n`);
    return 1;
  }
  const warnings = diagnostics.length;
  const others = errorCount(result.diagnostics) - errors;
  const count = file !== null && others > 0 ? 'OK' : `${units.length} unit(s) OK`;
  ctx.out(`${target}: ${count}${warnings > 0 ? `, ${warnings} warning(s)` : ''}\n`);
  if (others > 0) ctx.err(`supctl: other files in ${path.relative(ctx.cwd, dir) || '.'} have ${others} error(s) (supctl validate ${path.relative(ctx.cwd, dir) || '.'})\n`);
  return 0;
}
