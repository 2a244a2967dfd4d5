// Property-based fuzzing of the unit-file pipeline (parse → validate → resolve → validate the set)
// with fast-check: whatever the text, loading never throws, always finishes, and every error
// names file:line:col inside the file. Seeded (FUZZ_SEED to replay a failure), bounded in runs.
import fc from 'fast-check';
import t from 'tap';
import { loadFromSources } from '../../units/load.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 250);

const KEYS = [
  'command', 'description', 'cwd', 'env', 'user', 'group', 'umask', 'autostart', 'requires', 'after', 'ready', 'health', 'restart',
  'ports', 'stop', 'safeStop', 'metadata', 'follows', 'rollout', 'groups', 'lb', 'extends', 'instances', 'vars', 'tcp', 'http',
  'exec', 'log', 'timeout', 'interval', 'policy', 'delay', 'burst', 'window', 'signal', 'waitConnections', 'strategy', '<<',
];
/** Pieces of YAML that have broken parsers: flow and block nesting, anchors and aliases, merge
 * keys, quotes, block scalars, tabs, substitutions, documents, odd scalars. */
const FRAGMENTS = [
  '[', ']', '{', '}', ', ', ': ', '- ', '? ', '&a ', '&b ', '*a', '*b', '<<: *a', '"', "'", '|\n', '>-\n', '#', '\t', '\n', '\n  ',
  '${', '${vars.x}', '${ports.p}', '${instance}', '}', '---\n', '...\n', '!!str ', '!!binary ', '~', 'null', '0x1F', '0022', '1e309',
  '2s', '250ms', '-1', '\u0000', '\ufeff', '\u2028', 'é', '🦀', '%YAML 1.2\n', '@',
];

const scalar = fc.oneof(
  fc.constantFrom('sleep 1', 'x', '', '0', 'true', '8080', '5s', 'SIGTERM', 'always', 'a', 'b', 'tcp://127.0.0.1:1'),
  fc.string({ maxLength: 20 }),
  fc.integer({ min: -5, max: 70000 }),
  fc.boolean(),
);
type Tree = unknown;
const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('tree'), { maxKeys: 5 }),
  ),
}));

function toYaml(v: Tree, indent = ''): string {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : v.map((x) => `\n${indent}- ${toYaml(x, `${indent}  `)}`).join('');
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length === 0 ? '{}' : entries.map(([k, x]) => `\n${indent}${k}: ${toYaml(x, `${indent}  `)}`).join('');
  }
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** A plausible unit file, then mutated: fragments spliced in at random places. */
const mutated = fc.tuple(tree, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...FRAGMENTS), fc.integer({ min: 1, max: 3 })), { maxLength: 8 }))
  .map(([v, edits]) => {
    let text = `command: sleep 1${toYaml(v)}\n`;
    for (const [at, frag, times] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + frag.repeat(times) + text.slice(i);
    }
    return text;
  });

/** Hostile shapes at random sizes: deep nesting (flow, block), alias bombs, wide maps, long strings. */
const hostile = fc.oneof(
  fc.integer({ min: 1, max: 100_000 }).map((n) => `command: x\nenv: ${'['.repeat(n)}${']'.repeat(n)}\n`),
  fc.integer({ min: 1, max: 100_000 }).map((n) => `command: x\nvars: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`),
  fc.integer({ min: 1, max: 5_000 }).map((n) => `command: x\nvars:\n  v: ${'- '.repeat(n)}x\n`),
  fc.integer({ min: 1, max: 200 }).map((n) => `command: x\nvars:\n${Array.from({ length: n }, (_, i) => `${' '.repeat(i + 2)}a${i}:`).join('\n')}\n`),
  fc.integer({ min: 1, max: 12 }).map((levels) => {
    let text = 'command: x\nvars:\n  l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n';
    for (let i = 1; i <= levels; i++) text += `  l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]\n`;
    return text;
  }),
  fc.integer({ min: 900, max: 3_000 }).map((n) => `command: x\nenv:\n${Array.from({ length: n }, (_, i) => `  K${i}: v`).join('\n')}\n`),
  fc.integer({ min: 60_000, max: 80_000 }).map((n) => `command: x\ndescription: ${'d'.repeat(n)}\n`),
);

const INTERNAL = /Maximum call stack|is not a function|Cannot read prop|Cannot convert|Invalid array length|out of memory|\[object Object\]/;

const fileName = fc.constantFrom('a.yaml', 'b.yaml', 'web@.yaml', 'x.yml');

function check(files: { file: string; text: string }[]): void {
  const r = loadFromSources(files, { host: 'fuzzhost' });
  const byFile = new Map(files.map((f) => [f.file, f.text]));
  for (const d of r.diagnostics) {
    // An engine failure caught and passed off as a diagnostic is still a crash.
    if (INTERNAL.test(d.message)) throw new Error(`an internal failure reported as a diagnostic: ${d.message}`);
    if (d.severity !== 'error') continue;
    if (d.pos === undefined) throw new Error(`an error without a position: ${d.code} ${d.message}`);
    const text = byFile.get(d.pos.file);
    if (text === undefined) throw new Error(`an error in a file that was not given: ${d.pos.file}`);
    const lines = text.split(/\r\n|\r|\n/).length;
    if (!(d.pos.line >= 1 && d.pos.line <= lines + 1 && d.pos.col >= 1)) {
      throw new Error(`an error outside the file: ${d.pos.file}:${d.pos.line}:${d.pos.col} (${lines} lines): ${d.message}`);
    }
  }
  if (r.units.length > 0 && r.diagnostics.some((d) => d.severity === 'error')) throw new Error('units loaded beside errors');
}

t.test(`mutated unit files: never a throw, every error positioned (seed ${SEED})`, async () => {
  fc.assert(fc.property(fc.array(fc.tuple(fileName, mutated), { minLength: 1, maxLength: 3 }), (files) => {
    check(files.map(([name, text], i) => ({ file: `units/${i}-${name}`, text })));
  }), { seed: SEED, numRuns: RUNS });
});

t.test(`hostile unit files: refused with a position, never a throw (seed ${SEED})`, async () => {
  fc.assert(fc.property(hostile, (text) => check([{ file: 'units/h.yaml', text }])), { seed: SEED, numRuns: Math.ceil(RUNS / 5) });
});

t.test(`random bytes as a unit file: never a throw (seed ${SEED})`, async () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => check([{ file: 'units/r.yaml', text }])), { seed: SEED, numRuns: RUNS });
});
