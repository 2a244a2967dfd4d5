// The diagnostic codes of unit files and small builders shared by the pipeline's stages,
// so every stage words "no such unit" and friends the same way.
import { closest } from './schema.js';
import type { Diagnostic, Position } from './types.js';

export const DiagnosticCodes = {
  /** YAML syntax error (or a YAML warning). */
  yaml: 'SUPD_UNIT_YAML',
  unknownKey: 'SUPD_UNIT_UNKNOWN_KEY',
  badValue: 'SUPD_UNIT_BAD_VALUE',
  badName: 'SUPD_UNIT_BAD_NAME',
  missingCommand: 'SUPD_UNIT_MISSING_COMMAND',
  template: 'SUPD_UNIT_TEMPLATE',
  unknownVariable: 'SUPD_UNIT_UNKNOWN_VARIABLE',
  unknownUnit: 'SUPD_UNIT_UNKNOWN_UNIT',
  unknownPort: 'SUPD_UNIT_UNKNOWN_PORT',
  extendsCycle: 'SUPD_UNIT_EXTENDS_CYCLE',
  cycle: 'SUPD_UNIT_CYCLE',
  duplicate: 'SUPD_UNIT_DUPLICATE',
  portConflict: 'SUPD_UNIT_PORT_CONFLICT',
  groupName: 'SUPD_UNIT_GROUP_NAME',
  follows: 'SUPD_UNIT_FOLLOWS',
  read: 'SUPD_UNIT_READ',
} as const;

export type DiagnosticCode = (typeof DiagnosticCodes)[keyof typeof DiagnosticCodes];

export function error(code: DiagnosticCode, message: string, pos: Position, unit?: string): Diagnostic {
  return unit === undefined ? { severity: 'error', code, message, pos } : { severity: 'error', code, message, pos, unit };
}

export function warning(code: DiagnosticCode, message: string, pos: Position, unit?: string): Diagnostic {
  return unit === undefined
    ? { severity: 'warning', code, message, pos }
    : { severity: 'warning', code, message, pos, unit };
}

/** `no such unit (known: a, c)`, or with many units, the likeliest typo. */
export function noSuchUnit(name: string, known: readonly string[]): string {
  if (known.length === 0) return 'no such unit (no units are defined)';
  if (known.length <= 10) return `no such unit (known: ${[...known].sort().join(', ')})`;
  const hint = closest(name, known);
  return hint === null ? `no such unit (${known.length} units are defined)` : `no such unit (did you mean "${hint}"?)`;
}

/** Orders diagnostics by file, line and column; those in no file come first. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const pa = a.d.pos;
      const pb = b.d.pos;
      if (!pa || !pb) return (pa ? 1 : 0) - (pb ? 1 : 0) || a.i - b.i;
      return pa.file < pb.file ? -1 : pa.file > pb.file ? 1 : pa.line - pb.line || pa.col - pb.col || a.i - b.i;
    })
    .map(({ d }) => d);
}
