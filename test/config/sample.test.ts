// The sample configuration the package ships (contrib/supd.yaml) is a file supd loads as it is,
// and it names every setting of the schema, so a new setting cannot be added without saying
// there what it does.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import YAML from 'yaml';
import { loadConfig } from '../../config/load.js';
import { configSchema, settingsOf } from '../../config/schema.js';

const SAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'contrib', 'supd.yaml');

t.test('supd loads the sample as written, with the values a host install wants', async (t) => {
  const c = loadConfig(['--config', SAMPLE], {});
  t.equal(c.unitsDir, '/etc/supd/units');
  t.equal(c.stateDir, '/var/lib/supd');
  t.equal(c.logDir, '/var/log/supd');
  t.equal(c.api.socket, '/var/lib/supd/supd.sock');
  t.same(c.api.listen, { host: '127.0.0.1', port: 7878 });
});

t.test('every setting is in the sample, set or commented out, each with a comment above it', async (t) => {
  const text = fs.readFileSync(SAMPLE, 'utf8');
  const active: unknown = YAML.parse(text);
  const lines = text.split('\n');
  for (const s of settingsOf(configSchema({}))) {
    const parts = s.key.split('.');
    let node: unknown = active;
    for (const p of parts) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[p] : undefined;
    const leaf = parts[parts.length - 1] ?? '';
    const commented = lines.findIndex((l) => new RegExp(`^\\s*# ${leaf}: `).test(l));
    t.ok(node !== undefined || commented >= 0, `${s.key} is in contrib/supd.yaml (add it there, with what it does)`);
    const at = node !== undefined ? lines.findIndex((l) => new RegExp(`^\\s*${leaf}:`).test(l)) : commented;
    t.match(lines[at - 1] ?? '', /^\s*#/, `${s.key} has a comment above it`);
  }
});
