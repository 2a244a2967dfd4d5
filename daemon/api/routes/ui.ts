// `/ui/`: the status page. Static files only, so no token is needed to load it (the API calls
// it makes need one); every file goes out with a strict Content-Security-Policy: scripts, styles,
// and connections to this origin only, no inline code, no frames, no forms posted anywhere.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SupdError } from '../../errors.js';
import { APP_CSS, ICON_SVG, INDEX_HTML } from '../ui/page.js';
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

interface Asset {
  body: string;
  type: string;
  etag: string;
}

function asset(body: string, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
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

export function uiRoutes(app: FastifyInstance, _deps: RouteDeps): void {
  const fixed = new Map<string, Asset>([
    ['', asset(INDEX_HTML, 'text/html; charset=utf-8')],
    ['app.css', asset(APP_CSS, 'text/css; charset=utf-8')],
    ['icon.svg', asset(ICON_SVG, 'image/svg+xml')],
  ]);
  let scripts: Promise<Map<string, Asset>> | null = null;

  const send = (req: FastifyRequest, reply: FastifyReply, a: Asset): FastifyReply => {
    void reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache', etag: a.etag });
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.type(a.type).send(a.body);
  };

  app.get('/ui', { config: { open: true } }, async (_req, reply) => reply.redirect('/ui/', 308));

  app.get<{ Params: { file: string } }>('/ui/:file', { config: { open: true } }, async (req, reply) => {
    const file = req.params.file;
    const found = fixed.get(file);
    if (found !== undefined) return send(req, reply, found);
    if (file.endsWith('.js')) {
      scripts ??= loadScripts().catch((e: unknown) => {
        scripts = null;
        throw e;
      });
      const script = (await scripts).get(file);
      if (script !== undefined) return send(req, reply, script);
    }
    reply.callNotFound();
    return reply;
  });
}
