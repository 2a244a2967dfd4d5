// YAML text of one unit file → a plain value plus the 1-based position of every key and value,
// so each later diagnostic can name file:line:col. Imports `yaml` only.
import { Composer, LineCounter, isAlias, isCollection, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import type { Document, DocumentOptions, ParseOptions, ScalarTag, SchemaOptions } from 'yaml';
import { DiagnosticCodes } from './diagnostics.js';
import { UNIT_FILE_LIMITS, boundedTokens, checkNodes, sizeMessage } from './limits.js';
import type { Diagnostic, Position } from './types.js';

export type PathSegment = string | number;
/** A JSON path into a unit file's value, e.g. ['ready', 'tcp'] or ['requires', 0]. */
export type JsonPath = readonly PathSegment[];

/** Where things are written in one file. Lookups fall back to the nearest written ancestor. */
export interface Positions {
  readonly file: string;
  value(path: JsonPath): Position;
  key(path: JsonPath): Position;
  /** The position of character `index` of the string `text` written at `path`, when the scalar
   * is written on one line without escapes; else where the value starts. */
  within(path: JsonPath, text: string, index: number): Position;
}

export interface ParsedFile {
  file: string;
  /** The document as plain JSON-like data; null when the YAML has errors or is empty. */
  value: unknown;
  positions: Positions;
  diagnostics: Diagnostic[];
}

export function pathKey(path: JsonPath): string {
  return path.join('\u0000');
}

class PositionTable implements Positions {
  readonly values = new Map<string, Position>();
  readonly keys = new Map<string, Position>();
  /** Source text of one-line scalars, to place a position inside a string. */
  readonly sources = new Map<string, string>();
  constructor(readonly file: string) {}

  within(path: JsonPath, text: string, index: number): Position {
    const start = this.value(path);
    const source = this.sources.get(pathKey(path));
    if (source === undefined) return start;
    if (source === text) return { ...start, col: start.col + index };
    if (source === `"${text}"` || source === `'${text}'`) return { ...start, col: start.col + 1 + index };
    return start;
  }

  value(path: JsonPath): Position {
    for (let n = path.length; n >= 0; n--) {
      const p = this.values.get(pathKey(path.slice(0, n)));
      if (p) return p;
    }
    return { file: this.file, line: 1, col: 1 };
  }

  key(path: JsonPath): Position {
    return this.keys.get(pathKey(path)) ?? this.value(path);
  }
}

// A plain scalar with a leading zero (`0022`, `0123`) stays a string: YAML 1.2 would read it as
// decimal, silently turning `umask: 0022` into 22 and dropping zeros from env values.
const leadingZeroIsString: ScalarTag = {
  tag: 'tag:yaml.org,2002:str',
  default: true,
  test: /^0[0-9]+$/,
  resolve: (source: string) => source,
};

const composerOptions: ParseOptions & DocumentOptions & SchemaOptions = {
  merge: true,
  customTags: (tags) => [leadingZeroIsString, ...tags],
};

/** Parses within UNIT_FILE_LIMITS: a file past a limit gets one error naming the limit and where
 * it was passed, and no value; nothing unbounded (deep recursion, alias expansion) runs first. */
export function parseUnitFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const table = new PositionTable(file);
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const refuse = (pos: Position, message: string): ParsedFile => ({
    file, value: null, positions: table, diagnostics: [{ severity: 'error', code: DiagnosticCodes.limit, message, pos }],
  });
  // Characters, not bytes: the cheap bound; loadUnits checks bytes before reading.
  if (text.length > UNIT_FILE_LIMITS.fileBytes) {
    return refuse({ file, line: 1, col: 1 }, sizeMessage('fileBytes', 'the file holds', Buffer.byteLength(text)));
  }
  const { tokens, breach } = boundedTokens(text, lineCounter.addNewLine);
  if (breach !== null) return refuse(at(breach.offset), breach.message);
  const docs = [...new Composer(composerOptions).compose(tokens, true, text.length)];
  const doc = docs[0] as Document.Parsed;
  if (docs.length > 1) {
    diagnostics.push({ severity: 'error', code: DiagnosticCodes.yaml, message: 'YAML: a unit file holds one document; this one has several (---)', pos: at(docs[1]?.range[0] ?? 0) });
  }
  for (const [severity, list] of [['error', doc.errors], ['warning', doc.warnings]] as const) {
    for (const e of list) {
      diagnostics.push({
        severity,
        code: 'SUPD_UNIT_YAML',
        message: `YAML: ${firstLine(e.message)}`,
        pos: at(e.pos[0]),
      });
    }
  }
  if (doc.errors.length > 0 || diagnostics.length > 0 && diagnostics.some((d) => d.severity === 'error')) {
    return { file, value: null, positions: table, diagnostics };
  }
  const tooMuch = checkNodes(doc);
  if (tooMuch !== null) return refuse(at(tooMuch.offset), tooMuch.message);
  const badKey = collectionKey(doc);
  if (badKey !== null) {
    diagnostics.push({ severity: 'error', code: DiagnosticCodes.yaml, message: 'YAML: a key must be a plain value; this one is a list or a map', pos: at(badKey) });
    return { file, value: null, positions: table, diagnostics };
  }
  const source = (node: unknown): string | null => {
    const r = isScalar(node) ? node.range : undefined;
    if (!r) return null;
    const raw = text.slice(r[0], r[1]);
    return raw.includes('\n') ? null : raw;
  };
  record(doc, doc.contents, [], { table, at, source }, true, new Set());
  try {
    return { file, value: doc.toJS({ maxAliasCount: -1 }) as unknown, positions: table, diagnostics };
  } catch (e) {
    // toJS throws on what parsing lets through (an alias to a missing anchor, a bad merge).
    // Alias expansion was bounded by checkNodes, so yaml's own alias count check is not needed.
    const message = e instanceof Error ? e.message : String(e);
    diagnostics.push({ severity: 'error', code: 'SUPD_UNIT_YAML', message: `YAML: ${message}`, pos: table.value([]) });
    return { file, value: null, positions: table, diagnostics };
  }
}

