#!/usr/bin/env node
// `node bench/ui-load.mjs [UNITS] [LOADS]` (after `npm run build`): how fast supd's status page
// loads from supd on loopback in Debian's headless Chromium. supd runs UNITS sleeper units (20)
// with a TCP listener and a viewer token; the page is loaded LOADS times (12, the first two not
// counted), from about:blank each time, and the medians printed: first byte, DOMContentLoaded,
// load, and every unit shown with its state. Everything started is tagged and killed by pid.
import fs from 'node:fs';
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

const { chromium } = await import('playwright-core');
const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
  executablePath: chromiumPath, headless: true, env: benchEnv(),
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = context.pages()[0] ?? (await context.newPage());
const rows = [];
for (let i = 0; i < loads; i += 1) {
  await page.goto('about:blank');
  const t0 = performance.now();
  await page.goto(`${base}/ui/#token=bench-viewer`, { waitUntil: 'load' });
  await waitFor(() => page.evaluate(`document.querySelectorAll('tr.unit .state.s-ready').length === ${units}`), { timeoutMs: 30_000, what: 'every unit on the page' });
  const shown = performance.now() - t0;
  const nav = await page.evaluate(`(() => { const n = performance.getEntriesByType('navigation')[0];
    return [n.responseStart - n.startTime, n.domContentLoadedEventEnd - n.startTime, n.loadEventEnd - n.startTime]; })()`);
  rows.push([...nav, shown]);
}
await context.close();
supd.kill('SIGTERM');
await new Promise((r) => supd.once('exit', r));
cleanupAll();

const counted = rows.slice(2);
const median = (k) => {
  const v = counted.map((r) => r[k]).sort((a, b) => a - b);
  return Math.round(v[Math.floor(v.length / 2)]);
};
const [load1] = os.loadavg();
process.stdout.write(`status page, ${units} units, ${counted.length} loads (median): first byte ${median(0)} ms, `
  + `DOMContentLoaded ${median(1)} ms, load ${median(2)} ms, every unit shown ${median(3)} ms `
  + `(load average ${load1.toFixed(1)}, ${os.cpus().length} cores)\n`);
