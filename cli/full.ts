// supctl's full command line: global options, one commander subcommand per cli/commands module,
// help, version and usage errors (exit 2). cli/program.ts sends here what cli/fast.ts does not take.
import { Command, CommanderError } from 'commander';
import type { CommandModule, Context } from './context.js';
import { failed, makeContext, type GlobalOptions, type Io } from './program.js';
import * as health from './commands/health.js';
import * as kill from './commands/kill.js';
import * as logs from './commands/logs.js';
import * as reload from './commands/reload.js';
import * as restart from './commands/restart.js';
import * as rollouts from './commands/rollouts.js';
import * as show from './commands/show.js';
import * as start from './commands/start.js';
import * as status from './commands/status.js';
import * as stop from './commands/stop.js';
import * as top from './commands/top.js';
import * as validate from './commands/validate.js';

const EXIT_HELP = `
Exit codes: 0 done; 1 the operation failed; 2 usage error; 3 supd cannot be reached;
4 refused (authorisation, or another rollout in progress).
Environment: SUPD_SOCKET (default socket), SUPCTL_TOKEN (token for --host), SUPD_UNITS_DIR (validate).
`;

function register<A>(program: Command, mod: CommandModule<A>, ctx: Context, done: (code: number) => void): void {
  const cmd = program.command(mod.name).description(mod.description);
  mod.configure(cmd);
  cmd.action(async () => {
    done(await mod.run(mod.parse(cmd.args, cmd.opts()), ctx));
  });
}

export async function runFull(argv: readonly string[], io: Io): Promise<number> {
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
    .option('--fleet', 'act on the whole fleet: every host\'s units, HOST/UNIT targets')
    .addHelpText('after', EXIT_HELP)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(see supctl --help)')
    .exitOverride();

  const ctx = makeContext(() => program.opts<GlobalOptions>(), io);

  let code = 0;
  const done = (c: number): void => {
    code = c;
  };
  register(program, status, ctx, done);
  register(program, start, ctx, done);
  register(program, stop, ctx, done);
  register(program, restart, ctx, done);
  register(program, reload, ctx, done);
  register(program, kill, ctx, done);
  register(program, logs, ctx, done);
  register(program, show, ctx, done);
  register(program, rollouts, ctx, done);
  register(program, validate, ctx, done);
  register(program, health, ctx, done);
  register(program, top, ctx, done);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    // Commander has already printed its message (or the help, or the version).
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return failed(e, ctx, io);
  }
}
