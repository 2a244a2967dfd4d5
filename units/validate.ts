// Checks of unit files: one file against the schema and the template rules, then the resolved set
// as a whole (unknown targets, cycles, duplicates, ports, group names). Never throws.
import { DiagnosticCodes, error, unknownUnitNamer, warning } from './diagnostics.js';
// One formatter for daemon and CLI, kept with the codes so the daemon need not load this module.
export { formatDiagnostic } from './diagnostics.js';
import { UnitGraph } from './graph.js';
import type { ParsedFile } from './parse.js';
import { fileUnitName } from './resolve.js';
import type { ResolvedUnit } from './resolve.js';
import { checkUnitFile, NAME_RE } from './schema.js';
import type { Diagnostic, Position } from './types.js';

const NAME_RULE = 'letters, digits, _ . - (not starting with . or -)';
const RESERVED = new Set(['all']);
const MAX_CYCLES = 10;

/** The YAML diagnostics of a parsed file, then its schema and template-rule problems. */
export function validateFile(parsed: ParsedFile): Diagnostic[] {
  const out = [...parsed.diagnostics];
  if (out.some((d) => d.severity === 'error')) return out;
  const { positions } = parsed;
  const id = fileUnitName(parsed.file);
  const start = positions.value([]);
  const badName = nameProblem(id.name);
  if (badName !== null) {
    out.push(error(DiagnosticCodes.badName, `${id.kind} name "${id.name}" (from the file name) ${badName}`, start));
  }
  const value = normalise(parsed.value);
  for (const issue of checkUnitFile(value)) {
    const code = issue.at === 'key' ? DiagnosticCodes.unknownKey : DiagnosticCodes.badValue;
    const pos = issue.at === 'key' ? positions.key(issue.path) : positions.value(issue.path);
    out.push(error(code, issue.message, pos, id.kind === 'unit' ? id.name : undefined));
  }
  const instances = isRecord(value) ? value['instances'] : undefined;
  if (id.kind === 'unit' && instances !== undefined) {
    out.push(
      error(
        DiagnosticCodes.template,
        `instances: only a template file (${id.name}@.yaml) may declare instances`,
        positions.key(['instances']),
        id.name,
      ),
    );
  }
  if (id.kind === 'template') {
    if (!isRecord(instances) || Object.keys(instances).length === 0) {
      const pos = instances === undefined ? start : positions.key(['instances']);
      out.push(error(DiagnosticCodes.template, `template "${id.name}" declares no instances`, pos));
    } else {
      for (const name of Object.keys(instances)) {
        const problem = nameProblem(name);
        if (problem !== null) {
          out.push(
            error(DiagnosticCodes.badName, `instance name "${name}" ${problem}`, positions.key(['instances', name]), name),
          );
        }
      }
    }
  }
  return out;
}

/** The value checked against the schema: an empty file is an empty map, `aux_1:` an empty entry. */
export function normalise(value: unknown): unknown {
  if (value === null || value === undefined) return {};
  if (!isRecord(value) || !isRecord(value['instances'])) return value;
  const instances = Object.fromEntries(Object.entries(value['instances']).map(([k, v]) => [k, v ?? {}]));
  return { ...value, instances };
}

function nameProblem(name: string): string | null {
  if (RESERVED.has(name)) return `is reserved (it means every unit)`;
  return NAME_RE.test(name) ? null : `is not a valid unit name (use ${NAME_RULE})`;
}

export interface ValidateUnitsOptions {
  /** Units whose files failed earlier: references to them are not reported as unknown. */
  brokenNames?: ReadonlySet<string>;
}

