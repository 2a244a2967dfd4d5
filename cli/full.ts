// supctl's full command line: global options, one commander subcommand per cli/commands module,
// help, version and usage errors (exit 2). cli/program.ts sends here what cli/fast.ts does not take.
import { Command, CommanderError } from 'commander';
import { failed, makeContext, withSuggestion, type CommandEntry, type Context, type GlobalOptions, type Io } from './context.js';
import { COMMANDS } from './commands/index.js';
import { addFlags, GLOBAL_FLAGS } from './flags.js';

const EXIT_HELP = `
Exit codes: 0 done; 1 the operation failed; 2 usage error; 3 supd cannot be reached;
4 refused (authorisation, or another rollout in progress).
Environment: SUPD_SOCKET (the socket; else SUPD_API_SOCKET, else $SUPD_STATE_DIR/supd.sock, as supd
reads them), SUPCTL_TOKEN (token for --host), SUPD_UNITS_DIR (validate), NO_COLOR.
`;

function register(program: Command, mod: CommandEntry, ctx: Context, done: (code: number) => void): void {
  const cmd = program.command(mod.name, { hidden: mod.hidden }).description(mod.description);
  mod.configure(cmd);
  cmd.action(async () => {
    done(await mod.execute(cmd.args, cmd.opts(), ctx));
  });
}

export async function runFull(argv: readonly string[], io: Io): Promise<number> {
  const program = new Command('supctl');
  program
    .description('the command-line client of supd, the supervisor daemon')
    .usage('[--socket PATH | --host URL --token TOKEN] [--json] COMMAND')
    .version(`supctl ${io.version}`, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help (every command has --help too)')
    .addHelpText('after', EXIT_HELP)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(see supctl --help)')
    .exitOverride();

  addFlags(program, GLOBAL_FLAGS);
  const ctx = makeContext(() => program.opts<GlobalOptions>(), io);

  let code = 0;
  const done = (c: number): void => {
    code = c;
  };
  for (const mod of COMMANDS) register(program, mod, ctx, done);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    // Commander has already printed its message (or the help, or the version).
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return failed(await withSuggestion(e, ctx), ctx, io);
  }
}
