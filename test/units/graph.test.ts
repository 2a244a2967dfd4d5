// The dependency graph: requirements, dependents, closures, start waves, stop order, targets.
import t from 'tap';
import { UnitGraph } from '../../units/graph.js';
import { lines, load, messages } from './_helpers.js';

// archive ← proxy ← storage_1, storage_2 (requires); monitor after proxy; tool stands alone.
function fleet(): UnitGraph {
  const r = load({
    'archive.yaml': lines('command: archive', 'groups: [walb]'),
    'proxy.yaml': lines('command: proxy', 'requires: [archive, "tcp://10.0.0.1:22"]', 'groups: [walb]'),
    'storage@.yaml': lines(
      'command: storage ${instance}',
      'requires: [proxy]',
      'groups: [walb, storage]',
      'instances: {storage_1: {}, storage_2: {}}',
    ),
    'monitor.yaml': lines('command: monitor', 'after: [proxy]'),
    'tool.yaml': lines('command: tool'),
  });
  if (r.units.length === 0) throw new Error(messages(r).join('\n'));
  return new UnitGraph(r.units);
}

t.test('direct requirements, dependents and after', async (t) => {
  const g = fleet();
  t.same(g.requirements('proxy'), ['archive'], 'remote endpoints are not graph edges');
  t.same(g.dependents('proxy'), ['storage_1', 'storage_2']);
  t.same(g.dependents('monitor'), []);
  t.same(g.afterOf('monitor'), ['proxy']);
  t.same(g.afterDependents('proxy'), ['monitor']);
  t.same(g.requirements('nope'), []);
});

t.test('closures follow requires transitively', async (t) => {
  const g = fleet();
  t.same(g.requiresClosure(['storage_2']), ['archive', 'proxy', 'storage_2']);
  t.same(g.dependentsClosure(['archive']), ['archive', 'proxy', 'storage_1', 'storage_2']);
  t.same(g.dependentsClosure(['tool']), ['tool']);
});

t.test('start waves: requirements first; after orders only inside the set', async (t) => {
  const g = fleet();
  t.same(g.startWaves(g.units()), [['archive', 'tool'], ['proxy'], ['storage_1', 'storage_2', 'monitor']]);
  t.same(g.startWaves(['monitor', 'tool']), [['monitor', 'tool']], 'proxy is not in the set');
  t.same(g.startOrder(['storage_1', 'archive']), ['archive', 'storage_1']);
});

t.test('stop order is the reverse: dependents first', async (t) => {
  const g = fleet();
  t.same(g.stopWaves(g.units()), [['monitor', 'storage_2', 'storage_1'], ['proxy'], ['tool', 'archive']]);
  t.same(g.stopOrder(g.dependentsClosure(['archive'])), ['storage_2', 'storage_1', 'proxy', 'archive']);
});

t.test('a target is a unit, a group or all; unknown is null', async (t) => {
  const g = fleet();
  t.same(g.resolveTarget('proxy'), ['proxy']);
  t.same(g.resolveTarget('walb'), ['archive', 'proxy', 'storage_1', 'storage_2']);
  t.same(g.resolveTarget('storage'), ['storage_1', 'storage_2']);
  t.same(g.resolveTarget('all'), ['archive', 'tool', 'proxy', 'storage_1', 'storage_2', 'monitor']);
  t.equal(g.resolveTarget('nope'), null);
  t.same(g.groups(), ['walb', 'storage']);
});

t.test('followers of a master', async (t) => {
  const r = load({
    'vdp.yaml': lines('command: vdp', 'metadata: meta/*'),
    'aux@.yaml': lines('command: aux', 'follows: vdp', 'instances: {aux_1: {}, aux_2: {}}'),
  });
  const g = new UnitGraph(r.units);
  t.same(g.followers('vdp'), ['aux_1', 'aux_2']);
  t.same(g.followers('aux_1'), []);
});

t.test('findCycle returns the closed path, or null', async (t) => {
  t.equal(fleet().findCycle(), null);
  const units = load({
    'a.yaml': lines('command: a', 'requires: [b]'),
    'b.yaml': lines('command: b', 'after: [c]'),
    'c.yaml': lines('command: c'),
  }).units.map((u) => (u.name === 'c' ? { ...u, requires: [{ kind: 'unit' as const, name: 'a' }] } : u));
  const g = new UnitGraph(units);
  t.same(g.findCycle(), ['a', 'b', 'c', 'a']);
  t.same(g.startWaves(['a', 'b', 'c']), [['a', 'b', 'c']], 'units on a cycle still come out, last');
});

t.test('2,000 generated units load and form the expected graph', async (t) => {
  const files: Record<string, string> = {
    'root.yaml': lines('command: root', 'ports: {rpc: 10000}'),
    'w@.yaml': lines(
      'command: worker --id ${instance} --port ${ports.http}',
      'ports: {http: "${vars.port}"}',
      'requires: [root]',
      'groups: [workers]',
      'instances:',
      ...Array.from({ length: 1000 }, (_, i) => `  w_${i}: {vars: {port: ${20000 + i}}}`),
    ),
  };
  // A chain of 999 plain units, each requiring the one before it (and the first requires root).
  for (let i = 0; i < 999; i++) {
    files[`c_${String(i).padStart(4, '0')}.yaml`] = lines(
      'command: chain',
      `requires: [${i === 0 ? 'root' : `c_${String(i - 1).padStart(4, '0')}`}]`,
      `ports: {p: ${30000 + i}}`,
    );
  }
  const r = load(files);
  t.same(messages(r), []);
  t.equal(r.units.length, 2000);
  const g = new UnitGraph(r.units);
  t.equal(g.findCycle(), null);
  const waves = g.startWaves(g.units());
  t.equal(waves.length, 1000, 'root, then the chain one by one (workers start beside c_0000)');
  t.same(waves[0], ['root']);
  t.equal(waves[1]?.length, 1001);
  t.equal(g.resolveTarget('workers')?.length, 1000);
  t.equal(g.dependentsClosure(['root']).length, 2000, 'everything depends on root');
  t.equal(g.requiresClosure(['c_0998']).length, 1000);
  t.equal(g.stopOrder(g.units())[0], 'c_0998');
  t.same(r.units.find((u) => u.name === 'w_999')?.argv, ['/bin/sh', '-c', 'exec worker --id w_999 --port 20999']);
});
