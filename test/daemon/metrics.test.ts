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

t.test('what went wrong without a state change is counted: lost log bytes, leftovers, warnings, core exceptions', async (t) => {
  const units = [unitStatus('web_1', { logError: 'cannot write /var/log/supd/web_1.log: ENOSPC (4096 bytes lost so far)' }), unitStatus('db')];
  const counts = { leftovers: new Map([['db', 2]]), warnings: new Map([['web_1', 1], ['db', 1]]), coreExceptions: 0 };
  const metrics = createMetrics(() => ({ list: () => units, rollouts: () => [] }), { counts, lostBytes: (u) => (u === 'web_1' ? 4096 : 0) });
  let text = await metrics.render();
  t.match(text, /^supd_unit_log_lost_bytes_total\{unit="web_1"\} 4096$/m);
  t.notMatch(text, /^supd_unit_log_lost_bytes_total\{unit="db"\}/m);
  t.match(text, /^supd_unit_log_failing\{unit="web_1"\} 1$/m);
  t.match(text, /^supd_unit_log_failing\{unit="db"\} 0$/m);
  t.match(text, /^supd_unit_leftover_processes_total\{unit="db"\} 2$/m);
  t.match(text, /^supd_warnings_total\{unit="web_1"\} 1$/m);
  t.match(text, /^supd_core_exceptions_total 0$/m);
  counts.coreExceptions = 3;
  text = await metrics.render();
  t.match(text, /^supd_core_exceptions_total 3$/m, 'read again at each scrape');
});
