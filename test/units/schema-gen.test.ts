// The validators supd runs are generated from the TypeBox schemas at build time
// (scripts/gen-schemas.ts): a change to a schema without `npm run gen:schemas` fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { generated } from '../../scripts/gen-schemas.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

for (const [file, text] of generated()) {
  t.test(`${file} is up to date with its schema`, async (t) => {
    const onDisk = readFileSync(path.join(root, file), 'utf8');
    t.ok(onDisk === text, `${file} differs from what \`npm run gen:schemas\` writes: run it and commit the result`);
    t.notMatch(text, /\brequire\(|from 'typebox'/, 'the generated code loads neither TypeBox nor anything through require');
  });
}
