// The check of a raw unit file against its JSON schema (units/schema-def.ts), turned into issues a
// user can read: what is wrong, at which key or value. The validator is compiled at build time
// (`npm run gen:schemas` writes units/schema.gen.ts): no TypeBox and no schema compilation here.
import type { ErrorObject } from 'ajv';
import { closest } from './diagnostics.js';
import type { PathSegment } from './parse.js';
import { validateUnitFile } from './schema.gen.js';

export { NAME_RE } from './patterns.js';

export type { RawUnit, RawUnitFile } from './schema-def.js';

/** Keys whose maps merge key by key under `extends` and instance overrides. */
export const MERGED_MAPS = ['env', 'vars', 'ports'] as const;

export interface SchemaIssue {
  path: PathSegment[];
  /** Point at the key itself (unknown key) or at its value. */
  at: 'key' | 'value';
  message: string;
}

export function checkUnitFile(value: unknown): SchemaIssue[] {
  if (validateUnitFile(value)) return [];
  return toIssues(validateUnitFile.errors ?? []);
}

function toIssues(errors: readonly ErrorObject[]): SchemaIssue[] {
  // A failed anyOf says it once; the failures of its branches only repeat it less clearly. But when
  // the value is a list or map and one branch is the list or map, that branch's errors say more.
  // A branch's errors are those under the anyOf in the schema and at or below its value: shared
  // subschemas ($ref) have one schema path for every place they are used.
  const hidden: ErrorObject[] = [];
  const skipped = new Set<ErrorObject>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf') continue;
    const k = structuralBranch(e);
    if (k === null) {
      hidden.push(e);
      continue;
    }
    skipped.add(e);
    const kept = `${e.schemaPath}/${k}/`;
    for (const other of errors) {
      if (under(other, e) && !other.schemaPath.startsWith(kept)) skipped.add(other);
    }
  }
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (skipped.has(e) || hidden.some((h) => under(e, h))) continue;
    const path = pointerToPath(e.instancePath);
    let issue: SchemaIssue;
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: unknown }).additionalProperty);
      const known = Object.keys(propertiesOf(e.parentSchema));
      const hint = closest(key, known);
      const where = path.length > 0 ? `${formatPath(path)}: ` : '';
      issue = {
        path: [...path, key],
        at: 'key',
        message: `${where}unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ` (known: ${known.join(', ')})`}`,
      };
    } else if (e.keyword === 'required') {
      const key = String((e.params as { missingProperty: unknown }).missingProperty);
      issue = { path, at: 'value', message: `${formatPath(path) || 'unit'}: missing key "${key}"` };
    } else {
      const expected = describe(e);
      issue = { path, at: 'value', message: `${formatPath(path) || 'unit file'}: expected ${expected}, got ${show(e.data)}` };
    }
    const id = `${issue.at}:${issue.path.join('\u0000')}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}

/** Whether `e` is an error of one of the branches of the anyOf that failed as `anyOf`. */
function under(e: ErrorObject, anyOf: ErrorObject): boolean {
  return (
    e.schemaPath.startsWith(`${anyOf.schemaPath}/`) &&
    (e.instancePath === anyOf.instancePath || e.instancePath.startsWith(`${anyOf.instancePath}/`))
  );
}

/** The index of the anyOf branch that is a list (or map) when the value is one, else null. */
function structuralBranch(e: ErrorObject): number | null {
  const kind = Array.isArray(e.data) ? 'array' : e.data !== null && typeof e.data === 'object' ? 'object' : null;
  if (kind === null || !Array.isArray(e.schema)) return null;
  const matches = (e.schema as unknown[]).flatMap((b, i) =>
    b !== null && typeof b === 'object' && (b as { type?: unknown }).type === kind ? [i] : [],
  );
  return matches.length === 1 ? (matches[0] ?? null) : null;
}

function describe(e: ErrorObject): string {
  const parent: unknown = e.parentSchema;
  if (parent !== null && typeof parent === 'object' && 'description' in parent) {
    const d = (parent as { description?: unknown }).description;
    if (typeof d === 'string') return d;
  }
  if (e.keyword === 'type') {
    const type = String((e.params as { type?: unknown }).type);
    return TYPE_NAMES[type] ?? type;
  }
  return e.message ?? e.keyword;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  null: 'nothing',
};

function propertiesOf(schema: unknown): Record<string, unknown> {
  if (schema !== null && typeof schema === 'object' && 'properties' in schema) {
    const p = (schema as { properties?: unknown }).properties;
    if (p !== null && typeof p === 'object') return p as Record<string, unknown>;
  }
  return {};
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `ready.tcp`, `requires[2]`, `instances.aux_1.ports.http`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number' || /^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
