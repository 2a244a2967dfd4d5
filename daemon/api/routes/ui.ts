// `/ui/`: the status page. Static files only, so no token is needed to load it (the API calls
// it makes need one); every file goes out with a strict Content-Security-Policy: scripts, styles,
// and connections to this origin only, no inline code, no frames, no forms posted anywhere.
//
// The page refers to its files as `/ui/<version>/FILE`, the version a hash of all of them: those
// are cached for good (`immutable`), so a reload asks supd for the page only (revalidated by its
// etag) and an upgraded supd's page names new URLs. `/ui/FILE` serves the same files, revalidated
// each time (for curl and scripts that want them by a fixed name).
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SupdError } from '../../errors.js';
import { APP_CSS, ICON_SVG, indexHtml } from '../ui/page.js';
import type { RouteDeps } from './deps.js';

export const UI_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const;

const REVALIDATE = 'no-cache';
const FOREVER = 'public, max-age=31536000, immutable';

interface Asset {
  body: string;
  type: string;
  etag: string;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function asset(body: string, type: string): Asset {
  return { body, type, etag: `"${digest(body).slice(0, 22)}"` };
}

/** The page's files by name, the version naming them all, and the page that refers to them. */
interface Site {
  files: Map<string, Asset>;
  version: string;
  index: Asset;
}

/** The compiled page script: beside this module in dist/, or dist/ seen from the sources (tests). */
const SCRIPT_DIRS = [new URL('../ui/app/', import.meta.url), new URL('../../../dist/daemon/api/ui/app/', import.meta.url)];

async function loadScripts(): Promise<Map<string, Asset>> {
  for (const dir of SCRIPT_DIRS) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => /^[a-z][a-z0-9-]*\.js$/.test(n));
    } catch {
      continue;
    }
    if (!names.includes('app.js')) continue;
    const out = new Map<string, Asset>();
    for (const n of names) out.set(n, asset(await readFile(new URL(n, dir), 'utf8'), 'text/javascript; charset=utf-8'));
    return out;
  }
  throw new SupdError('SUPD_INTERNAL', `the status page's script is missing (looked in ${SCRIPT_DIRS.map((d) => fileURLToPath(d)).join(', ')})`, {
    hint: 'run npm run build',
  });
}

/** Every module `from` reaches, by the static imports in its compiled text (type imports are gone). */
function importsOf(scripts: ReadonlyMap<string, { body: string }>, from: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    for (const m of scripts.get(name)?.body.matchAll(/^import\s[^;]*?\bfrom\s+['"]\.\/([a-z0-9-]+\.js)['"]/gm) ?? []) {
      const dep = m[1] ?? '';
      if (seen.has(dep) || !scripts.has(dep)) continue;
      seen.add(dep);
      visit(dep);
    }
  };
  visit(from);
  return [...seen].sort();
}

async function loadSite(): Promise<Site> {
  const scripts = await loadScripts();
  const files = new Map<string, Asset>([
    ['app.css', asset(APP_CSS, 'text/css; charset=utf-8')],
    ['icon.svg', asset(ICON_SVG, 'image/svg+xml')],
    ...scripts,
  ]);
  const version = digest([...files].sort(([a], [b]) => a.localeCompare(b)).map(([n, a]) => `${n} ${a.etag}`).join('\n')).slice(0, 16);
  const index = asset(indexHtml(`/ui/${version}/`, importsOf(scripts, 'app.js')), 'text/html; charset=utf-8');
  return { files, version, index };
}

export function uiRoutes(app: FastifyInstance, _deps: RouteDeps): void {
  let site: Promise<Site> | null = null;
  const loaded = (): Promise<Site> => {
    site ??= loadSite().catch((e: unknown) => {
      site = null;
      throw e;
    });
    return site;
  };

  const send = (req: FastifyRequest, reply: FastifyReply, a: Asset, cache: string): FastifyReply => {
    void reply.headers({ ...SECURITY_HEADERS, 'cache-control': cache, etag: a.etag });
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.type(a.type).send(a.body);
  };

  app.get('/ui', { config: { open: true } }, async (_req, reply) => reply.redirect('/ui/', 308));

  app.get('/ui/', { config: { open: true } }, async (req, reply) => send(req, reply, (await loaded()).index, REVALIDATE));

  app.get<{ Params: { file: string } }>('/ui/:file', { config: { open: true } }, async (req, reply) => {
    const found = (await loaded()).files.get(req.params.file);
    if (found !== undefined) return send(req, reply, found, REVALIDATE);
    reply.callNotFound();
    return reply;
  });

  app.get<{ Params: { version: string; file: string } }>('/ui/:version/:file', { config: { open: true } }, async (req, reply) => {
    const { files, version } = await loaded();
    const found = req.params.version === version ? files.get(req.params.file) : undefined;
    if (found !== undefined) return send(req, reply, found, FOREVER);
    reply.callNotFound();
    return reply;
  });
}
