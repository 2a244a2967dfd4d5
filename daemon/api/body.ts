// Request bodies: JSON only, uncompressed UTF-8, at most MAX_BODY_BYTES and MAX_BODY_DEPTH deep.
// The depth is checked by a linear scan before JSON.parse, so a body nested ten thousand deep costs
// one pass over 64 KB and never reaches a recursive step (prototype-poisoning scan, validation).
import type { FastifyInstance } from 'fastify';
import { SupdError } from '../errors.js';

/** Every body supd takes is a small flat object; 64 KB leaves room for long target lists. */
export const MAX_BODY_BYTES = 64 * 1024;
/** supd's bodies nest 2 levels at most (an object holding lists); 16 leaves room for growth. */
export const MAX_BODY_DEPTH = 16;

/** The offset of the bracket that opens level `limit + 1`, or null when the text stays within
 * `limit`. Brackets inside strings do not count. */
export function depthPast(text: string, limit: number): number | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return null;
}

export function installJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (req, body, done) => {
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      done(new SupdError('SUPD_UNSUPPORTED_MEDIA_TYPE', `request bodies are not compressed here (content-encoding: ${encoding}); send plain JSON`), undefined);
      return;
    }
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(new SupdError('SUPD_UNSUPPORTED_MEDIA_TYPE', `request bodies are UTF-8 JSON, not charset ${charset}`), undefined);
      return;
    }
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const past = depthPast(text, MAX_BODY_DEPTH);
    if (past !== null) {
      done(new SupdError('SUPD_BAD_REQUEST', `JSON body nested deeper than ${MAX_BODY_DEPTH} levels (at character ${past + 1}); supd's bodies are flat objects`), undefined);
      return;
    }
    void parse(req, text, done);
  });
}
