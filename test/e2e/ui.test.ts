// The status page in a real browser: Debian's headless Chromium driven by playwright-core (no
// browser download), against the built supd running the example fleet over TCP with tokens.
// The page lists the units, shows a rollout's steps turn ok live, safe-stops a unit with an
// operator token and shows a viewer's refusal, renders a unit's `<script>` log line as text,
// survives supd going away, and stays small. Screenshots go to .tap/artifacts/.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import type { Page } from 'playwright-core';
import { vdpFleet } from './fleet-copy.js';
import { ARTIFACTS, CHROMIUM, HAVE_CHROMIUM, launch, recordSteps, waitPage, waitShown } from './browser.js';
import { assertBuilt, Supd } from './harness.js';
import type { SupdEvent } from '../../daemon/control.js';

assertBuilt();
// A real fleet started, stopped and started again, on two cores shared with the rest of the suite.
t.setTimeout(300_000);

const EVIL = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">';

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-ui-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The state the page shows for a unit. */
function shownState(page: Page, unit: string): Promise<string | null> {
  return page.locator(`tr.unit[data-unit="${unit}"] .state`).textContent({ timeout: 1000 }).catch(() => null);
}

t.test('the status page', { skip: HAVE_CHROMIUM ? false : `no ${CHROMIUM} (Debian package chromium)` }, async (t) => {
  const dir = tempDir(t);
  const operator = `op-${randomBytes(12).toString('hex')}`;
  const viewer = `view-${randomBytes(12).toString('hex')}`;
  const tokens = path.join(dir, 'tokens.json');
  fs.writeFileSync(tokens, JSON.stringify({ [operator]: 'operator', [viewer]: 'viewer' }), { mode: 0o600 });
  const { units, ports: [port = 0] } = await vdpFleet(dir, 1);
  fs.writeFileSync(path.join(units, 'noisy.yaml'), `command: ${JSON.stringify(`echo '${EVIL}'; exec sleep 600`)}\nready: {grace: 200ms}\n`);
  const supd = new Supd(t, { unitsDir: units, args: ['--listen', `127.0.0.1:${port}`, '--tokens-file', tokens] });
  await supd.start();
  for (const u of ['vdp', 'aux_1', 'aux_2', 'noisy']) await supd.waitState(u, 'ready');

  const { page } = await launch(t, dir);
  // supd's own log, kept beside the screenshots: what it did when a step here fails.
  t.teardown(() => fs.writeFileSync(path.join(ARTIFACTS, 'ui-supd.log'), supd.output));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) errors.push(m.text());
  });
  const base = `http://127.0.0.1:${port}/ui/`;

  await t.test('loads with the token from the fragment, lists every unit, stays small', async (t) => {
    const started = Date.now();
    const response = await page.goto(`${base}#token=${operator}`);
    t.match(response?.headers()['content-security-policy'], /default-src 'none'; script-src 'self'/);
    for (const u of ['vdp', 'aux_1', 'aux_2', 'noisy']) await waitShown(page, u, 'ready');
    const listed = Date.now() - started;
    t.notMatch(page.url(), /token/, 'the token left the address bar');
    t.equal(await page.evaluate('sessionStorage.getItem("supd.token")'), operator, 'kept in this tab\'s sessionStorage');
    t.equal((await page.context().cookies()).length, 0, 'no cookie');
    const nav = await page.evaluate<{ load: number; dom: number; assets: { name: string; size: number }[] }>(`(() => {
      const n = performance.getEntriesByType('navigation')[0];
      const assets = performance.getEntriesByType('resource');
      return {
        load: n.loadEventEnd - n.startTime,
        dom: n.domContentLoadedEventEnd - n.startTime,
        assets: assets.filter((r) => /\\/ui\\/.*\\.(js|css)$/.test(r.name)).map((r) => ({ name: r.name, size: r.decodedBodySize })),
      };
    })()`);
    const size = nav.assets.reduce((n, a) => n + a.size, 0);
    t.ok(nav.assets.some((a) => /\/ui\/[\w-]+\/app\.js$/.test(a.name)) && nav.assets.some((a) => /\/ui\/[\w-]+\/app\.css$/.test(a.name)), 'script and stylesheet from supd');
    t.ok(size > 0 && size < 100_000, `JavaScript and CSS total ${size} bytes (< 100 kB)`);
    t.comment(`page: DOMContentLoaded ${nav.dom.toFixed(0)} ms, load ${nav.load.toFixed(0)} ms, every unit ready on screen ${listed} ms after goto; JS+CSS ${size} bytes`);
    t.equal(await page.locator('#conn').textContent(), 'live');
    // Were markup ever to slip in, the CSP would still stop it: an inline script does not run.
    await page.evaluate(`(() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = 1'; document.body.append(s); s.remove(); })()`);
    t.equal(await page.evaluate('typeof window.inlineRan'), 'undefined', 'the CSP blocks inline script');
  });

  await t.test('a unit\'s log holding <script> is shown as text', async (t) => {
    await waitPage(page, `(document.querySelector('tr.unit[data-unit="noisy"] + tr.tail .log-tail')?.textContent ?? '').includes('<script>')`, 'the noisy log tail');
    t.match(await page.locator('tr.unit[data-unit="noisy"] + tr.tail .log-tail').textContent(), EVIL);
    t.equal(await page.evaluate('typeof window.pwned'), 'undefined', 'nothing ran');
    t.equal(await page.evaluate('document.querySelectorAll("script").length'), 1, 'no script element added');
    t.equal(await page.evaluate('document.querySelectorAll("img").length'), 0, 'no element from the log');
  });

  await t.test('a rollout started through the API shows its steps turning ok live', async (t) => {
    // Every step state the page shows is recorded in the page itself, as it happens.
    await page.evaluate('window.marker = 1');
    await recordSteps(page, '.rollout .step');
    const from = supd.events.length;
    const r = await supd.api('POST', '/v1/units/slaves/restart', JSON.stringify({ rolling: 'one-by-one', wait: false }));
    t.equal(r.status, 200, r.text);
    const id = (r.body as { rollout: { id: string } | null }).rollout?.id ?? '';
    t.ok(id !== '', 'the API names the rollout');
    await waitPage(page, `document.querySelector('.rollout[data-id="${id}"] .step[data-state="in-progress"]') !== null`, 'a step in progress');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-rollout.png'), fullPage: true });
    const end = await supd.waitEvent((e) => e.type === 'rollout' && e.rollout.id === id && e.rollout.state !== 'running', 'the rollout ends', from, 60_000);
    const ended = supd.events[end] as Extract<SupdEvent, { type: 'rollout' }>;
    t.equal(ended.rollout.state, 'ok', `the rollout ended ${JSON.stringify(ended.rollout)}`);
    await waitPage(page, `(() => {
      const steps = [...document.querySelectorAll('.rollout[data-id="${id}"] .step')];
      return steps.length === 2 && steps.every((s) => s.dataset.state === 'ok');
    })()`, 'both steps ok on the page');
    const seen = await page.evaluate<string[]>('window.seen');
    const mine = seen.filter((s) => s.startsWith(`${id} `)).map((s) => s.slice(id.length + 1));
    t.ok(mine.includes('aux_1 in-progress') && mine.includes('aux_2 pending'), `the page showed the rollout under way: ${mine.join(', ')}`);
    t.ok(mine.indexOf('aux_1 in-progress') < mine.indexOf('aux_1 ok') && mine.indexOf('aux_1 ok') < mine.indexOf('aux_2 ok'), 'then each step ok, in order');
    t.equal(await page.evaluate('window.marker'), 1, 'without a reload');
    t.equal(await page.locator(`.rollout[data-id="${id}"] .rollout-state`).textContent(), 'ok');
  });

  await t.test('a safe stop from the page with an operator token drains and stops the unit', async (t) => {
    const from = supd.events.length;
    await page.click('tr.unit[data-unit="aux_2"] button.act-safe-stop');
    await page.waitForSelector('#confirm:not([hidden])');
    t.match(await page.locator('#confirm-text').textContent(), /Safe stop aux_2\?/);
    await page.click('#confirm-yes');
    await supd.waitState('aux_2', 'draining', from);
    await supd.waitState('aux_2', 'inactive', from);
    await waitShown(page, 'aux_2', 'inactive');
    await waitPage(page, `document.querySelector('#notice')?.textContent === 'safe stop aux_2: done'`, 'the notice of the stop');
    t.pass('the page shows aux_2 inactive and the stop done');
  });

  await t.test('with a viewer token the same action is refused, visibly, and changes nothing', async (t) => {
    await page.click('#token-button');
    await page.fill('#token-input', viewer);
    await page.click('#token-form button[type="submit"]');
    await waitPage(page, `document.querySelector('#conn')?.textContent === 'live'`, 'live with the viewer token');
    await page.click('tr.unit[data-unit="aux_1"] button.act-safe-stop');
    await page.click('#confirm-yes');
    await page.waitForSelector('#notice.error');
    const text = await page.locator('#notice').textContent();
    t.match(text, /^refused: safe stop aux_1: role viewer may not POST/);
    t.equal(await page.locator('#notice').getAttribute('role'), 'alert');
    t.equal((await supd.unit('aux_1')).state, 'ready', 'aux_1 still ready');
    t.equal(await shownState(page, 'aux_1'), 'ready');
  });

  await t.test('supd going away shows a banner; the page recovers by itself', async (t) => {
    await supd.stop();
    await page.waitForSelector('#banner:not([hidden])', { timeout: 30_000 });
    t.match(await page.locator('#banner').textContent(), /supd is unreachable .* Retrying in \d+s/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-offline.png') });
    try {
      await supd.start();
    } catch (e) {
      throw new Error(`${(e as Error).message}; supd said: ${supd.output.slice(-2000)}`);
    }
    for (const u of ['vdp', 'aux_1']) await supd.waitState(u, 'ready');
    await page.waitForSelector('#banner[hidden]', { state: 'attached', timeout: 30_000 });
    await waitShown(page, 'vdp', 'ready');
    t.equal(await page.locator('#conn').textContent(), 'live');
  });

  // Left out: refused connections while supd was away, and the CSP refusing the test's own inline script.
  const unexpected = errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource|Executing inline script violates/.test(e));
  t.same(unexpected, [], 'no script errors on the page');
  await supd.stop();
  t.notOk(supd.output.includes(operator) || supd.output.includes(viewer), 'no token in supd\'s log');
});
