// The one error class of supd and the registry of its codes. Pure: the CLI imports it too.
// Every code maps to an HTTP status and a CLI exit code, so the API and supctl agree.

export const ErrorCodes = {
  SUPD_BAD_REQUEST: { status: 400, exit: 2 },
  SUPD_UNKNOWN_TARGET: { status: 404, exit: 1 },
  SUPD_UNKNOWN_ROLLOUT: { status: 404, exit: 1 },
  SUPD_UNAUTHORIZED: { status: 401, exit: 4 },
  SUPD_FORBIDDEN: { status: 403, exit: 4 },
  SUPD_CONFLICT: { status: 409, exit: 4 },
  SUPD_OPERATION_FAILED: { status: 500, exit: 1 },
  SUPD_INVALID_UNITS: { status: 422, exit: 1 },
  SUPD_SHUTTING_DOWN: { status: 503, exit: 1 },
  SUPD_INTERNAL: { status: 500, exit: 1 },
  SUPD_UNREACHABLE: { status: 503, exit: 3 },
  /** etcd (the fleet's store) or the owning host cannot be reached: fleet commands only. */
  SUPD_FLEET_UNAVAILABLE: { status: 503, exit: 3 },
  /** A fleet command asked of a supd that runs without fleet.etcd. */
  SUPD_NO_FLEET: { status: 400, exit: 2 },
  SUPD_USAGE: { status: 400, exit: 2 },
  SUPD_CONFIG: { status: 500, exit: 78 },
  /** No such route (or method) in the API. */
  SUPD_NOT_FOUND: { status: 404, exit: 2 },
  /** A request body past the API's size limit. */
  SUPD_BODY_TOO_LARGE: { status: 413, exit: 2 },
  /** A body that is not JSON, or is compressed or in another charset. */
  SUPD_UNSUPPORTED_MEDIA_TYPE: { status: 415, exit: 2 },
  /** A unit's health check while it is not ready (the 503 a load balancer reads). */
  SUPD_UNIT_NOT_READY: { status: 503, exit: 1 },
} as const satisfies Record<string, { status: number; exit: number }>;

export type ErrorCode = keyof typeof ErrorCodes;

export interface SupdErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable detail sent in the error body (e.g. the failed units). */
  details?: unknown;
}

export class SupdError extends Error {
  override readonly name = 'SupdError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, opts: SupdErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  get status(): number {
    return ErrorCodes[this.code].status;
  }

  get exitCode(): number {
    return ErrorCodes[this.code].exit;
  }
}

export function isSupdError(e: unknown): e is SupdError {
  return e instanceof SupdError;
}
