// Raw unit files → resolved units: templates expanded into instances, `extends` merged, `${…}`
// substituted, then converted. Each unit keeps a locator so later checks can point at the file,
// line and column where an (inherited) value is written.
import path from 'node:path';
import type { Report, SubstitutedUnit } from './convert.js';
import { toPort, toUnitSpec } from './convert.js';
import { DiagnosticCodes, error, unknownUnitNamer } from './diagnostics.js';
import type { DiagnosticCode } from './diagnostics.js';
import type { JsonPath, Positions } from './parse.js';
import { formatPath, MERGED_MAPS, show } from './schema.js';
import type { RawUnitFile } from './schema.js';
import { substitute } from './substitute.js';
import type { SubstContext } from './substitute.js';
import type { Diagnostic, Position, UnitSpec } from './types.js';

/** A file that passed the schema. */
export interface ValidFile {
  file: string;
  value: RawUnitFile;
  positions: Positions;
}

export type Locator = (path: JsonPath, at?: 'key' | 'value') => Position;

export interface ResolvedUnit {
  spec: UnitSpec;
  /** Where a key or value of this unit is written (following `extends` and templates). */
  locate: Locator;
  /** Where the unit is named: a plain file's start, or the instance's key. */
  namePos: Position;
}

export interface ResolveOptions {
  host: string;
  /** Units whose files failed earlier: references to them are not reported again. */
  brokenNames?: ReadonlySet<string>;
}

export interface ResolveResult {
  units: ResolvedUnit[];
  diagnostics: Diagnostic[];
  /** Units that could not be resolved (their errors are in diagnostics). */
  failed: string[];
}

export type FileUnitName = { kind: 'unit'; name: string } | { kind: 'template'; name: string };

/** `web.yaml` → unit web; `aux@.yaml` → template aux. */
export function fileUnitName(file: string): FileUnitName {
  const base = path.basename(file).replace(/\.ya?ml$/, '');
  return base.endsWith('@') ? { kind: 'template', name: base.slice(0, -1) } : { kind: 'unit', name: base };
}

interface Layer {
  positions: Positions;
  base: JsonPath;
}

/** Raw keys with, for each, the layer it was written in (per entry for the merged maps). */
interface Merged {
  values: Record<string, unknown>;
  origin: Map<string, Layer>;
  mapOrigin: Map<string, Map<string, Layer>>;
}

interface Entry {
  name: string;
  file: string;
  template: string | null;
  instance: string | null;
  own: Merged;
  namePos: Position;
}

const NOT_INHERITED = new Set(['extends', 'instances']);
const isMergedMap = (key: string): boolean => (MERGED_MAPS as readonly string[]).includes(key);

function fromLayer(raw: Record<string, unknown>, layer: Layer): Merged {
  const m: Merged = { values: {}, origin: new Map(), mapOrigin: new Map() };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'instances' || value === undefined) continue;
    m.values[key] = value;
    m.origin.set(key, layer);
    if (isMergedMap(key) && isRecord(value)) m.mapOrigin.set(key, new Map(Object.keys(value).map((k) => [k, layer])));
  }
  return m;
}

/**
 * `over` wins; env, vars and ports merge entry by entry. An extended unit's own `extends` does not
 * pass down; a template's does, to its instances.
 */
