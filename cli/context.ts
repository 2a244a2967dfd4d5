// What a supctl command receives (where to write, the environment, --json, a client made on first
// use: validate never needs one), the shape every cli/commands/<name>.ts exports, the global
// options, and the single mapping from whatever went wrong to a message and an exit code, shared by
// the fast path (cli/fast.ts) and the full program (cli/full.ts).
import type { Command, OptionValues } from 'commander';
import { defaultSocketPath, defaultStateDir } from '../config/defaults.js';
import { isSupdError, SupdError } from '../daemon/errors.js';
import type { ErrorBody, UnitStatus } from '../daemon/api/contract.js';
import { Client, parseHost, type Endpoint } from './client.js';
import { failureReport, json } from './render.js';

export interface Context {
  json: boolean;
  /** --fleet: the command is about the whole fleet (HOST/UNIT targets, every host's status). */
  fleet: boolean;
  /** Made on first use, from --socket / --host / --token / the environment. */
  client(): Client;
  out: (text: string) => void;
  err: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (validate's DIR, diagnostics' files) are taken from here. */
  cwd: string;
  /** The width to fit tables to, or null (a pipe: full lines). */
  width: number | null;
  /** Colours: stdout is a terminal and NO_COLOR is not set. */
  color: boolean;
}

export interface CommandModule<A> {
  name: string;
  description: string;
  /** Adds the command's arguments and options. */
  configure(cmd: Command): void;
  /** Commander's operands and options to the command's typed arguments. */
  parse(operands: readonly string[], opts: OptionValues): A;
  /** Resolves with the exit code; throws SupdError for failures main renders the same way for all. */
  run(args: A, ctx: Context): Promise<number>;
}

/** A command with its argument type closed over, so commands of different types share one list. */
export interface CommandEntry {
  name: string;
  description: string;
  /** Left out of help (completion's helpers). */
  hidden: boolean;
  configure(cmd: Command): void;
  execute(operands: readonly string[], opts: OptionValues, ctx: Context): Promise<number>;
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  version: string;
  /** Present when stdout is a terminal. */
  terminal?: { columns: number };
}

export interface GlobalOptions {
  socket?: string;
  host?: string;
  token?: string;
  json?: boolean;
  /** Fleet commands: status of every host's units, HOST/UNIT targets. */
  fleet?: boolean;
}

/** Where to talk to supd: --host (with its token) or the unix socket: --socket, SUPD_SOCKET, then
 * the variables supd itself reads (SUPD_API_SOCKET, SUPD_STATE_DIR), then supd's default. */
export function endpointFrom(opts: GlobalOptions, env: Io['env']): { endpoint: Endpoint; token: string | null } {
  if (opts.host !== undefined && opts.socket !== undefined) {
    throw new SupdError('SUPD_USAGE', '--socket and --host exclude each other: pick one');
  }
  if (opts.host !== undefined) {
    return { endpoint: { kind: 'url', url: parseHost(opts.host) }, token: opts.token ?? (env['SUPCTL_TOKEN'] || null) };
  }
  const socket = opts.socket ?? (env['SUPD_SOCKET'] || env['SUPD_API_SOCKET'] || defaultSocketPath(env['SUPD_STATE_DIR'] || defaultStateDir(env)));
  return { endpoint: { kind: 'socket', path: socket }, token: null };
}

function isFailures(v: unknown): v is { failures: { unit: string; reason: string; logTail: string[] }[] } {
  return typeof v === 'object' && v !== null && 'failures' in v && Array.isArray(v.failures);
}

/** Prints a SupdError the same way for every command and returns its exit code. */
export function reportError(e: SupdError, ctx: Pick<Context, 'json' | 'out' | 'err'>): number {
  if (ctx.json) {
    const error: ErrorBody['error'] = { code: e.code, message: e.message };
    if (e.hint !== undefined) error.hint = e.hint;
    if (e.details !== undefined) error.details = e.details;
    ctx.out(json({ error }));
  }
  ctx.err(`supctl: ${e.message}\n`);
  if (e.hint !== undefined) ctx.err(`hint: ${e.hint}\n`);
  if (!ctx.json && isFailures(e.details)) ctx.err(failureReport(e.details.failures));
  return e.exitCode;
}

/** supctl's context: where to write, and a client made on first use from the global options. */
export function makeContext(opts: () => GlobalOptions, io: Io): Context {
  let client: Client | null = null;
  return {
    get json() {
      return opts().json === true;
    },
    get fleet() {
      return opts().fleet === true;
    },
    client() {
      client ??= new Client(endpointFrom(opts(), io.env));
      return client;
    },
    out: io.stdout,
    err: io.stderr,
    env: io.env,
    cwd: io.cwd,
    width: outputWidth(io),
    color: io.terminal !== undefined && (io.env['NO_COLOR'] ?? '') === '' && io.env['TERM'] !== 'dumb',
  };
}

/** COLUMNS when set (also into a pipe: `COLUMNS=80 supctl status | less`), else the terminal's
 * width; null (no fitting) into a pipe or a file. */
function outputWidth(io: Io): number | null {
  const env = Number(io.env['COLUMNS'] ?? '');
  if (Number.isInteger(env) && env > 0) return env;
  return io.terminal?.columns ?? null;
}

/** An unknown unit or group named by supd (start, stop, show, logs…): with the names it knows
 * that are close to it, as the hint. Any other error, or no supd to ask, is left as it is. */
export async function withSuggestion(e: unknown, ctx: Context): Promise<unknown> {
  if (!isSupdError(e) || e.code !== 'SUPD_UNKNOWN_TARGET') return e;
  const name = /named "([^"]+)"/.exec(e.message)?.[1];
  if (name === undefined || e.hint?.startsWith('did you mean') === true) return e;
  try {
    const { didYouMean, targetNames } = await import('./render.js');
    const body = await ctx.client().getJson<{ units: UnitStatus[] }>('/v1/units');
    const close = didYouMean(name, targetNames(body.units));
    if (close.length === 0) return e;
    return new SupdError(e.code, e.message, { hint: `did you mean ${close.map((c) => `"${c}"`).join(' or ')}?`, details: e.details });
  } catch {
    return e;
  }
}

/** A failure that escaped a command: a SupdError as its exit code, anything else as a bug (1). */
export function failed(e: unknown, ctx: Context, io: Io): number {
  if (isSupdError(e)) return reportError(e, ctx);
  io.stderr(`supctl: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
}
