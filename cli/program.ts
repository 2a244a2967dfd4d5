// supctl's entry: the everyday command lines run straight from cli/fast.ts's parse, every other
// one through the commander program in cli/full.ts (loaded only then). The context, the global
// options and the mapping from whatever went wrong to a message and an exit code (0 done,
// 1 failed, 2 usage, 3 unreachable, 4 refused) live in cli/context.ts, shared by both parsers.
import { failed, makeContext, withSuggestion, type CommandModule, type Context, type Io } from './context.js';
import { parseFast, type FastCommand, type FastLine } from './fast.js';

export type { Io } from './context.js';

function runModule<A>(mod: CommandModule<A>, line: FastLine, ctx: Context): Promise<number> {
  return mod.run(mod.parse(line.operands, line.opts), ctx);
}

// Loaded on demand, so a status run loads one command module and nothing of commander.
const FAST: Record<FastCommand, (line: FastLine, ctx: Context) => Promise<number>> = {
  status: async (line, ctx) => runModule(await import('./commands/status.js'), line, ctx),
  health: async (line, ctx) => runModule(await import('./commands/health.js'), line, ctx),
  start: async (line, ctx) => runModule(await import('./commands/start.js'), line, ctx),
  stop: async (line, ctx) => runModule(await import('./commands/stop.js'), line, ctx),
  restart: async (line, ctx) => runModule(await import('./commands/restart.js'), line, ctx),
};

export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const line = parseFast(argv);
  if (line === null) {
    const { runFull } = await import('./full.js');
    return runFull(argv, io);
  }
  const ctx = makeContext(() => line.global, io);
  try {
    return await FAST[line.command](line, ctx);
  } catch (e) {
    return failed(await withSuggestion(e, ctx), ctx, io);
  }
}
