// The only I/O in units/: reads every *.yaml / *.yml in a units directory (not recursive) and runs
// the pipeline: parse → validate each file → resolve → validate the set.
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DiagnosticCodes, sortDiagnostics } from './diagnostics.js';
import { parseUnitFile } from './parse.js';
import { fileUnitName, resolveUnits } from './resolve.js';
import type { ValidFile } from './resolve.js';
import type { RawUnitFile } from './schema.js';
import type { Diagnostic, LoadResult } from './types.js';
import { normalise, validateFile, validateUnits } from './validate.js';

export interface LoadOptions {
  /** Substituted for ${host}; defaults to os.hostname(). */
  host?: string;
}

export interface UnitSource {
  file: string;
  text: string;
}

/** Reads a directory of unit files. `units` is empty whenever any diagnostic is an error. */
export async function loadUnits(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const root = path.resolve(dir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch (e) {
    return { units: [], diagnostics: [readError(`cannot read the units directory ${root}`, e)] };
  }
  const files = names.filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('.')).sort();
  const sources: UnitSource[] = [];
  const failures: Diagnostic[] = [];
  await Promise.all(
    files.map(async (name, i) => {
      const file = path.join(root, name);
      try {
        sources[i] = { file, text: await readFile(file, 'utf8') };
      } catch (e) {
        failures.push({ ...readError(`cannot read ${name}`, e), pos: { file, line: 1, col: 1 } });
      }
    }),
  );
  const result = loadFromSources(sources.filter((s) => s !== undefined), opts);
  if (failures.length === 0) return result;
  return { units: [], diagnostics: sortDiagnostics([...failures, ...result.diagnostics]) };
}

/** The whole pipeline on in-memory sources, in the order given. Pure apart from the default host. */
export function loadFromSources(sources: readonly UnitSource[], opts: LoadOptions = {}): LoadResult {
  const host = opts.host ?? os.hostname();
  const diagnostics: Diagnostic[] = [];
  const valid: ValidFile[] = [];
  const brokenNames = new Set<string>();
  for (const { file, text } of sources) {
    const parsed = parseUnitFile(file, text);
    const found = validateFile(parsed);
    diagnostics.push(...found);
    if (found.some((d) => d.severity === 'error')) {
      for (const name of namesIn(file, parsed.value)) brokenNames.add(name);
      continue;
    }
    // validateFile checked the normalised value against the schema.
    valid.push({ file, value: normalise(parsed.value) as RawUnitFile, positions: parsed.positions });
  }
  const resolved = resolveUnits(valid, { host, brokenNames });
  diagnostics.push(...resolved.diagnostics);
  for (const name of resolved.failed) brokenNames.add(name);
  diagnostics.push(...validateUnits(resolved.units, { brokenNames }));
  const sorted = sortDiagnostics(diagnostics);
  const failed = sorted.some((d) => d.severity === 'error');
  return { units: failed ? [] : resolved.units.map((u) => u.spec), diagnostics: sorted };
}

/** The unit names a broken file would have defined, as far as they can be told. */
function namesIn(file: string, value: unknown): string[] {
  const id = fileUnitName(file);
  if (id.kind === 'unit') return [id.name];
  const instances = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)['instances'] : null;
  return instances !== null && typeof instances === 'object' ? Object.keys(instances as object) : [];
}

function readError(message: string, e: unknown): Diagnostic {
  const reason = e instanceof Error ? e.message : String(e);
  return { severity: 'error', code: DiagnosticCodes.read, message: `${message}: ${reason}` };
}