/** Cross-unit checks on resolved units. */
export function validateUnits(units: readonly ResolvedUnit[], opts: ValidateUnitsOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const first = new Map<string, ResolvedUnit>();
  for (const u of units) {
    const other = first.get(u.spec.name);
    if (other === undefined) {
      first.set(u.spec.name, u);
      continue;
    }
    out.push(
      error(
        DiagnosticCodes.duplicate,
        `duplicate unit "${u.spec.name}": already defined at ${where(other.namePos)}`,
        u.namePos,
        u.spec.name,
      ),
    );
  }
  const unique = [...first.values()];
  const noSuchUnit = unknownUnitNamer([...first.keys(), ...(opts.brokenNames ?? [])]);
  const exists = (name: string): boolean => first.has(name) || (opts.brokenNames?.has(name) ?? false);
  const groupNames = new Set(unique.flatMap((u) => u.spec.groups));
  const unknown = (u: ResolvedUnit, key: string, name: string, pos: Position): void => {
    const hint = groupNames.has(name) ? ` ("${name}" is a group; ${key} takes unit names)` : '';
    out.push(error(DiagnosticCodes.unknownUnit, `${key} "${name}": ${noSuchUnit(name)}${hint}`, pos, u.spec.name));
  };

  const ports = new Map<number, { unit: string; name: string }>();
  for (const u of unique) {
    const { spec, locate } = u;
    spec.requires.forEach((r, i) => {
      if (r.kind === 'unit' && !exists(r.name)) unknown(u, 'requires', r.name, locate(['requires', i]));
    });
    spec.after.forEach((a, i) => {
      if (!exists(a)) unknown(u, 'after', a, locate(['after', i]));
    });
    if (spec.follows !== null) {
      const master = first.get(spec.follows);
      if (!exists(spec.follows)) unknown(u, 'follows', spec.follows, locate(['follows']));
      else if (spec.follows === spec.name) {
        out.push(error(DiagnosticCodes.follows, `follows "${spec.name}": a unit cannot follow itself`, locate(['follows']), spec.name));
      } else if (master && master.spec.metadata.length === 0) {
        out.push(
          warning(
            DiagnosticCodes.follows,
            `follows "${spec.follows}": that unit declares no metadata, so nothing triggers a rollout`,
            locate(['follows']),
            spec.name,
          ),
        );
      }
    }
    spec.groups.forEach((g, i) => {
      if (RESERVED.has(g)) {
        out.push(
          error(DiagnosticCodes.groupName, `groups: "${g}" is reserved (it means every unit)`, locate(['groups', i]), spec.name),
        );
      } else if (exists(g)) {
        out.push(
          error(
            DiagnosticCodes.groupName,
            `groups: "${g}" is also a unit name; a group name must not equal a unit name`,
            locate(['groups', i]),
            spec.name,
          ),
        );
      }
    });
    for (const [name, port] of Object.entries(spec.ports)) {
      const claim = ports.get(port);
      if (claim === undefined) {
        ports.set(port, { unit: spec.name, name });
        continue;
      }
      const by = claim.unit === spec.name ? `ports.${claim.name} of this unit` : `unit "${claim.unit}" (ports.${claim.name})`;
      out.push(
        error(DiagnosticCodes.portConflict, `ports.${name}: port ${port} is already claimed by ${by}`, locate(['ports', name]), spec.name),
      );
    }
  }

  const graph = new UnitGraph(unique.map((u) => u.spec));
  for (const cycle of graph.findCycles(MAX_CYCLES)) {
    const from = cycle[cycle.length - 2] as string;
    const to = cycle[cycle.length - 1] as string;
    const u = first.get(from);
    if (u === undefined) continue;
    const ri = u.spec.requires.findIndex((r) => r.kind === 'unit' && r.name === to);
    const pos = ri >= 0 ? u.locate(['requires', ri]) : u.locate(['after', u.spec.after.indexOf(to)]);
    const key = ri >= 0 ? 'requires' : 'after';
    out.push(error(DiagnosticCodes.cycle, `${key} "${to}": dependency cycle ${cycle.join(' → ')}`, pos, from));
  }
  return out;
}

function where(p: Position): string {
  return `${p.file}:${p.line}:${p.col}`;
}

/**
 * `units/b.yaml:3:11: requires "nope": no such unit (known: a, c)`; warnings say so. The file is
 * shown relative to `cwd` when that is shorter.
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
