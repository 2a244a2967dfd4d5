// Compares the unit set in force with a freshly loaded one, for `reload`: which units were
// added, which changed (any difference in the resolved spec) and which were removed.
import type { UnitSpec } from './types.js';

export interface UnitDiff {
  /** Names in the new set's order. */
  added: string[];
  changed: string[];
  /** Names in the old set's order. */
  removed: string[];
}

export function diffUnits(old: readonly UnitSpec[], next: readonly UnitSpec[]): UnitDiff {
  const before = new Map(old.map((u) => [u.name, u]));
  const after = new Set(next.map((u) => u.name));
  const added: string[] = [];
  const changed: string[] = [];
  for (const u of next) {
    const prev = before.get(u.name);
    if (prev === undefined) added.push(u.name);
    else if (!deepEqual(prev, u)) changed.push(u.name);
  }
  const removed = old.filter((u) => !after.has(u.name)).map((u) => u.name);
  return { added, changed, removed };
}

/** Structural equality of JSON-like data; key order does not matter, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(rb, k) && deepEqual(ra[k], rb[k]));
}

/** Resolved fields named otherwise in the unit file. */
const FILE_KEY: Record<string, string> = { argv: 'command' };

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The keys that differ between two resolved specs of one unit, as dotted paths two levels deep
 * (`command`, `ready.timeout`), for `reload --dry-run`. */
export function changedKeys(prev: object, next: object, depth = 2, prefix = ''): string[] {
  const a = prev as Record<string, unknown>;
  const b = next as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => k !== 'name' && !deepEqual(a[k], b[k]));
  return keys.flatMap((k) => {
    const x = a[k];
    const y = b[k];
    const key = prefix === '' ? (FILE_KEY[k] ?? k) : k;
    return depth > 1 && isPlain(x) && isPlain(y) ? changedKeys(x, y, depth - 1, `${prefix}${key}.`) : [`${prefix}${key}`];
  });
}
