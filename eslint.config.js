// supd's lint: typescript-eslint's type-aware correctness rules, and DESIGN.md's import arrows as
// import-x rules, so a boundary holds because a tool checks it, not because someone remembers.
// `npm run lint` runs it; CI runs it before the tests. test/lint/boundaries.test.ts proves that a
// wrong import fails.
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** Node modules that are pure string/data helpers, not I/O: units/ may use them. */
const PURE_NODE = ['path', 'node:path'];

/** What a pure file (the core, units/ except load.ts) may not touch: time, the process, timers. */
const impureGlobals = [
  { name: 'process', message: 'The core and units/ are pure: argv, env, cwd and signals reach them as arguments.' },
  ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'].map((name) => ({
    name,
    message: 'The core is pure: timers are data in core/timers.ts, the clock edge wakes it.',
  })),
  { name: 'performance', message: 'The core is pure: time arrives inside events.' },
];
const impureProperties = [
  { object: 'Date', property: 'now', message: 'The core is pure: time arrives inside events.' },
];
const impureSyntax = [
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The core is pure: time arrives inside events.' },
];

/** A unit's state (`Unit.s`) is written in one function, machine.ts's `write` (which carries the one
 * disable comment): nothing else assigns it, assigns into it, or builds a unit with another one. */
const stateWrites = [
  { selector: "AssignmentExpression > MemberExpression.left[property.name='s']", message: "A unit's state is written only by core/machine.ts's write(): send the unit an event." },
  { selector: "AssignmentExpression > MemberExpression.left > MemberExpression.object[property.name='s']", message: "A unit's state is written only by core/machine.ts's write(): send the unit an event." },
  { selector: "UpdateExpression > MemberExpression.argument > MemberExpression.object[property.name='s']", message: "A unit's state is written only by core/machine.ts's write(): send the unit an event." },
  { selector: "ObjectExpression > Property[key.name='s'][value.type='ObjectExpression']", message: "A unit's state is written only by core/machine.ts's write(): a new unit starts as model.ts's newUnit() makes it." },
];
/** fleet.ts routes events and runs plans and rollouts; what it needs of a unit it asks machine.ts
 * (stateName, isReady, isRunning…), never reading `u.s` itself. */
const stateReads = [
  { selector: "MemberExpression[property.name='s']", message: "fleet.ts asks core/machine.ts about a unit's state (stateName, isReady, isRunning…); it does not read u.s." },
];

export default tseslint.config(
  // *.gen.ts: written by `npm run gen:schemas` (test/units/schema-gen.test.ts fails when stale).
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'examples/**', 'test/fixtures/**', 'coverage/**', '.tap/**', '**/*.js', '**/*.mjs', '**/*.gen.ts'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    plugins: { 'import-x': importX },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    settings: {
      // no-cycle reads the imported files too: they are TypeScript.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Correctness.
      // tap's t.test() promises are awaited by tap itself.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }],
      }],
      // An async function without await is how a Promise-returning interface is met; not a bug.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-fallthrough': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // STYLE.md: no default exports.
      'import-x/no-default-export': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
      // DESIGN.md's arrows.
      'import-x/no-restricted-paths': ['error', {
        basePath: import.meta.dirname,
        zones: [
          {
            target: './daemon/core',
            from: './daemon',
            except: ['./core'],
            message: 'The core imports only itself and units/types.ts (DESIGN.md): it knows no edge, API, runtime or control.ts.',
          },
          {
            target: './daemon/core',
            from: './units',
            except: ['./types.ts', './duration.ts'],
            message: 'The core imports only units/types.ts (and duration.ts, the one duration grammar and formatter) from units/.',
          },
          { target: './daemon/core', from: ['./cli', './config', './node_modules'], message: 'The core is pure: no CLI, config or package.' },
          {
            target: './units',
            from: ['./daemon', './cli', './config'],
            message: 'units/ is the bottom layer: it imports nothing of the daemon, the CLI or the config.',
          },
          {
            target: './daemon/edges',
            from: ['./daemon/core', './daemon/runtime.ts', './daemon/rollouts.ts', './daemon/api', './daemon/control.ts', './cli'],
            message: 'Edges never import the core (nor the runtime, the API or the CLI): runtime.ts is the only file that sees both.',
          },
          {
            target: './daemon/api',
            from: './daemon',
            except: ['./api', './control.ts', './errors.ts'],
            message: 'daemon/api/ sees only control.ts, errors.ts and contract.ts (DESIGN.md), never the core, the edges or the runtime.',
          },
          {
            target: './daemon/api',
            from: './units',
            except: ['./types.ts'],
            message: 'daemon/api/ takes only units/types.ts from units/ (the specs it shows).',
          },
          { target: './daemon/api', from: ['./cli', './config'], message: 'daemon/api/ never imports the CLI or the config.' },
          {
            target: './cli',
            from: './daemon',
            except: ['./api/contract.ts', './api/limits.ts', './errors.ts'],
            message: 'cli/ imports only the API contract (contract.ts, limits.ts) and daemon/errors.ts of the daemon.',
          },
          {
            target: './cli',
            from: './units',
            except: ['./load.ts', './validate.ts', './duration.ts'],
            message: 'cli/ imports only units/load.ts (and validate.ts\'s diagnostic formatter, duration.ts\'s duration formatter) of units/.',
          },
          { target: './cli', from: './config', except: ['./defaults.ts'], message: 'cli/ imports only config/defaults.ts of the config.' },
        ],
      }],
    },
  },
  {
    // The status page's browser script is its own TypeScript project (DOM, no Node).
    files: ['daemon/api/ui/app/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: false, project: ['./tsconfig.ui.json'], tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // Pure: the core and units/ except load.ts.
    files: ['daemon/core/**/*.ts', 'units/**/*.ts'],
    ignores: ['units/load.ts'],
    rules: {
      'import-x/no-nodejs-modules': ['error', { allow: PURE_NODE }],
      'no-restricted-globals': ['error', ...impureGlobals],
      'no-restricted-properties': ['error', ...impureProperties],
      'no-restricted-syntax': ['error', ...impureSyntax],
    },
  },
  {
    files: ['daemon/core/**/*.ts'],
    rules: {
      'import-x/no-nodejs-modules': 'error',
    },
  },
  {
    // One writer of a unit's state in the whole daemon (tests may build any state they need).
    files: ['daemon/**/*.ts'],
    ignores: ['daemon/core/**', 'daemon/api/ui/app/**'],
    rules: { 'no-restricted-syntax': ['error', ...stateWrites] },
  },
  {
    files: ['daemon/core/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...impureSyntax, ...stateWrites] },
  },
  {
    files: ['daemon/core/fleet.ts'],
    rules: { 'no-restricted-syntax': ['error', ...impureSyntax, ...stateWrites, ...stateReads] },
  },
  {
    // supctl's start-up: the API contract only as types (a value import would load TypeBox).
    files: ['cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/daemon/api/contract.js'], allowTypeImports: true, message: 'cli/ takes the API contract as types only.' }],
      }],
    },
  },
  {
    // Tests drive any layer directly; the correctness rules still apply.
    files: ['test/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': 'off',
    },
  },
);
