// One duration grammar for unit files and supd's config, and its exact form back for messages.
import t from 'tap';
import { formatMs, parseDuration } from '../../units/duration.js';

t.test('durations are one or more <number><unit> terms (ms, s, m, h, d), or 0', async (t) => {
  const rows: [string | number, number | null][] = [
    ['250ms', 250], ['5s', 5000], ['1.5s', 1500], ['15m', 900_000], ['1h', 3_600_000], ['1d', 86_400_000],
    ['1m30s', 90_000], ['1d12h', 129_600_000], ['1h1ms', 3_600_001], ['0ms', 0], ['0', 0], [0, 0],
    ['5', null], [5, null], ['s', null], ['-1s', null], ['5 minutes', null], ['1 m', null], ['', null], ['1w', null],
  ];
  for (const [text, ms] of rows) t.equal(parseDuration(text), ms, JSON.stringify(text));
});

t.test('a duration prints in the largest unit that divides it', async (t) => {
  const rows: [number, string][] = [
    [0, '0ms'], [250, '250ms'], [1500, '1500ms'], [2000, '2s'], [90_000, '90s'], [60_000, '1m'], [3_600_000, '1h'], [86_400_000, '1d'],
  ];
  for (const [ms, text] of rows) t.equal(formatMs(ms), text, String(ms));
  for (const [ms] of rows) t.equal(parseDuration(formatMs(ms)), ms, `${ms} round-trips`);
});
