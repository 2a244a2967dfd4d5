// Debian's headless Chromium driven by playwright-core (no browser download), for the status page
// tests: a persistent profile in the test's temp dir, everything of the browser killed by pid in
// the teardown, and polling of page expressions through the DevTools protocol.
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { alive, descendants, ROOT, waitUntil } from './harness.js';

type Tap = { teardown(fn: () => unknown): void };

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
export const ARTIFACTS = path.join(ROOT, '.tap', 'artifacts');
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Starts Chromium with a profile under `dir`; closed (and whatever is left of it killed) at teardown. */
export async function launch(t: Tap, dir: string): Promise<{ context: BrowserContext; page: Page }> {
  const { chromium } = await import('playwright-core');
  const profile = path.join(dir, 'profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 900 },
  });
  t.teardown(async () => {
    const before = descendants(process.pid);
    await context.close().catch(() => undefined);
    for (const pid of before.filter(alive)) {
      try {
        if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(profile)) process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** Polls an expression in the page until it is truthy. The code is text (this file is compiled
 * for Node, without the DOM's types) and evaluated through the DevTools protocol, because the
 * page's own CSP rightly forbids the eval that playwright's in-page polling would need. */
export async function waitPage(page: Page, expression: string, what: string, timeoutMs = 30_000): Promise<void> {
  await waitUntil(async () => Boolean(await page.evaluate(expression)), what, timeoutMs);
}

/** Waits until the page shows `unit` (a row key: NAME, or HOST/NAME in a fleet) in `state`. */
export async function waitShown(page: Page, unit: string, state: string, timeoutMs = 30_000): Promise<void> {
  await waitPage(page, `document.querySelector('tr.unit[data-unit="${unit}"] .state')?.textContent === ${JSON.stringify(state)}`, `${unit} ${state} on the page`, timeoutMs);
}

/** Records in the page itself, as they happen, each rollout step state it shows (`window.seen`:
 * "ROLLOUT-ID UNIT STATE", in order, each once) for the steps under `steps` (a CSS selector). */
export async function recordSteps(page: Page, steps: string): Promise<void> {
  await page.evaluate(`(() => {
    window.seen = [];
    const record = () => {
      for (const li of document.querySelectorAll(${JSON.stringify(steps)})) {
        const entry = li.closest('.rollout').dataset.id + ' ' + li.dataset.unit + ' ' + li.dataset.state;
        if (!window.seen.includes(entry)) window.seen.push(entry);
      }
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  })()`);
}
