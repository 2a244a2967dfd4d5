// supd's own log: one pino root logger (JSON lines, stdout unless a destination is injected)
// and a child per unit. Secrets that could reach a log line (bearer tokens) are redacted.
// Writes are synchronous: supd logs little, and the lines just before exit must not be lost.
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from '../config/schema.js';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  /** Where the JSON lines go; stdout when absent. Tests pass a stream they can read. */
  destination?: DestinationStream;
}

/** Paths whose values never reach the log: the API's Authorization header and any token field. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  'tokens',
  '*.tokens',
];

export function createLogger(opts: LoggerOptions): Logger {
  const options = { level: opts.level, name: 'supd', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return opts.destination ? pino(options, opts.destination) : pino(options, pino.destination({ fd: 1, sync: true }));
}

export function unitLogger(root: Logger, unit: string): Logger {
  return root.child({ unit });
}
