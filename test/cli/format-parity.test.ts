// The status page (daemon/api/ui/app/format.ts, built for the browser, which cannot import
// cli/render.ts) prints durations, bytes and CPU as supctl does: the same value reads the same in
// the terminal and on the page.
import t from 'tap';
import { bytes, cpu, duration } from '../../daemon/api/ui/app/format.js';
import { formatBytes, formatCpu, formatDuration } from '../../cli/render.js';

t.test('the page and supctl format every sample alike', async (t) => {
  const times = [null, -1, Number.NaN, 0, 999, 1000, 59_999, 60_000, 61_000, 3_599_999, 3_600_000, 86_399_999, 86_400_000, 90_061_000, 1e12];
  for (const ms of times) t.equal(duration(ms), formatDuration(ms), `duration ${String(ms)}`);
  const sizes = [null, -5, Number.POSITIVE_INFINITY, 0, 999, 1000, 1049, 999_949, 999_950, 12_345_678, 1.2e9, 5e12, 9e15];
  for (const n of sizes) t.equal(bytes(n), formatBytes(n), `bytes ${String(n)}`);
  for (const p of [null, Number.NaN, 0, 0.04, 0.05, 12.345, 100, 250.5]) t.equal(cpu(p), formatCpu(p), `cpu ${String(p)}`);
});
