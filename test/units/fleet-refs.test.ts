// `HOST/UNIT` in requires, after and follows names a unit of another host of the fleet: it is kept
// apart (spec.fleet), never checked against this host's units, and the rest stays as it was.
import t from 'tap';
import { lines, load } from './_helpers.js';

t.test('HOST/UNIT entries go to spec.fleet; local names and endpoints stay where they were', async (t) => {
  const r = load({
    'db.yaml': lines('command: db'),
    'proxy.yaml': lines('command: proxy', 'requires: [h1/archive, db, "tcp://10.0.0.5:80"]', 'after: [h3/cache, db]', 'follows: h1/vdp'),
  });
  t.same(r.diagnostics, [], 'a unit of another host is not an unknown unit here');
  const p = r.units.find((u) => u.name === 'proxy');
  t.same(p?.fleet, {
    requires: [{ host: 'h1', unit: 'archive', name: 'h1/archive' }],
    after: [{ host: 'h3', unit: 'cache', name: 'h3/cache' }],
    follows: { host: 'h1', unit: 'vdp', name: 'h1/vdp' },
  });
  t.same(p?.requires.map((x) => x.kind), ['unit', 'tcp']);
  t.same(p?.after, ['db']);
  t.equal(p?.follows, null);
  t.equal(r.units.find((u) => u.name === 'db')?.fleet, undefined, 'a unit without HOST/UNIT has no fleet part');
});
