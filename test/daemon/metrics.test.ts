import t from 'tap';
import { createMetrics } from '../../daemon/metrics.js';
import { unitStatus } from '../fakes/control.js';

t.test('a scrape shows every unit\'s state and supd\'s own process metrics, and again on the next', async (t) => {
  const units = [unitStatus('web_1'), unitStatus('db', { state: 'failed', pid: null, restarts: 3, cpu: null, memory: null })];
  const metrics = createMetrics(() => ({ list: () => units, rollouts: () => [] }));
  for (const scrape of [1, 2]) {
    const text = await metrics.render();
    t.match(text, /^supd_unit_state\{unit="db",state="failed"\} 1$/m, `scrape ${scrape}`);
    t.match(text, /^supd_unit_ready\{unit="web_1"\} 1$/m);
    t.match(text, /^supd_unit_restarts\{unit="db"\} 3$/m);
    t.match(text, /^supd_process_resident_memory_bytes \d+/m);
  }
  units.push(unitStatus('web_2'));
  t.match(await metrics.render(), /^supd_unit_ready\{unit="web_2"\} 1$/m, 'a unit added since is there');
});

t.test('no runtime yet: the unit metrics are empty, not an error', async (t) => {
  const text = await createMetrics(() => null).render();
  t.notMatch(text, /^supd_unit_state\{/m);
  t.match(text, /^# HELP supd_unit_state /m);
});
