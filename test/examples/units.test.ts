// Every example fleet's unit files load cleanly, and resolve to what the examples promise.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { loadUnits } from '../../units/load.js';
import type { UnitSpec } from '../../units/types.js';
import { EXAMPLES } from './helpers.js';

/** The fleet's units by name; a diagnostic fails the test with its message and place. */
async function load(fleet: string): Promise<Map<string, UnitSpec>> {
  const { units, diagnostics } = await loadUnits(path.join(EXAMPLES, fleet, 'units'), { host: 'example-host' });
  if (diagnostics.length > 0) {
    const text = diagnostics.map((d) => `${d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}: ` : ''}${d.message}`);
    throw new Error(`${fleet}: unexpected diagnostics:\n${text.join('\n')}`);
  }
  return new Map(units.map((u) => [u.name, u]));
}

function unit(units: Map<string, UnitSpec>, name: string): UnitSpec {
  const u = units.get(name);
  if (!u) throw new Error(`no unit ${name}`);
  return u;
}

const argAfter = (u: UnitSpec, flag: string): string | undefined => u.argv[u.argv.indexOf(flag) + 1];

t.test('every example units dir loads without diagnostics', async (t) => {
  for (const fleet of ['vdp', 'walb', 'broker']) {
    const { units, diagnostics } = await loadUnits(path.join(EXAMPLES, fleet, 'units'));
    t.same(diagnostics, [], fleet);
    t.equal(units.length, 3, `${fleet}: three units`);
  }
});

t.test('vdp: a master and two slaves from one template that extends it', async (t) => {
  const units = await load('vdp');
  t.same([...units.keys()].sort(), ['aux_1', 'aux_2', 'vdp']);
  const vdp = unit(units, 'vdp');
  const aux1 = unit(units, 'aux_1');
  const aux2 = unit(units, 'aux_2');
  const dir = path.join(EXAMPLES, 'vdp');

  t.equal(vdp.cwd, dir, 'cwd is the example folder, where bin/ and meta/ are');
  t.same(vdp.ports, { sql: 7101, control: 7102 });
  t.same(aux1.ports, { sql: 7111, control: 7112 });
  t.same(aux2.ports, { sql: 7121, control: 7122 });
  t.same(vdp.ready.check, { kind: 'tcp', host: '127.0.0.1', port: 7101 });
  t.same(aux2.ready.check, { kind: 'tcp', host: '127.0.0.1', port: 7121 }, 'the inherited ready check uses the slave\'s port');

  t.equal(argAfter(aux1, '--jvm'), '-Xms256m -Xmx1g');
  t.equal(argAfter(aux2, '--jvm'), argAfter(vdp, '--jvm'), 'aux_2 runs with the master\'s jvm options');
  t.equal(argAfter(aux2, '--role'), 'slave');
  t.equal(argAfter(aux2, '--master-port'), String(vdp.ports['sql']));

  t.same(vdp.metadata, [path.join(dir, 'meta', '*.json')]);
  t.same(aux1.metadata, []);
  t.ok(fs.existsSync(path.join(dir, 'meta', 'catalog.json')));
  t.equal(aux1.follows, 'vdp');
  t.same(aux2.requires, [{ kind: 'unit', name: 'vdp' }]);
  t.same(vdp.rollout, { strategy: 'one-by-one', maxUnavailable: null, canary: null, debounce: 1000, auto: true });
  t.same(aux1.groups, ['database', 'slaves']);

  t.same(vdp.safeStop?.waitConnections, [7101]);
  t.same(aux1.safeStop?.waitConnections, [7111]);
  t.same(aux1.safeStop?.command?.slice(-3), ['shutdown', '--port', '7112']);
  t.same(aux1.stop.command?.slice(-5), ['shutdown', '--force', '--if-running', '--port', '7112']);
  for (const u of units.values()) t.ok(fs.existsSync(path.join(dir, u.argv[1] ?? '')), `${u.name}: its program exists`);
});

t.test('walb: archive, then proxy, then storage', async (t) => {
  const units = await load('walb');
  t.same([...units.keys()].sort(), ['archive', 'proxy', 'storage']);
  t.same(unit(units, 'proxy').requires, [{ kind: 'unit', name: 'archive' }]);
  t.same(unit(units, 'storage').requires.map((r) => (r.kind === 'unit' ? r.name : r.raw)).sort(), ['archive', 'proxy']);
  t.match(unit(units, 'storage').stop.command, ['node', 'bin/walbc.mjs', '-a', '127.0.0.1', '-p', '7221', 'shutdown', 'graceful']);
  t.equal(argAfter(unit(units, 'storage'), '-proxy'), `127.0.0.1:${unit(units, 'proxy').ports['walb']}`);
  t.equal(argAfter(unit(units, 'proxy'), '-archive'), `127.0.0.1:${unit(units, 'archive').ports['walb']}`);
  for (const u of units.values()) t.equal(u.ready.check?.kind, 'tcp', `${u.name}: tcp readiness`);
});

t.test('broker: a broker and two replicas from one template', async (t) => {
  const units = await load('broker');
  t.same([...units.keys()].sort(), ['broker', 'replica_a', 'replica_b']);
  const a = unit(units, 'replica_a');
  const b = unit(units, 'replica_b');
  t.same(a.after, ['broker']);
  t.same(b.requires, [{ kind: 'unit', name: 'broker' }]);
  t.same(a.ready.check, { kind: 'http', url: 'http://127.0.0.1:7311/health' });
  t.same(b.health?.check, { kind: 'http', url: 'http://127.0.0.1:7321/health' });
  t.equal(argAfter(b, '--name'), 'replica_b');
  t.equal(argAfter(a, '--broker'), `127.0.0.1:${unit(units, 'broker').ports['pubsub']}`);
});

t.test('every example port is in 7100-7399 and claimed once', async (t) => {
  const seen = new Map<number, string>();
  for (const fleet of ['vdp', 'walb', 'broker']) {
    for (const u of (await load(fleet)).values()) {
      for (const port of Object.values(u.ports)) {
        t.ok(port >= 7100 && port < 7400, `${u.name}: ${port}`);
        t.notOk(seen.has(port), `${port} claimed once`);
        seen.set(port, u.name);
      }
    }
  }
});
