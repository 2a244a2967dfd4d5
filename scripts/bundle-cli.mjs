// The last step of `npm run build`: supctl's everyday path as one CommonJS file,
// dist/cli/supctl.cjs, which bin/supctl.js requires. tsc has emitted dist/cli/main.js and the ~20
// modules its fast path imports (program, fast, context, client, http1, render, the five fast
// commands…). Loaded as ES modules, each file costs the loader a resolve, a read and a link, and
// the loader itself brings fs/promises and readline into every run; one CommonJS file needs none
// of it. Every dynamic import outside the fast path (the commander program in full.js, the unit
// toolchain validate loads) stays a separate ES module of dist/, loaded only when a command needs
// it, its path rewritten relative to the bundle. Bundling the emitted JavaScript, not the
// TypeScript, keeps tsc the one compiler.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist', 'cli');
const entry = path.join(outDir, 'main.js');
const outFile = path.join(outDir, 'supctl.cjs');

/** The dynamic imports folded into the bundle (paths as written in dist/cli/program.js and
 * dist/cli/context.js): the commands cli/fast.ts parses, and the renderer's suggestions. */
const INLINE = new Set(['./commands/status.js', './commands/health.js', './commands/start.js', './commands/stop.js', './commands/restart.js', './render.js']);

/** Any other dynamic import stays external, re-pointed from its importer's folder to the bundle's. */
const lazyExternal = {
  name: 'lazy-external',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== 'dynamic-import' || INLINE.has(args.path)) return undefined;
      const rel = path.relative(outDir, path.resolve(args.resolveDir, args.path)).split(path.sep).join('/');
      return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
    });
  },
};

const result = await build({
  entryPoints: [entry],
  bundle: true,
  write: false,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  // The modules use import.meta.url (main.js finds package.json from it, render.js its require),
  // each only on the way to a file: in CommonJS it is the bundle's own URL, as it would be for
  // dist/cli/main.js, same folder, made when first read.
  define: { 'import.meta.url': '__supctl_meta.url' },
  banner: { js: '"use strict";\nconst __supctl_meta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };' },
  // Packages (commander for types only, yaml through createRequire) are never bundled here.
  packages: 'external',
  plugins: [lazyExternal],
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const [out] = result.outputFiles;
if (out === undefined) throw new Error('esbuild produced no output');
writeFileSync(outFile, out.contents);
const modules = Object.keys(result.metafile.inputs).length;
process.stdout.write(`bundle-cli: ${path.relative(root, outFile)} from ${modules} modules, ${out.contents.length} bytes\n`);
