// The diagnostic codes of unit files and small builders shared by the pipeline's stages,
// so every stage words "no such unit" and friends the same way.
import path from 'node:path';
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
  /** A unit file, or the set of them, passes one of UNIT_FILE_LIMITS. */
  limit: 'SUPD_UNIT_LIMIT',
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

const MAX_SUGGESTIONS = 20;

/**
 * Words `no such unit (known: a, c)`, or with many units the likeliest typo. Suggestions cost an
 * edit distance per known unit, so one namer makes at most MAX_SUGGESTIONS of them.
 */
export function unknownUnitNamer(known: readonly string[]): (name: string) => string {
  const sorted = [...known].sort();
  let budget = MAX_SUGGESTIONS;
  return (name) => {
    if (sorted.length === 0) return 'no such unit (no units are defined)';
    if (sorted.length <= 10) return `no such unit (known: ${sorted.join(', ')})`;
    const hint = budget-- > 0 ? closest(name, sorted) : null;
    return hint === null ? `no such unit (${sorted.length} units are defined)` : `no such unit (did you mean "${hint}"?)`;
  };
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

/** The candidate nearest to `word` by edit distance, if it is a plausible typo. */
export function closest(word: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - word.length) >= bestDistance) continue;
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** `file:line:col: [warning: ]message`, the file relative to `cwd` when that is shorter. */
export function formatDiagnostic(d: Diagnostic, cwd: string): string {
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  if (!d.pos) return `${prefix}${d.message}`;
  const rel = path.relative(cwd, d.pos.file);
  const file = rel !== '' && rel.length < d.pos.file.length ? rel : d.pos.file;
  return `${file}:${d.pos.line}:${d.pos.col}: ${prefix}${d.message}`;
}
