// The one place that turns anything thrown in a route into `{ "error": { "code", "message" } }`:
// SupdError keeps its code and status, schema failures name the field, the rest is SUPD_INTERNAL.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, SupdError, isSupdError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { ErrorBody } from './contract.js';

export function errorBody(code: ErrorCode, message: string, extra: { hint?: string | undefined; details?: unknown } = {}): ErrorBody {
  const error: ErrorBody['error'] = { code, message };
  if (extra.hint !== undefined) error.hint = extra.hint;
  if (extra.details !== undefined) error.details = extra.details;
  return { error };
}

export function sendSupdError(reply: FastifyReply, e: SupdError): FastifyReply {
  if (e.code === 'SUPD_UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="supd"');
  return reply.code(e.status).send(errorBody(e.code, e.message, { hint: e.hint, details: e.details }));
}

interface AjvLikeError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string | undefined;
  data?: unknown;
  parentSchema?: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const PART_NAMES: Record<string, string> = { querystring: 'query', body: 'body', params: 'params', headers: 'headers' };

/** One sentence naming the field, what it must be, and what was sent. */
export function describeValidation(context: string, first: AjvLikeError): string {
  const field = (PART_NAMES[context] ?? context) + first.instancePath.replaceAll('/', '.');
  const got = 'data' in first ? ` (got ${shown(first.data)})` : '';
  switch (first.keyword) {
    case 'additionalProperties': {
      const parent = first.parentSchema;
      const known = isRecord(parent) && isRecord(parent['properties']) ? Object.keys(parent['properties']) : [];
      const allowed = known.length > 0 ? `; known fields: ${known.join(', ')}` : '';
      return `${field} has an unknown field "${String(first.params['additionalProperty'])}"${allowed}`;
    }
    case 'required':
      return `${field}.${String(first.params['missingProperty'])} is required`;
    case 'enum': {
      const values = first.params['allowedValues'];
      const list = Array.isArray(values) ? values.map((v) => JSON.stringify(v)).join(', ') : '';
      return `${field} must be one of ${list}${got}`;
    }
    case 'type':
      return `${field} must be ${String(first.params['type'])}${got}`;
    default:
      return `${field} ${first.message ?? 'is invalid'}${got}`;
  }
}

function firstValidationError(e: unknown): { context: string; first: AjvLikeError } | null {
  if (!isRecord(e) || !Array.isArray(e['validation'])) return null;
  const first: unknown = e['validation'][0];
  if (!isRecord(first) || typeof first['keyword'] !== 'string') return null;
  const context = typeof e['validationContext'] === 'string' ? e['validationContext'] : 'request';
  return {
    context,
    first: {
      keyword: first['keyword'],
      instancePath: typeof first['instancePath'] === 'string' ? first['instancePath'] : '',
      params: isRecord(first['params']) ? first['params'] : {},
      message: typeof first['message'] === 'string' ? first['message'] : undefined,
      ...('data' in first ? { data: first['data'] } : {}),
      ...('parentSchema' in first ? { parentSchema: first['parentSchema'] } : {}),
    },
  };
}

/** The registered code for each status fastify's own errors carry; any other 4xx is a 400. */
const FRAMEWORK_CODES: Record<number, ErrorCode> = {
  404: 'SUPD_NOT_FOUND',
  413: 'SUPD_BODY_TOO_LARGE',
  415: 'SUPD_UNSUPPORTED_MEDIA_TYPE',
};

/** Fastify's own client errors (bad JSON, wrong media type, body too large, bad URL) as a
 * registered code whose status is the one answered. */
export function frameworkClientError(e: unknown): SupdError | null {
  if (!isRecord(e) || typeof e['code'] !== 'string' || !e['code'].startsWith('FST_')) return null;
  const status = e['statusCode'];
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  const message = typeof e['message'] === 'string' ? e['message'] : 'bad request';
  if (e['code'] === 'FST_ERR_CTP_INVALID_JSON_BODY') return new SupdError('SUPD_BAD_REQUEST', `malformed JSON body: ${message}`);
  if (e['code'] === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new SupdError('SUPD_UNSUPPORTED_MEDIA_TYPE', `${message}; supd takes application/json bodies`);
  }
  return new SupdError(FRAMEWORK_CODES[status] ?? 'SUPD_BAD_REQUEST', message);
}

export function handleError(e: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isSupdError(e)) {
    if (e.status >= 500) req.log.error({ err: e }, e.message);
    return sendSupdError(reply, e);
  }
  const invalid = firstValidationError(e);
  if (invalid !== null) {
    return reply.code(ErrorCodes.SUPD_BAD_REQUEST.status)
      .send(errorBody('SUPD_BAD_REQUEST', describeValidation(invalid.context, invalid.first)));
  }
  const client = frameworkClientError(e);
  if (client !== null) return sendSupdError(reply, client);
  req.log.error({ err: e }, 'unexpected error while handling a request');
  return reply.code(500).send(errorBody('SUPD_INTERNAL', `internal error while handling ${req.method} ${req.url}; see supd's log`));
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((e: unknown, req, reply) => handleError(e, req, reply));
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody('SUPD_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`)));
}