function mergeOver(under: Merged, over: Merged, kind: 'extends' | 'instance'): Merged {
  const m: Merged = { values: {}, origin: new Map(), mapOrigin: new Map() };
  for (const [key, value] of Object.entries(under.values)) {
    if (kind === 'extends' && NOT_INHERITED.has(key)) continue;
    m.values[key] = value;
    m.origin.set(key, under.origin.get(key) as Layer);
    const mo = under.mapOrigin.get(key);
    if (mo) m.mapOrigin.set(key, new Map(mo));
  }
  for (const [key, value] of Object.entries(over.values)) {
    const below = m.values[key];
    const overOrigins = over.mapOrigin.get(key);
    if (isMergedMap(key) && isRecord(below) && isRecord(value) && overOrigins) {
      m.values[key] = { ...below, ...value };
      const origins = m.mapOrigin.get(key) ?? new Map<string, Layer>();
      for (const [k, layer] of overOrigins) origins.set(k, layer);
      m.mapOrigin.set(key, origins);
    } else {
      m.values[key] = value;
      if (overOrigins) m.mapOrigin.set(key, new Map(overOrigins));
      else m.mapOrigin.delete(key);
    }
    m.origin.set(key, over.origin.get(key) as Layer);
  }
  return m;
}

function layerOf(m: Merged, p: JsonPath): Layer | undefined {
  const top = p[0];
  if (top === undefined) return undefined;
  const key = String(top);
  const second = p[1];
  return (second !== undefined && isMergedMap(key) ? m.mapOrigin.get(key)?.get(String(second)) : undefined) ?? m.origin.get(key);
}

function locatorFor(m: Merged, namePos: Position): Locator {
  return (p, at = 'value') => {
    const layer = layerOf(m, p);
    if (!layer) return namePos;
    const full = [...layer.base, ...p];
    return at === 'key' ? layer.positions.key(full) : layer.positions.value(full);
  };
}

/** Where character `index` of the string at `p` is written. */
function withinFor(m: Merged, namePos: Position): (p: JsonPath, text: string, index: number) => Position {
  return (p, text, index) => {
    const layer = layerOf(m, p);
    return layer ? layer.positions.within([...layer.base, ...p], text, index) : namePos;
  };
}

function entriesOf(f: ValidFile): Entry[] {
  const id = fileUnitName(f.file);
  const fileLayer: Layer = { positions: f.positions, base: [] };
  const own = fromLayer(f.value, fileLayer);
  if (id.kind === 'unit') {
    return [{ name: id.name, file: f.file, template: null, instance: null, own, namePos: f.positions.value([]) }];
  }
  return Object.entries(f.value.instances ?? {}).map(([instance, entry]) => ({
    name: instance,
    file: f.file,
    template: id.name,
    instance,
    own: mergeOver(own, fromLayer(entry ?? {}, { positions: f.positions, base: ['instances', instance] }), 'instance'),
    namePos: f.positions.key(['instances', instance]),
  }));
}

