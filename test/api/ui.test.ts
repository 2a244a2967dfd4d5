// /ui/: static files served without a token, each with the strict CSP; unknown files 404; the API
// calls the page makes still need one. And the page's own view of the API types stays a subset
// of the contract (a compile-time check).
import t from 'tap';
import type { RolloutView, SupdEvent, UnitStatus } from '../../daemon/api/contract.js';
import { UI_CSP } from '../../daemon/api/routes/ui.js';
import type { FleetEvent } from '../../daemon/control.js';
import type { UiEvent, UiFleetEvent, UiRollout, UiUnit } from '../../daemon/api/ui/app/types.js';
import { bearer, server } from './helpers.js';

// The API's types must fit what the page reads: a rename in the contract fails here.
export type PageReadsTheContract = [
  UnitStatus extends UiUnit ? true : never,
  RolloutView extends UiRollout ? true : never,
  SupdEvent extends UiEvent ? true : never,
  FleetEvent extends UiFleetEvent ? true : never,
];

t.test('the fleet event stream the page reads: a supd without fleet.etcd says so (the page stays one host)', async (t) => {
  const { app } = server(t, undefined, { tcp: true });
  t.equal((await app.inject({ method: 'GET', url: '/v1/fleet/events' })).statusCode, 401, 'a token is needed');
  const res = await app.inject({ method: 'GET', url: '/v1/fleet/events', headers: bearer('viewer-token') });
  t.equal(res.statusCode, 400);
  t.match(JSON.parse(res.body), { error: { code: 'SUPD_NO_FLEET' } });
});

t.test('the page and its assets load without a token, with the strict CSP', async (t) => {
  const { app } = server(t, undefined, { tcp: true });
  for (const [url, type] of [['/ui/', 'text/html'], ['/ui/app.css', 'text/css'], ['/ui/app.js', 'text/javascript'], ['/ui/icon.svg', 'image/svg+xml']] as const) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200, `${url} ${res.body.slice(0, 200)}`);
    t.match(res.headers['content-type'], type);
    t.equal(res.headers['content-security-policy'], UI_CSP);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.equal(res.headers['referrer-policy'], 'no-referrer');
    const again = await app.inject({ method: 'GET', url, headers: { 'if-none-match': String(res.headers['etag']) } });
    t.equal(again.statusCode, 304, `${url} revalidates with its etag`);
  }
  t.match(UI_CSP, /default-src 'none'/);
  t.notMatch(UI_CSP, /unsafe/);
  const page = (await app.inject({ method: 'GET', url: '/ui/' })).body;
  t.notMatch(page, /https?:\/\/(?!www\.w3\.org)/, 'nothing loaded from elsewhere');
  t.notMatch(page, /<script>|\sstyle=|\son[a-z]+=/, 'no inline script, style or handler');
  const redirect = await app.inject({ method: 'GET', url: '/ui' });
  t.equal(redirect.statusCode, 308);
  t.equal(redirect.headers['location'], '/ui/');
});

t.test('the page names its files by a version: cached for good there, and every module preloaded', async (t) => {
  const { app } = server(t, undefined, { tcp: true });
  const page = (await app.inject({ method: 'GET', url: '/ui/' })).body;
  const base = /<script type="module" src="(\/ui\/[A-Za-z0-9_-]+\/)app\.js"><\/script>/.exec(page)?.[1] ?? '';
  t.not(base, '', 'app.js under /ui/<version>/');
  t.match(page, `<link rel="stylesheet" href="${base}app.css">`);
  t.match(page, `<link rel="icon" href="${base}icon.svg"`);
  for (const file of ['app.js', 'app.css', 'icon.svg']) {
    const res = await app.inject({ method: 'GET', url: `${base}${file}` });
    t.equal(res.statusCode, 200, `${base}${file}`);
    t.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', `${file} is cached for good`);
    t.equal(res.headers['content-security-policy'], UI_CSP);
    t.equal(res.body, (await app.inject({ method: 'GET', url: `/ui/${file}` })).body, `${file} is the same file as /ui/${file}`);
  }
  t.equal((await app.inject({ method: 'GET', url: '/ui/' })).headers['cache-control'], 'no-cache', 'the page itself is revalidated');
  t.equal((await app.inject({ method: 'GET', url: '/ui/app.js' })).headers['cache-control'], 'no-cache');
  t.equal((await app.inject({ method: 'GET', url: '/ui/0000000000000000/app.js' })).statusCode, 404, 'another version is not served');
  // Each module app.js imports is fetched beside it, not after app.js is compiled.
  const preloaded = [...page.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
  const imported: string[] = [];
  const walk = async (file: string): Promise<void> => {
    const body = (await app.inject({ method: 'GET', url: `${base}${file}` })).body;
    for (const m of body.matchAll(/\bfrom\s+['"]\.\/([a-z0-9-]+\.js)['"]/g)) {
      const dep = m[1] ?? '';
      if (imported.includes(dep)) continue;
      imported.push(dep);
      await walk(dep);
    }
  };
  await walk('app.js');
  t.ok(imported.length > 0, `app.js imports ${imported.join(', ')}`);
  t.same(preloaded.sort(), imported.map((m) => `${base}${m}`).sort(), 'every imported module, and only those, is preloaded');
});

t.test('the page\'s JavaScript and CSS, every module it imports included, total under 100 kB', async (t) => {
  const { app } = server(t, undefined, { tcp: true });
  const css = (await app.inject({ method: 'GET', url: '/ui/app.css' })).body;
  const seen = new Map<string, number>();
  const load = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    const res = await app.inject({ method: 'GET', url: `/ui/${file}` });
    t.equal(res.statusCode, 200, `/ui/${file}`);
    seen.set(file, Buffer.byteLength(res.body));
    for (const m of res.body.matchAll(/\bfrom\s+['"]\.\/([a-z0-9-]+\.js)['"]/g)) await load(m[1] ?? '');
  };
  await load('app.js');
  const total = Buffer.byteLength(css) + [...seen.values()].reduce((a, b) => a + b, 0);
  t.ok(seen.size >= 2, `app.js and its imports: ${[...seen.keys()].join(', ')}`);
  t.ok(total < 100_000, `JavaScript and CSS total ${total} bytes`);
});

t.test('unknown files are 404, and the API behind the page still asks for a token', async (t) => {
  const { app } = server(t, undefined, { tcp: true });
  for (const url of ['/ui/nope.js', '/ui/..%2f..%2fpackage.json', '/ui/types.ts']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url);
  }
  t.equal((await app.inject({ method: 'GET', url: '/v1/units' })).statusCode, 401);
  t.equal((await app.inject({ method: 'GET', url: '/v1/events', headers: bearer('nobody') })).statusCode, 401);
  t.equal((await app.inject({ method: 'POST', url: '/v1/units/db/stop', headers: bearer('viewer-token'), payload: {} })).statusCode, 403);
});
