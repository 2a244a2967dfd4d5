// The only I/O in units/: reads every *.yaml / *.yml in a units directory (not recursive) and runs
// the pipeline: parse → validate each file → resolve → validate the set.
import { readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DiagnosticCodes, sortDiagnostics } from './diagnostics.js';
import { UNIT_FILE_LIMITS, limitMessage, sizeMessage } from './limits.js';
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
  if (files.length > UNIT_FILE_LIMITS.units) {
    const message = limitMessage('units', `${root} holds ${files.length.toLocaleString('en-US')} unit files`);
    return { units: [], diagnostics: [{ severity: 'error', code: DiagnosticCodes.limit, message }] };
  }
  // Sizes first: a file past the limits is refused without being read.
  const failures: Diagnostic[] = [];
  const sizes = await Promise.all(files.map((name) => stat(path.join(root, name)).then((s) => s.size, () => 0)));
  let total = 0;
  const readable = files.filter((name, i) => {
    const file = path.join(root, name);
    const size = sizes[i] ?? 0;
    const pos = { file, line: 1, col: 1 };
    if (size > UNIT_FILE_LIMITS.fileBytes) {
      failures.push({ severity: 'error', code: DiagnosticCodes.limit, message: sizeMessage('fileBytes', 'the file holds', size), pos });
      return false;
    }
    total += size;
    if (total > UNIT_FILE_LIMITS.totalBytes) {
      failures.push({ severity: 'error', code: DiagnosticCodes.limit, message: sizeMessage('totalBytes', 'unit files up to this one hold', total), pos });
      return false;
    }
    return true;
  });
  const sources: UnitSource[] = [];
  await Promise.all(
    readable.map(async (name, i) => {
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
  let declared = 0;
  for (const { file, text } of sources) {
    const parsed = parseUnitFile(file, text);
    const found = validateFile(parsed);
    diagnostics.push(...found);
    if (found.some((d) => d.severity === 'error')) {
      for (const name of namesIn(file, parsed.value)) brokenNames.add(name);
      continue;
    }
    declared += namesIn(file, parsed.value).length;
    if (declared > UNIT_FILE_LIMITS.units) {
      const pos = parsed.positions.key(fileUnitName(file).kind === 'unit' ? [] : ['instances']);
      diagnostics.push({ severity: 'error', code: DiagnosticCodes.limit, message: limitMessage('units', `unit files up to this one declare ${declared.toLocaleString('en-US')} units`), pos });
      return { units: [], diagnostics: sortDiagnostics(diagnostics) };
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
  return instances !== null && typeof instances === 'object' ? Object.keys(instances) : [];
}

function readError(message: string, e: unknown): Diagnostic {
  const reason = e instanceof Error ? e.message : String(e);
  return { severity: 'error', code: DiagnosticCodes.read, message: `${message}: ${reason}` };
}