/** Where the first key that is a list or a map (`? [a, b]: x`, `{a: 1}: x`) starts, or null: toJS
 * would turn it into a string with only a warning on stderr, and no unit key is one. */
function collectionKey(doc: Document.Parsed): number | null {
  let found: number | null = null;
  visit(doc, {
    Pair(_, pair) {
      const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
      if (!isCollection(key)) return undefined;
      found = rangeOf(pair.key) ?? 0;
      return visit.BREAK;
    },
  });
  return found;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

// Walks the node tree beside toJS(): explicit keys overwrite, keys pulled in by `<<` merges only
// fill gaps, which is how YAML merge keys resolve.
interface Recorder {
  table: PositionTable;
  at: (offset: number) => Position;
  source: (node: unknown) => string | null;
}

function record(
  doc: Document,
  node: unknown,
  path: PathSegment[],
  rec: Recorder,
  overwrite: boolean,
  visiting: Set<unknown>,
): void {
  const { table, at } = rec;
  const k = pathKey(path);
  const range = rangeOf(node);
  if (range !== null && (overwrite || !table.values.has(k))) {
    table.values.set(k, at(range));
    const src = rec.source(node);
    if (src !== null) table.sources.set(k, src);
    else table.sources.delete(k);
  }
  let target = node;
  if (isAlias(node)) target = node.resolve(doc);
  if (target === undefined || target === null || visiting.has(target)) return;
  visiting.add(target);
  if (isMap(target)) {
    for (const item of target.items) {
      if (!isPair(item)) continue;
      const keyValue: unknown = isScalar(item.key) ? item.key.value : item.key;
      if (isMergeKey(keyValue)) {
        recordMerge(doc, item.value, path, rec, visiting);
        continue;
      }
      const child = [...path, String(keyValue)];
      const keyRange = rangeOf(item.key);
      const ck = pathKey(child);
      if (keyRange !== null && (overwrite || !table.keys.has(ck))) table.keys.set(ck, at(keyRange));
      record(doc, item.value, child, rec, overwrite, visiting);
      // `key:` with no value: point at the key rather than at the end of its line.
      if (isEmpty(item.value) && keyRange !== null && (overwrite || !table.values.has(ck))) {
        table.values.set(ck, at(keyRange));
      }
    }
  } else if (isSeq(target)) {
    target.items.forEach((item, i) => record(doc, item, [...path, i], rec, overwrite, visiting));
  }
  visiting.delete(target);
}

function recordMerge(
  doc: Document,
  source: unknown,
  path: PathSegment[],
  rec: Recorder,
  visiting: Set<unknown>,
): void {
  const { table, at } = rec;
  const sources = isSeq(source) ? source.items : [source];
  for (const s of sources) {
    const resolved = isAlias(s) ? s.resolve(doc) : s;
    if (isMap(resolved)) {
      // Record the map's children under `path`, without the map's own start.
      for (const item of resolved.items) {
        if (!isPair(item)) continue;
        const keyValue: unknown = isScalar(item.key) ? item.key.value : item.key;
        const child = [...path, String(keyValue)];
        const keyRange = rangeOf(item.key);
        const ck = pathKey(child);
        if (keyRange !== null && !table.keys.has(ck)) table.keys.set(ck, at(keyRange));
        record(doc, item.value, child, rec, false, visiting);
      }
    }
  }
}

function isEmpty(node: unknown): boolean {
  if (node === null || node === undefined) return true;
  return isScalar(node) && node.value === null && node.range !== undefined && node.range !== null && node.range[0] === node.range[1];
}

function isMergeKey(keyValue: unknown): boolean {
  return keyValue === '<<' || (typeof keyValue === 'symbol' && keyValue.description === '<<');
}

function rangeOf(node: unknown): number | null {
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const r = (node as { range?: unknown }).range;
    if (Array.isArray(r) && typeof r[0] === 'number') return r[0];
  }
  return null;
}