export function resolveUnits(files: readonly ValidFile[], opts: ResolveOptions): ResolveResult {
  const diagnostics: Diagnostic[] = [];
  const entries = files.flatMap(entriesOf);
  const byName = new Map<string, Entry>();
  for (const e of entries) if (!byName.has(e.name)) byName.set(e.name, e);
  const noSuchUnit = unknownUnitNamer([...byName.keys(), ...(opts.brokenNames ?? [])]);
  const memo = new Map<string, Merged | null>();

  const merged = (entry: Entry, chain: readonly string[]): Merged | null => {
    const done = memo.get(entry.name);
    if (done !== undefined) return done;
    const target = entry.own.values['extends'];
    if (typeof target !== 'string') {
      memo.set(entry.name, entry.own);
      return entry.own;
    }
    const pos = locatorFor(entry.own, entry.namePos)(['extends']);
    const inProgress = [...chain, entry.name];
    const start = inProgress.indexOf(target);
    let result: Merged | null = null;
    if (start >= 0) {
      const cycle = [...inProgress.slice(start), target].join(' → ');
      diagnostics.push(error(DiagnosticCodes.extendsCycle, `extends "${target}": extends cycle ${cycle}`, pos, entry.name));
    } else {
      const base = byName.get(target);
      if (base === undefined) {
        if (!opts.brokenNames?.has(target)) {
          diagnostics.push(
            error(DiagnosticCodes.unknownUnit, `extends "${target}": ${noSuchUnit(target)}`, pos, entry.name),
          );
        }
      } else {
        const below = merged(base, inProgress);
        if (below !== null) result = mergeOver(below, entry.own, 'extends');
      }
    }
    memo.set(entry.name, result);
    return result;
  };

  const units: ResolvedUnit[] = [];
  const failed: string[] = [];
  for (const entry of entries) {
    // A second unit of the same name is resolved on its own so the duplicate check can point at it.
    const m = byName.get(entry.name) === entry ? merged(entry, []) : mergeDuplicate(entry, merged, byName);
    if (m === null) {
      failed.push(entry.name);
      continue;
    }
    const locate = locatorFor(m, entry.namePos);
    const within = withinFor(m, entry.namePos);
    let ok = true;
    const push = (message: string, code: DiagnosticCode, pos: Position): void => {
      ok = false;
      // A value written in a template or an extended unit serves several units: say which one.
      const shared = entry.instance !== null || pos.file !== entry.file;
      const who = shared && pos !== entry.namePos ? `${entry.name}: ` : '';
      diagnostics.push(error(code, who + message, pos, entry.name));
    };
    const report: Report = (p, message, code = DiagnosticCodes.badValue, at = 'value') => push(message, code, locate(p, at));
    const reportIn: ReportIn = (p, text, index, message) =>
      push(message, DiagnosticCodes.unknownVariable, within(p, text, index));
    const values = substituteUnit(m.values, entry, opts.host, report, reportIn);
    const spec = toUnitSpec(values, entry, report);
    if (spec !== null && ok) units.push({ spec, locate, namePos: entry.namePos });
    else failed.push(entry.name);
  }
  return { units, diagnostics, failed };
}

function mergeDuplicate(
  entry: Entry,
  merged: (e: Entry, chain: readonly string[]) => Merged | null,
  byName: Map<string, Entry>,
): Merged | null {
  const target = entry.own.values['extends'];
  if (typeof target !== 'string') return entry.own;
  const base = byName.get(target);
  const below = base && base !== entry ? merged(base, []) : null;
  return below ? mergeOver(below, entry.own, 'extends') : entry.own;
}

type ReportIn = (p: JsonPath, text: string, index: number, message: string) => void;

/** Substitutes every string: vars first, then ports (numbers), then the rest; lb hooks also get ${port}. */
function substituteUnit(
  values: Record<string, unknown>,
  entry: Entry,
  host: string,
  report: Report,
  reportIn: ReportIn,
): SubstitutedUnit {
  const ctx: SubstContext = { unit: entry.name, instance: entry.instance, host, vars: {}, ports: {} };
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(values['vars']))) {
    vars[k] = String(substituteTree(v, ['vars', k], ctx, reportIn));
  }
  ctx.vars = vars;
  const ports: Record<string, number> = {};
  for (const [k, v] of Object.entries(asRecord(values['ports']))) {
    const filled = substituteTree(v, ['ports', k], ctx, reportIn);
    const port = toPort(filled);
    if (port === null) report(['ports', k], `ports.${k}: expected a port number (1-65535), got ${show(filled)}`);
    else ports[k] = port;
  }
  ctx.ports = ports;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(values)) {
    if (key === 'vars' || key === 'ports' || key === 'extends') continue;
    const scope = key === 'lb' ? { ...ctx, port: Object.values(ports)[0] ?? null } : ctx;
    out[key] = substituteTree(v, [key], scope, reportIn);
  }
  out['ports'] = ports;
  // The schema checked the raw keys; substitution only rewrote strings inside them.
  return out;
}

function substituteTree(value: unknown, at: JsonPath, ctx: SubstContext, report: ReportIn): unknown {
  if (typeof value === 'string') {
    const r = substitute(value, ctx);
    if (r.ok) return r.value;
    report(at, value, r.index, `${formatPath(at)}: ${r.message}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteTree(v, [...at, i], ctx, report));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteTree(v, [...at, k], ctx, report)]));
  }
  return value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function asRecord(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}
