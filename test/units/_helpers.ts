// Shared by the unit-file tests: load inline YAML files and read diagnostics as the CLI prints them.
import { loadFromSources } from '../../units/load.js';
import type { LoadResult, UnitSpec } from '../../units/types.js';
import { formatDiagnostic } from '../../units/validate.js';

/** One YAML document from its lines, so line numbers in assertions are easy to count. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/** Loads files given as { 'a.yaml': text }, each under `units/`, with host `testhost`. */
export function load(files: Record<string, string>, host = 'testhost'): LoadResult {
  return loadFromSources(
    Object.entries(files).map(([name, text]) => ({ file: `units/${name}`, text })),
    { host },
  );
}

/** Every diagnostic as `file:line:col: message`. */
export function messages(result: LoadResult): string[] {
  return result.diagnostics.map((d) => formatDiagnostic(d, '/'));
}

export function unit(result: LoadResult, name: string): UnitSpec {
  const u = result.units.find((x) => x.name === name);
  if (!u) throw new Error(`no unit ${name} in ${JSON.stringify(messages(result))}`);
  return u;
}
