// Cross-unit checks: unknown targets, dependency cycles, duplicates, ports, group names.
import t from 'tap';
import { formatDiagnostic } from '../../units/validate.js';
import { lines, load, messages } from './_helpers.js';

t.test('an unknown requirement names the known units', async (t) => {
  const r = load({
    'a.yaml': lines('command: a'),
    'b.yaml': lines('command: b', 'after: [c]', 'requires: [a, nope]'),
    'c.yaml': lines('command: c'),
  });
  t.same(messages(r), ['units/b.yaml:3:15: requires "nope": no such unit (known: a, b, c)']);
  t.equal(r.diagnostics[0]?.code, 'SUPD_UNIT_UNKNOWN_UNIT');
  t.same(r.units, [], 'no unit is loaded when any error exists');
});

t.test('unknown after and follows targets are errors too', async (t) => {
  const r = load({ 'a.yaml': lines('command: a', 'after:', '  - ghost', 'follows: phantom') });
  t.same(messages(r), [
    'units/a.yaml:3:5: after "ghost": no such unit (known: a)',
    'units/a.yaml:4:10: follows "phantom": no such unit (known: a)',
  ]);
});

t.test('with many units, an unknown name suggests the closest one', async (t) => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 12; i++) files[`storage_${i}.yaml`] = lines('command: s');
  files['proxy.yaml'] = lines('command: p', 'requires: [storge_3]');
  t.same(messages(load(files)), ['units/proxy.yaml:2:12: requires "storge_3": no such unit (did you mean "storage_3"?)']);
});

t.test('requiring a group by mistake says it is a group', async (t) => {
  const r = load({ 'a.yaml': lines('command: a', 'groups: [web]'), 'b.yaml': lines('command: b', 'requires: [web]') });
  t.same(messages(r), [
    'units/b.yaml:2:12: requires "web": no such unit (known: a, b) ("web" is a group; requires takes unit names)',
  ]);
});

t.test('a dependency cycle names the whole cycle at the edge that closes it', async (t) => {
  const r = load({
    'a.yaml': lines('command: a', 'requires: [b]'),
    'b.yaml': lines('command: b', 'requires: [c]'),
    'c.yaml': lines('command: c', 'description: closes the loop', 'after: [a]'),
  });
  t.same(messages(r), ['units/c.yaml:3:9: after "a": dependency cycle a → b → c → a']);
  t.equal(r.diagnostics[0]?.code, 'SUPD_UNIT_CYCLE');
});

t.test('a unit requiring itself is a cycle', async (t) => {
  const r = load({ 'a.yaml': lines('command: a', 'requires: [a]') });
  t.same(messages(r), ['units/a.yaml:2:12: requires "a": dependency cycle a → a']);
});

t.test('a cycle through instances points into the template', async (t) => {
  const r = load({
    'db.yaml': lines('command: db', 'requires: [w_2]'),
    'w@.yaml': lines('command: w', 'instances:', '  w_1: {requires: [db]}', '  w_2: {requires: [w_1]}'),
  });
  t.same(messages(r), ['units/w@.yaml:3:20: requires "db": dependency cycle db → w_2 → w_1 → db']);
});

t.test('two files defining one unit are a duplicate', async (t) => {
  const r = load({ 'a.yaml': lines('command: a'), 'a.yml': lines('command: a2') });
  t.same(messages(r), ['units/a.yml:1:1: duplicate unit "a": already defined at units/a.yaml:1:1']);
  t.equal(r.diagnostics[0]?.code, 'SUPD_UNIT_DUPLICATE');
});

t.test('an instance named like another unit is a duplicate, at the instance key', async (t) => {
  const r = load({
    'aux_1.yaml': lines('command: a'),
    'aux@.yaml': lines('command: aux', 'instances:', '  aux_0: {}', '  aux_1: {}'),
  });
  t.same(messages(r), ['units/aux@.yaml:4:3: duplicate unit "aux_1": already defined at units/aux_1.yaml:1:1']);
});

t.test('a port claimed by two units is an error at the second claim', async (t) => {
  const r = load({
    'a.yaml': lines('command: a', 'ports: {http: 8080}'),
    'b.yaml': lines('command: b', 'ports:', '  admin: 9000', '  web: 8080'),
  });
  t.same(messages(r), ['units/b.yaml:4:8: ports.web: port 8080 is already claimed by unit "a" (ports.http)']);
  t.equal(r.diagnostics[0]?.code, 'SUPD_UNIT_PORT_CONFLICT');
});

