#!/usr/bin/env node
// `node bench/ui-load.mjs [UNITS] [LOADS]` (after `npm run build`): how fast supd's status page
// loads from supd on loopback in Debian's headless Chromium, beside the browser's own floor.
//
// supd runs UNITS sleeper units (20) with a TCP listener and a viewer token. One browser is started
// and kept, as an operator's is. The floor is a trivial page (a title and a word) served from
// another loopback server with the very headers /ui/ carries (CSP, COOP, ...): what this browser
// on this machine needs for any such page at all. Both are loaded LOADS times (12, the first two
// not counted, so the HTTP cache is warm as on an operator's second visit), interleaved so a
// change of machine load hits both alike, in two ways:
// - opened in a new tab (a bookmark, a typed address). Cross-Origin-Opener-Policy: same-origin
//   puts the page in a browsing context group of its own, so Chromium starts it a renderer
//   process instead of using the tab's first one; the floor pays that too, and the same floor
//   without COOP is printed beside it to show that cost.
// - reloaded: the open page reloaded (F5, a wall screen refreshing).
// Each figure is navigation start -> end of the load event, from the page's Navigation Timing
// entry; medians are printed, with first byte and DOMContentLoaded for the page, and (opened)
// the time from asking for the page until every unit is on screen as ready. Everything started
// is tagged and killed by pid.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEnv, cleanupAll, installCleanupHandlers, makeTempDir, spawnTracked } from './lib/track.mjs';
import { waitFor } from './lib/measure.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const units = Number(process.argv[2] ?? 20);
const loads = Number(process.argv[3] ?? 12);
const chromiumPath = '/usr/bin/chromium';
if (!fs.existsSync(chromiumPath)) {
  process.stderr.write(`ui-load: ${chromiumPath} is missing (apt-get install chromium)\n`);
  process.exit(1);
}
installCleanupHandlers();

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const dir = makeTempDir('supd-ui-load');
fs.mkdirSync(path.join(dir, 'units'));
const instances = Array.from({ length: units }, (_, i) => `  s_${i}: {}`);
fs.writeFileSync(path.join(dir, 'units', 's@.yaml'), ['command: [sleep, "100000"]', 'ready: {grace: 100ms}', 'instances:', ...instances, ''].join('\n'));
fs.writeFileSync(path.join(dir, 'tokens.json'), JSON.stringify({ 'bench-viewer': 'viewer' }), { mode: 0o600 });
const supd = spawnTracked(process.execPath, [path.join(root, 'dist', 'daemon', 'main.js'), '--units-dir', path.join(dir, 'units'),
  '--state-dir', path.join(dir, 'state'), '--listen', `127.0.0.1:${port}`, '--tokens-file', path.join(dir, 'tokens.json')], { stdio: 'ignore' });
const base = `http://127.0.0.1:${port}`;
await waitFor(async () => {
  try {
    const res = await fetch(`${base}/v1/units`, { headers: { authorization: 'Bearer bench-viewer' } });
    const body = await res.json();
    return body.units.length === units && body.units.every((u) => u.state === 'ready');
  } catch {
    return false;
  }
}, { timeoutMs: 60_000, what: 'supd with every unit ready' });

// The floor page goes out with the headers supd sends /ui/ with (all but its own caching ones);
// /no-coop leaves out Cross-Origin-Opener-Policy, to show what that header costs by itself.
const uiHeaders = Object.fromEntries([...(await fetch(`${base}/ui/`)).headers]
  .filter(([k]) => /^(content-security-policy|x-content-type-options|referrer-policy|x-frame-options|cross-origin-.*)$/.test(k)));
const floorServer = http.createServer((req, res) => {
  const headers = { ...uiHeaders, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' };
  if (req.url === '/no-coop') delete headers['cross-origin-opener-policy'];
  res.writeHead(200, headers);
  res.end('<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>floor</title></head><body><p>floor</p></body></html>\n');
});
await new Promise((resolve) => floorServer.listen(0, '127.0.0.1', resolve));
const floorUrl = `http://127.0.0.1:${floorServer.address().port}/`;

const { chromium } = await import('playwright-core');
const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
  executablePath: chromiumPath, headless: true, env: benchEnv(),
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const timing = `(() => { const n = performance.getEntriesByType('navigation')[0];
  return [n.responseStart - n.startTime, n.domContentLoadedEventEnd - n.startTime, n.loadEventEnd - n.startTime]; })()`;
const allShown = `document.querySelectorAll('tr.unit .state.s-ready').length === ${units}`;
const uiUrl = `${base}/ui/#token=bench-viewer`;

/** Loads url in a new tab (timing, then the tab closed); `shown`: also waits for every unit. */
async function inNewTab(url, shown = false) {
  const tab = await context.newPage();
  const t0 = performance.now();
  await tab.goto(url, { waitUntil: 'load' });
  if (shown) await waitFor(() => tab.evaluate(allShown), { timeoutMs: 30_000, what: 'every unit on the page' });
  const row = [...(await tab.evaluate(timing)), performance.now() - t0];
  await tab.close();
  return row;
}

const rows = { floorNoCoop: [], floorOpened: [], uiOpened: [], floorReloaded: [], uiReloaded: [] };
for (let i = 0; i < loads; i += 1) {
  rows.floorNoCoop.push(await inNewTab(`${floorUrl}no-coop`));
  rows.floorOpened.push(await inNewTab(floorUrl));
  rows.uiOpened.push(await inNewTab(uiUrl, true));
}
const page = context.pages()[0] ?? (await context.newPage());
await page.goto(floorUrl, { waitUntil: 'load' });
const ui = await context.newPage();
await ui.goto(uiUrl, { waitUntil: 'load' });
for (let i = 0; i < loads; i += 1) {
  await page.reload({ waitUntil: 'load' });
  rows.floorReloaded.push(await page.evaluate(timing));
  // The token is in this tab's sessionStorage (the page took it out of the address bar).
  await ui.reload({ waitUntil: 'load' });
  rows.uiReloaded.push(await ui.evaluate(timing));
  await waitFor(() => ui.evaluate(allShown), { timeoutMs: 30_000, what: 'every unit on the reloaded page' });
}
await context.close();
await new Promise((resolve) => floorServer.close(resolve));
supd.kill('SIGTERM');
await new Promise((r) => supd.once('exit', r));
cleanupAll();

const median = (list, k) => {
  const v = list.slice(2).map((r) => r[k]).sort((a, b) => a - b);
  return Math.round(v[Math.floor(v.length / 2)]);
};
const [load1] = os.loadavg();
const n = Math.max(0, loads - 2);
// The page's own share: the median of each load's difference from the floor load just before it.
const share = (ui, floor) => median(ui.map((r, i) => [r[2] - floor[i][2]]), 0);
const line = (ui, floor) => `${median(ui, 2)} ms; floor ${median(floor, 2)} ms; the page's own share ${share(ui, floor)} ms `
  + `(page: first byte ${median(ui, 0)}, DOMContentLoaded ${median(ui, 1)})`;
process.stdout.write(`status page, ${units} units, ${n} loads each (median), navigation start -> end of the load event:\n`
  + `  opened in a new tab: ${line(rows.uiOpened, rows.floorOpened)}; every unit shown as ready ${median(rows.uiOpened, 3)} ms after the bench asked for the page; `
  + `floor without Cross-Origin-Opener-Policy ${median(rows.floorNoCoop, 2)} ms\n`
  + `  reloaded: ${line(rows.uiReloaded, rows.floorReloaded)}\n`
  + `  (load average ${load1.toFixed(1)}, ${os.cpus().length} cores)\n`);
