// DESIGN.md's import arrows hold because eslint.config.js checks them: each wrong import below,
// linted as if it sat at that path in the tree, fails with the boundary rule, and the same file
// with an allowed import passes (so the rules cannot pass by accident).
import t from 'tap';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The import rules need no type information; skipping it keeps this test at a second or two.
const eslint = new ESLint({ cwd: root, overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }] });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

const wrong: [string, string, string, string][] = [
  ['an edge importing the core', 'daemon/edges/wrong.ts', "import { dispatch } from '../core/fleet.js';\nexport const x = dispatch;\n", 'import-x/no-restricted-paths'],
  ['an edge importing the runtime', 'daemon/edges/wrong.ts', "import { Runtime } from '../runtime.js';\nexport const x = Runtime;\n", 'import-x/no-restricted-paths'],
  ['the core importing control.ts', 'daemon/core/wrong.ts', "import type { UnitStatus } from '../control.js';\nexport type X = UnitStatus;\n", 'import-x/no-restricted-paths'],
  ['the core importing an edge', 'daemon/core/wrong.ts', "import { readProc } from '../edges/proctree.js';\nexport const x = readProc;\n", 'import-x/no-restricted-paths'],
  ['the core importing units/ beyond its types', 'daemon/core/wrong.ts', "import { loadUnits } from '../../units/load.js';\nexport const x = loadUnits;\n", 'import-x/no-restricted-paths'],
  ['the core doing I/O', 'daemon/core/wrong.ts', "import fs from 'node:fs';\nexport const x = fs.readFileSync;\n", 'import-x/no-nodejs-modules'],
  ['the core reading the clock', 'daemon/core/wrong.ts', 'export const x = (): number => Date.now();\n', 'no-restricted-properties'],
  ['the core setting a timer', 'daemon/core/wrong.ts', 'export const x = (): unknown => setTimeout(() => undefined, 1);\n', 'no-restricted-globals'],
  ['units/ reading the process', 'units/wrong.ts', 'export const x = (): string => process.cwd();\n', 'no-restricted-globals'],
  ['units/ importing the daemon', 'units/wrong.ts', "import { SupdError } from '../daemon/errors.js';\nexport const x = SupdError;\n", 'import-x/no-restricted-paths'],
  ['the API importing the runtime', 'daemon/api/routes/wrong.ts', "import { Runtime } from '../../runtime.js';\nexport const x = Runtime;\n", 'import-x/no-restricted-paths'],
  ['the API importing the core', 'daemon/api/wrong.ts', "import type { Unit } from '../core/model.js';\nexport type X = Unit;\n", 'import-x/no-restricted-paths'],
  ['the CLI importing the runtime', 'cli/wrong.ts', "import { Runtime } from '../daemon/runtime.js';\nexport const x = Runtime;\n", 'import-x/no-restricted-paths'],
  ['the CLI loading the contract at run time', 'cli/wrong.ts', "import { UnitsBody } from '../daemon/api/contract.js';\nexport const x = UnitsBody;\n", '@typescript-eslint/no-restricted-imports'],
  ['an import cycle (logfiles → unitlog → logfiles)', 'daemon/edges/logfiles.ts', "import { UnitLog } from './unitlog.js';\nexport const x = UnitLog;\n", 'import-x/no-cycle'],
  ['a default export', 'daemon/edges/wrong.ts', 'export default 1;\n', 'import-x/no-default-export'],
  ['a state write outside machine.ts (fleet)', 'daemon/core/fleet.ts', "import type { Unit } from './model.js';\nexport const x = (u: Unit): void => { u.s = { state: 'failed', reason: 'x' }; };\n", 'no-restricted-syntax'],
  ['a write into a unit\'s state (jobs)', 'daemon/core/jobs.ts', "import type { Unit } from './model.js';\nexport const x = (u: Unit): void => { if (u.s.state === 'ready') u.s.healthFails = 0; };\n", 'no-restricted-syntax'],
  ['a unit rebuilt with another state (runtime)', 'daemon/runtime.ts', "import type { Unit } from './core/model.js';\nexport const x = (u: Unit): Unit => ({ ...u, s: { state: 'inactive' } });\n", 'no-restricted-syntax'],
  ['fleet.ts reading a unit\'s state itself', 'daemon/core/fleet.ts', "import type { Unit } from './model.js';\nexport const x = (u: Unit): boolean => u.s.state === 'ready';\n", 'no-restricted-syntax'],
];

for (const [what, file, code, rule] of wrong) {
  t.test(`${what} fails lint (${rule})`, async (t) => {
    t.ok((await ruleIds(file, code)).includes(rule), `${file}: ${rule}`);
  });
}

const allowed: [string, string, string][] = [
  ['an edge importing another edge', 'daemon/edges/fine.ts', "import { readProc } from './proctree.js';\nexport const x = readProc;\n"],
  ['the core importing units/types.ts and itself', 'daemon/core/fine.ts', "import type { UnitSpec } from '../../units/types.js';\nimport { UNIT_STATES } from './states.js';\nexport type X = UnitSpec;\nexport const y = UNIT_STATES;\n"],
  ['the API importing control.ts, errors.ts and the contract', 'daemon/api/routes/fine.ts', "import type { Control } from '../../control.js';\nimport { SupdError } from '../../errors.js';\nimport type { UnitsBody } from '../contract.js';\nexport type X = [Control, UnitsBody];\nexport const y = SupdError;\n"],
  ['the CLI importing contract types, errors and units/load', 'cli/fine.ts', "import type { UnitsBody } from '../daemon/api/contract.js';\nimport { SupdError } from '../daemon/errors.js';\nimport { loadUnits } from '../units/load.js';\nexport type X = UnitsBody;\nexport const y = [SupdError, loadUnits];\n"],
  ['units/ using node:path', 'units/fine.ts', "import path from 'node:path';\nexport const x = path.join;\n"],
  ['fleet.ts asking the machine about a unit', 'daemon/core/fleet.ts', "import { isReady } from './machine.js';\nimport type { Unit } from './model.js';\nexport const x = (u: Unit): boolean => isReady(u);\n"],
];

for (const [what, file, code] of allowed) {
  t.test(`${what} passes lint`, async (t) => {
    t.same(await ruleIds(file, code), [], file);
  });
}
