// The exposition obeys the Prometheus naming rules promtool checks: only counters end in _total.
import t from 'tap';
import { createMetrics } from '../../daemon/metrics.js';
import { unitStatus } from '../fakes/control.js';

t.test('no gauge is named *_total (promtool check metrics rejects it)', async (t) => {
  const text = await createMetrics(() => ({ list: () => [unitStatus('web_1')], rollouts: () => [] })).render();
  const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1] ?? '', type: m[2] ?? '' }));
  t.ok(types.length > 10, 'the scrape has metric families');
  t.same(types.filter((m) => m.name.endsWith('_total') && m.type !== 'counter'), [], 'only counters end in _total');
  t.match(text, /^supd_nodejs_active_handles\{type="\w+"\} \d+$/m, 'the per-type handle gauges stay');
});
