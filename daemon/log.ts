// supd's own log: one pino root logger and a child per unit. Secrets that could reach a log line
// (bearer tokens) are redacted. Writes are synchronous: supd logs little, and the lines just
// before exit must not be lost. Three forms of the same lines, chosen by where stdout goes:
// - json: pino's JSON lines (a file, a pipe, a log shipper);
// - journal: the same JSON lines prefixed with `<N>`, the syslog priority of the level, when
//   JOURNAL_STREAM names stdout (systemd), so `journalctl -p err` and its colours work;
// - pretty: `15:04:05.123 INFO  message  key=value` on a terminal, coloured unless NO_COLOR.
// The pretty form is a few lines here rather than pino-pretty: one fixed layout needs none of its
// options, and pino-pretty brings a dozen packages and (as a transport) a worker thread.
import fs from 'node:fs';
import tty from 'node:tty';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from '../config/schema.js';

export type { Logger };

export type LogFormat = 'json' | 'journal' | 'pretty';

export interface LoggerOptions {
  level: LogLevel;
  /** Where the lines go; stdout when absent. Tests pass a stream they can read. */
  destination?: DestinationStream;
  /** json when absent. */
  format?: LogFormat;
  /** Colours in the pretty form. */
  color?: boolean;
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

/** The form for file descriptor `fd` (stdout): journal when systemd's JOURNAL_STREAM
 * (`DEVICE:INODE`) is that very file, pretty on a terminal, JSON otherwise. */
export function logFormat(env: Readonly<Record<string, string | undefined>>, fd = 1): LogFormat {
  const journal = env['JOURNAL_STREAM'];
  if (journal !== undefined && journal !== '') {
    try {
      const st = fs.fstatSync(fd);
      if (journal === `${st.dev}:${st.ino}`) return 'journal';
    } catch {
      // a closed fd: not the journal
    }
  }
  return tty.isatty(fd) ? 'pretty' : 'json';
}

/** Colours for a terminal unless NO_COLOR is set (https://no-color.org: any non-empty value). */
export function useColor(env: Readonly<Record<string, string | undefined>>, fd = 1): boolean {
  return (env['NO_COLOR'] ?? '') === '' && env['TERM'] !== 'dumb' && tty.isatty(fd);
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** pino level → syslog priority (sd-daemon(3)): fatal 2 crit, error 3, warn 4 warning, info 6, debug/trace 7. */
const PRIORITY: Record<number, number> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };
const LEVEL_COLOR: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '1;31' };
const LEADING_LEVEL = /^\{"level":(\d+)/;

/** A JSON line with its `<N>` journald priority in front. */
export function journalLine(line: string): string {
  const m = LEADING_LEVEL.exec(line);
  return `<${PRIORITY[Number(m?.[1] ?? 30)] ?? 6}>${line}`;
}

/** Keys every line has, shown by the layout itself (or not at all). */
const OWN_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'err']);

function clock(time: unknown): string {
  const d = new Date(typeof time === 'number' ? time : Date.now());
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function shown(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One JSON line as a human reads it: time, level, message, then the keys the message does not
 * already say. An error shows its message; its stack only when it is not one of supd's own. */
export function prettyLine(line: string, color: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const paint = (code: string, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const level = typeof rec['level'] === 'number' ? rec['level'] : 30;
  const msg = typeof rec['msg'] === 'string' ? rec['msg'] : '';
  const extras: string[] = [];
  for (const [key, value] of Object.entries(rec)) {
    if (OWN_KEYS.has(key) || value === null || value === undefined) continue;
    if ((typeof value === 'string' || typeof value === 'number') && msg.includes(String(value))) continue;
    extras.push(`${paint('2', `${key}=`)}${shown(value)}`);
  }
  const head = `${paint('2', clock(rec['time']))} ${paint(LEVEL_COLOR[level] ?? '0', (LEVEL_NAMES[level] ?? String(level)).padEnd(5))} ${msg}`;
  const out = [extras.length === 0 ? head : `${head}  ${extras.join(' ')}`];
  const err = rec['err'];
  if (typeof err === 'object' && err !== null) {
    const e = err as { type?: unknown; message?: unknown; stack?: unknown };
    if (typeof e.message === 'string' && !msg.includes(e.message)) out.push(`    ${e.message}`);
    if (e.type !== 'SupdError' && typeof e.stack === 'string') out.push(...e.stack.split('\n').slice(1).map((l) => `  ${l.trim() === '' ? '' : paint('2', l)}`));
  }
  return `${out.join('\n')}\n`;
}

export function createLogger(opts: LoggerOptions): Logger {
  const options = { level: opts.level, name: 'supd', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  const sink: DestinationStream = opts.destination ?? pino.destination({ fd: 1, sync: true });
  const format = opts.format ?? 'json';
  if (format === 'json') return pino(options, sink);
  const color = opts.color === true;
  const transform = format === 'journal' ? journalLine : (line: string) => prettyLine(line, color);
  return pino(options, { write: (line: string) => sink.write(transform(line)) });
}

export function unitLogger(root: Logger, unit: string): Logger {
  return root.child({ unit });
}
