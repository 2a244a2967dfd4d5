// reload's report: units added, changed and removed between two loads.
import t from 'tap';
import { changedKeys, diffUnits } from '../../units/diff.js';
import { lines, load } from './_helpers.js';

t.test('added, changed and removed units', async (t) => {
  const before = load({
    'a.yaml': lines('command: a'),
    'b.yaml': lines('command: b', 'env: {X: "1", Y: "2"}'),
    'c.yaml': lines('command: c'),
  }).units;
  const after = load({
    'a.yaml': lines('command: a'),
    'b.yaml': lines('command: b', 'env: {Y: "2", X: "2"}'),
    'd.yaml': lines('command: d'),
  }).units;
  t.same(diffUnits(before, after), { added: ['d'], changed: ['b'], removed: ['c'] });
});

t.test('identical sets, even written differently, have no differences', async (t) => {
  const one = load({ 'a.yaml': lines('command: a', 'env: {X: "1", Y: "2"}', 'restart: {delay: 1s}') }).units;
  const two = load({ 'a.yaml': lines('env: {Y: "2", X: 1}', 'command: a', 'restart: {delay: 1000ms}') }).units;
  t.same(diffUnits(one, two), { added: [], changed: [], removed: [] });
});

t.test('a change in a template changes every instance', async (t) => {
  const v1 = load({ 'w@.yaml': lines('command: w ${instance}', 'instances: {w_1: {}, w_2: {}}') }).units;
  const v2 = load({ 'w@.yaml': lines('command: w2 ${instance}', 'instances: {w_1: {}, w_3: {}}') }).units;
  t.same(diffUnits(v1, v2), { added: ['w_3'], changed: ['w_1'], removed: ['w_2'] });
});

t.test('changedKeys names what differs, two levels deep, for reload --dry-run', async (t) => {
  const [a] = load({ 'a.yaml': lines('command: a', 'ready: {timeout: 5s}', 'env: {X: "1"}') }).units;
  const [b] = load({ 'a.yaml': lines('command: b', 'ready: {timeout: 9s}', 'env: {X: "1"}', 'user: nobody') }).units;
  if (a === undefined || b === undefined) throw new Error('one unit each');
  t.same(changedKeys(a, b).sort(), ['command', 'ready.timeout', 'user'].sort());
  t.same(changedKeys(a, a), []);
});
