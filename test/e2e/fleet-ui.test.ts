// The status page of a fleet, in a real browser: a private etcd, two supd hosts on loopback and
// Debian's headless Chromium on h1's page. What an operator sees: every host's units with their
// host; a unit started and stopped on h2 changing on the page without a reload; a fleet rollout
// driven by h2 with its HOST/UNIT steps turning ok; a restart of h2/x from h1's page and its log
// read from h2; etcd gone (its member stopped by pid): the fleet banner, this host's rows still
// live; etcd back: the banner gone and h2's rows live again; h2 stopped: its units unknown, its
// host unreachable. Screenshots go to .tap/artifacts/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, HAVE_CHROMIUM, launch, recordSteps, waitPage, waitShown } from './browser.js';
import { ETCD, EtcdCluster } from './etcd-cluster.js';
import { OPERATOR_TOKEN, startFleet } from './fleet-hosts.js';
import { assertBuilt, fixture, waitUntil } from './harness.js';

assertBuilt();
t.setTimeout(180_000);

const unit = (extra = ''): string => `command: ${fixture('sleeper.js')}\nready: {grace: 300ms}\n${extra}`;

const skip = ETCD === null ? 'etcd is not installed (apt-get install etcd-server)'
  : !HAVE_CHROMIUM ? `no ${CHROMIUM} (Debian package chromium)` : false;

/** The state the page shows for a row. */
function shownText(page: Page, key: string): Promise<string | null> {
  return page.evaluate<string | null>(`document.querySelector('tr.unit[data-unit="${key}"] .state')?.textContent ?? null`);
}

/** The text of a cell of the row of `key` (HOST/UNIT), or null without that row. */
function cell(page: Page, key: string, column: string): Promise<string | null> {
  return page.evaluate<string | null>(`document.querySelector('tr.unit[data-unit="${key}"] .c-${column}')?.textContent ?? null`);
}