t.test('a port claimed twice by one unit is an error', async (t) => {
  const r = load({ 'a.yaml': lines('command: a', 'ports: {http: 8080, alt: 8080}') });
  t.same(messages(r), ['units/a.yaml:2:26: ports.alt: port 8080 is already claimed by ports.http of this unit']);
});

t.test('instances inheriting one fixed port from their template collide, pointing at the template', async (t) => {
  const r = load({ 'w@.yaml': lines('command: w', 'ports: {http: 80}', 'instances: {w_1: {}, w_2: {}}') });
  t.same(messages(r), ['units/w@.yaml:2:15: ports.http: port 80 is already claimed by unit "w_1" (ports.http)']);
});

t.test('a group name equal to a unit name is an error at the group', async (t) => {
  const r = load({
    'web.yaml': lines('command: web'),
    'api.yaml': lines('command: api', 'groups: [front, web]'),
  });
  t.same(messages(r), ['units/api.yaml:2:17: groups: "web" is also a unit name; a group name must not equal a unit name']);
  t.equal(r.diagnostics[0]?.code, 'SUPD_UNIT_GROUP_NAME');
  const all = load({ 'api.yaml': lines('command: api', 'groups:', '  - all') });
  t.same(messages(all), ['units/api.yaml:3:5: groups: "all" is reserved (it means every unit)']);
});

t.test('following a unit without metadata is a warning; units still load', async (t) => {
  const r = load({ 'm.yaml': lines('command: m'), 's.yaml': lines('command: s', 'follows: m') });
  t.same(messages(r), ['units/s.yaml:2:10: warning: follows "m": that unit declares no metadata, so nothing triggers a rollout']);
  t.equal(r.units.length, 2);
});

t.test('a broken file does not cause follow-on unknown-unit errors', async (t) => {
  const r = load({
    'a.yaml': lines('command: a', 'autostart: maybe'),
    'b.yaml': lines('command: b', 'requires: [a]', 'extends: a'),
  });
  t.same(messages(r), ['units/a.yaml:2:12: autostart: expected true or false, got "maybe"']);
});

t.test('a unit that fails to resolve is not reported again as unknown', async (t) => {
  const r = load({
    'b.yaml': lines('extends: nope'),
    'c.yaml': lines('command: c', 'requires: [b]'),
    'w@.yaml': lines('command: w ${vars.x}', 'instances:', '  w_1: {}'),
    'd.yaml': lines('command: d', 'after: [w_1]'),
  });
  t.same(messages(r), [
    'units/b.yaml:1:10: extends "nope": no such unit (known: b, c, d, w_1)',
    'units/w@.yaml:1:12: w_1: command: unknown variable ${vars.x} (no vars are defined)',
  ]);
});

t.test('errors in several files are all reported, in file and line order', async (t) => {
  const r = load({
    'b.yaml': lines('command: b', 'requires: [x]', 'ports: {p: 1}'),
    'a.yaml': lines('command: a', 'requires: [y]', 'ports: {p: 1}'),
  });
  t.same(messages(r), [
    'units/a.yaml:2:12: requires "y": no such unit (known: a, b)',
    'units/a.yaml:3:12: ports.p: port 1 is already claimed by unit "b" (ports.p)',
    'units/b.yaml:2:12: requires "x": no such unit (known: a, b)',
  ]);
});

t.test('formatDiagnostic shows the file relative to cwd when shorter', async (t) => {
  const d = {
    severity: 'error' as const,
    code: 'SUPD_UNIT_UNKNOWN_UNIT',
    message: 'requires "nope": no such unit (known: a, c)',
    pos: { file: '/srv/supd/units/b.yaml', line: 3, col: 11 },
  };
  t.equal(formatDiagnostic(d, '/srv/supd'), 'units/b.yaml:3:11: requires "nope": no such unit (known: a, c)');
  t.equal(formatDiagnostic(d, '/elsewhere/deep/down/here'), '/srv/supd/units/b.yaml:3:11: requires "nope": no such unit (known: a, c)');
  t.equal(formatDiagnostic({ severity: 'error', code: 'SUPD_UNIT_READ', message: 'cannot read' }, '/'), 'cannot read');
});
