// supctl's command line: global options, one commander subcommand per cli/commands module, and the
// single mapping from whatever went wrong to a message and an exit code (0 done, 1 failed,
// 2 usage, 3 unreachable, 4 refused).
import { Command, CommanderError } from 'commander';
import { defaultSocketPath, defaultStateDir } from '../config/defaults.js';
import { isSupdError, SupdError } from '../daemon/errors.js';
import type { ErrorBody } from '../daemon/api/contract.js';
import { Client, parseHost } from './client.js';
import type { Endpoint } from './client.js';
import type { CommandModule, Context } from './context.js';
import { failureReport, json } from './render.js';
import * as health from './commands/health.js';
import * as logs from './commands/logs.js';
import * as reload from './commands/reload.js';
import * as restart from './commands/restart.js';
import * as show from './commands/show.js';
import * as start from './commands/start.js';
import * as status from './commands/status.js';
import * as stop from './commands/stop.js';
import * as validate from './commands/validate.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  version: string;
}

export interface GlobalOptions {
  socket?: string;
  host?: string;
  token?: string;
  json?: boolean;
}

const EXIT_HELP = `
Exit codes: 0 done; 1 the operation failed; 2 usage error; 3 supd cannot be reached;
4 refused (authorisation, or another rollout in progress).
Environment: SUPD_SOCKET (default socket), SUPCTL_TOKEN (token for --host), SUPD_UNITS_DIR (validate).
`;

/** Where to talk to supd: --host (with its token) or the unix socket. */
export function endpointFrom(opts: GlobalOptions, env: Io['env']): { endpoint: Endpoint; token: string | null } {
  if (opts.host !== undefined && opts.socket !== undefined) {
    throw new SupdError('SUPD_USAGE', '--socket and --host exclude each other: pick one');
  }
  if (opts.host !== undefined) {
    return { endpoint: { kind: 'url', url: parseHost(opts.host) }, token: opts.token ?? (env['SUPCTL_TOKEN'] || null) };
  }
  const socket = opts.socket ?? (env['SUPD_SOCKET'] || defaultSocketPath(defaultStateDir(env)));
  return { endpoint: { kind: 'socket', path: socket }, token: null };
}

function register<A>(program: Command, mod: CommandModule<A>, ctx: Context, done: (code: number) => void): void {
  const cmd = program.command(mod.name).description(mod.description);
  mod.configure(cmd);
  cmd.action(async () => {
    done(await mod.run(mod.parse(cmd.args, cmd.opts()), ctx));
  });
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

export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const program = new Command('supctl');
  program
    .description('the command-line client of supd, the supervisor daemon')
    .usage('[--socket PATH | --host URL --token TOKEN] [--json] COMMAND')
    .version(io.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help (every command has --help too)')
    .option('--socket <path>', 'supd\'s unix socket (default: $SUPD_SOCKET or <stateDir>/supd.sock)')
    .option('--host <url>', 'talk to supd over TCP instead, e.g. http://10.0.0.5:7878')
    .option('--token <token>', 'bearer token for --host (default: $SUPCTL_TOKEN)')
    .option('--json', 'print JSON for scripts')
    .addHelpText('after', EXIT_HELP)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(see supctl --help)')
    .exitOverride();

  let client: Client | null = null;
  const opts = (): GlobalOptions => program.opts<GlobalOptions>();
  const ctx: Context = {
    get json() {
      return opts().json === true;
    },
    client() {
      client ??= new Client(endpointFrom(opts(), io.env));
      return client;
    },
    out: io.stdout,
    err: io.stderr,
    env: io.env,
    cwd: io.cwd,
  };

  let code = 0;
  const done = (c: number): void => {
    code = c;
  };
  register(program, status, ctx, done);
  register(program, start, ctx, done);
  register(program, stop, ctx, done);
  register(program, restart, ctx, done);
  register(program, reload, ctx, done);
  register(program, logs, ctx, done);
  register(program, show, ctx, done);
  register(program, validate, ctx, done);
  register(program, health, ctx, done);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    // Commander has already printed its message (or the help, or the version).
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isSupdError(e)) return reportError(e, ctx);
    io.stderr(`supctl: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