t.test('the status page of a fleet', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supd-fleet-ui-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  // One member: stopping it is etcd gone for every host, as an operator would see it.
  const etcd = await new EtcdCluster(t, 1).start();
  const [h1, h2] = await startFleet(t, etcd, {
    h1: { web: unit() },
    h2: { x: unit(), idle: unit('autostart: false\n') },
  });
  if (h1 === undefined || h2 === undefined) throw new Error('two hosts');
  await Promise.all([h1.supd.waitState('web', 'ready'), h2.supd.waitState('x', 'ready')]);

  const { page } = await launch(t, dir);
  t.teardown(() => {
    fs.writeFileSync(path.join(ARTIFACTS, 'fleet-ui-h1.log'), h1.supd.output);
    fs.writeFileSync(path.join(ARTIFACTS, 'fleet-ui-h2.log'), h2.supd.output);
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });

  await t.test('h1\'s page lists the units of every host, with their host', async (t) => {
    await page.goto(`${h1.url}/ui/#token=${OPERATOR_TOKEN}`);
    await waitShown(page, 'h1/web', 'ready');
    await waitShown(page, 'h2/x', 'ready');
    await waitShown(page, 'h2/idle', 'inactive');
    t.same(await page.evaluate('[...document.querySelectorAll("#units-head th")].map((th) => th.textContent).slice(0, 3)'), ['Host', 'Unit', 'State']);
    t.same(await page.evaluate('[...document.querySelectorAll("tr.unit")].map((tr) => tr.dataset.unit)'), ['h1/web', 'h2/idle', 'h2/x'], 'by host, then unit');
    t.equal(await cell(page, 'h2/x', 'host'), 'h2');
    t.equal(await cell(page, 'h2/x', 'name'), 'x');
    t.equal(await cell(page, 'h1/web', 'host'), 'h1');
    const x = (await h2.supd.unit('x')).pid;
    t.equal(await cell(page, 'h2/x', 'pid'), String(x), 'h2/x with the pid it has on h2');
    t.match(await page.locator('#summary').textContent(), /^3 units on 2 hosts/);
    t.equal(await page.locator('#conn').textContent(), 'live');
    t.ok(await page.locator('#fleet-banner').isHidden(), 'no fleet banner while etcd answers');
  });

  await t.test('a unit started and stopped on h2 changes on h1\'s page live', async (t) => {
    await page.evaluate('window.marker = 1');
    const started = await h2.ctl('start', 'idle');
    t.equal(started.code, 0, started.stderr);
    await waitShown(page, 'h2/idle', 'ready');
    const stopped = await h2.ctl('stop', 'idle');
    t.equal(stopped.code, 0, stopped.stderr);
    await waitShown(page, 'h2/idle', 'inactive');
    t.equal(await page.evaluate('window.marker'), 1, 'without a reload');
  });

  await t.test('a fleet rollout driven by h2 shows its HOST/UNIT steps turning ok on h1\'s page', async (t) => {
    await recordSteps(page, '.rollout.fleet .step');
    const r = await h2.ctl('--json', '--fleet', 'restart', '--rolling', 'one-by-one', '--no-wait', 'h1/web', 'h2/x');
    t.equal(r.code, 0, r.stderr);
    const id = (JSON.parse(r.stdout) as { rollout: { id: string } }).rollout.id;
    await waitPage(page, `document.querySelector('.rollout.fleet[data-id="${id}"] .step[data-state="in-progress"]') !== null`, 'a step in progress');
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-ui-rollout.png'), fullPage: true });
    await waitPage(page, `(() => {
      const steps = [...document.querySelectorAll('.rollout.fleet[data-id="${id}"] .step')];
      return steps.length === 2 && steps.every((s) => s.dataset.state === 'ok');
    })()`, 'both steps ok on the page', 60_000);
    t.equal(await page.locator(`.rollout[data-id="${id}"] .rollout-state`).textContent(), 'ok');
    t.equal(await page.locator(`.rollout[data-id="${id}"] .rollout-driver`).textContent(), 'fleet, driven by h2');
    const seen = (await page.evaluate<string[]>('window.seen')).filter((s) => s.startsWith(`${id} `)).map((s) => s.slice(id.length + 1));
    t.ok(seen.includes('h1/web in-progress') && seen.includes('h2/x pending'), `the page showed the rollout under way: ${seen.join(', ')}`);
    t.ok(seen.indexOf('h1/web ok') < seen.indexOf('h2/x ok'), 'then each step ok, in order');
    await waitShown(page, 'h2/x', 'ready');
    await waitShown(page, 'h1/web', 'ready');
  });

  await t.test('restart of h2/x from h1\'s page with an operator token', async (t) => {
    const before = (await h2.supd.unit('x')).pid;
    const from = h2.supd.events.length;
    await page.click('tr.unit[data-unit="h2/x"] button.act-restart');
    await page.waitForSelector('#confirm:not([hidden])');
    t.match(await page.locator('#confirm-text').textContent(), /^Restart h2\/x\?$/);
    await page.click('#confirm-yes');
    await waitPage(page, `document.querySelector('#notice')?.textContent === 'restart h2/x: done'`, 'the notice of the restart');
    await h2.supd.waitEvent((e) => e.type === 'transition' && e.unit === 'x' && e.to === 'ready', 'x ready again on h2', from);
    const after = (await h2.supd.unit('x')).pid;
    t.not(after, before, 'x runs again on h2 with a new pid');
    await waitPage(page, `document.querySelector('tr.unit[data-unit="h2/x"] .c-pid')?.textContent === '${after}'`, 'the new pid on the page');
    await waitShown(page, 'h2/x', 'ready');
  });

  await t.test('h2/x selected on h1\'s page shows its log, read from h2', async (t) => {
    const pid = (await h2.supd.unit('x')).pid;
    await page.click('tr.unit[data-unit="h2/x"] .c-name button');
    await waitPage(page, `(document.querySelector('#log')?.textContent ?? '').includes('sleeper ${pid}')`, 'the log of h2/x');
    t.equal(await page.locator('#log-title').textContent(), 'Log of h2/x');
    t.ok(await page.evaluate('document.querySelector(\'tr.unit[data-unit="h2/x"]\').classList.contains("selected")'), 'its row selected');
  });

  await t.test('etcd gone: the fleet banner; this host\'s rows stay live', async (t) => {
    const stale = await cell(page, 'h2/x', 'pid');
    await etcd.kill(0);
    await page.waitForSelector('#fleet-banner:not([hidden])', { timeout: 30_000 });
    t.match(await page.locator('#fleet-banner-text').textContent(), /^Fleet: etcd is unreachable from h1\. This host's units below are live/);
    t.match(await page.locator('#fleet-banner-why').textContent(), /etcd/, 'with supd\'s reason');
    t.ok(await page.locator('#banner').isHidden(), 'supd itself is reachable: no supd banner');
    t.equal(await page.locator('#conn').textContent(), 'live');
    const stopped = await h1.ctl('stop', 'web');
    t.equal(stopped.code, 0, stopped.stderr);
    await waitShown(page, 'h1/web', 'inactive');
    const started = await h1.ctl('start', 'web');
    t.equal(started.code, 0, started.stderr);
    await waitShown(page, 'h1/web', 'ready');
    t.equal(await cell(page, 'h1/web', 'pid'), String((await h1.supd.unit('web')).pid), 'h1/web live, with its new pid');
    t.equal(await cell(page, 'h2/x', 'pid'), stale, 'h2/x as last known');
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-ui-etcd-down.png'), fullPage: true });
  });

  await t.test('etcd back: the banner goes, other hosts are live again', async (t) => {
    etcd.restart(0);
    await etcd.healthy();
    await page.waitForSelector('#fleet-banner[hidden]', { state: 'attached', timeout: 30_000 });
    // Nothing of h2 is seen on h1's page but through etcd.
    await waitUntil(async () => (await h2.ctl('--fleet', 'status')).code === 0, 'h2 back in the fleet');
    const started = await h2.ctl('start', 'idle');
    t.equal(started.code, 0, started.stderr);
    await waitShown(page, 'h2/idle', 'ready');
    await waitShown(page, 'h2/x', 'ready');
    t.equal(await page.locator('#conn').textContent(), 'live');
  });

  await t.test('h2 stopped: its units turn unknown on h1\'s page, its host unreachable', async (t) => {
    // Leaving h2/x's log aborts the stream h1 relayed from h2.
    await page.click('tr.unit[data-unit="h1/web"] .c-name button');
    await waitPage(page, `document.querySelector('#log-title')?.textContent === 'Log of h1/web'`, 'h1/web selected');
    // That abort left h2 a connection without a request, which its shutdown once waited on for 60 s.
    t.equal(await h2.supd.stop(), 0, 'h2 exits 0 on SIGTERM');
    await waitShown(page, 'h2/x', 'unknown');
    await waitShown(page, 'h2/idle', 'unknown');
    t.ok(await page.evaluate('document.querySelector(\'tr.unit[data-unit="h2/x"]\').classList.contains("h-unreachable")'), 'its host shown unreachable');
    t.match(await page.locator('#summary').textContent(), /on 2 hosts \(1 unreachable\)/);
    t.equal(await shownText(page, 'h1/web'), 'ready', 'h1/web still ready');
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-ui-host-down.png'), fullPage: true });
  });

  // Left out: failed loads (the fleet stream breaking while etcd was away is the banner's business).
  t.same(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no script errors on the page');
});
