// The registry of supctl's commands, in the order `supctl --help` lists them. A new command is a
// cli/commands/<name>.ts module (name, description, configure, parse, run) and one line here;
// the full program, completion and help all read this list.
import type { CommandEntry, CommandModule } from '../context.js';
import * as completion from './completion.js';
import * as health from './health.js';
import * as kill from './kill.js';
import * as logs from './logs.js';
import * as reload from './reload.js';
import * as restart from './restart.js';
import * as rollouts from './rollouts.js';
import * as show from './show.js';
import * as start from './start.js';
import * as status from './status.js';
import * as stop from './stop.js';
import * as top from './top.js';
import * as completeTargets from './complete-targets.js';
import * as validate from './validate.js';

export function entry<A>(mod: CommandModule<A> & { hidden?: boolean }): CommandEntry {
  return {
    name: mod.name,
    description: mod.description,
    hidden: mod.hidden === true,
    configure: (cmd) => mod.configure(cmd),
    execute: (operands, opts, ctx) => mod.run(mod.parse(operands, opts), ctx),
  };
}

/** completion describes every command, itself included: it is handed the registry, not importing it. */
function completionEntry(): CommandEntry {
  return {
    name: completion.name,
    description: completion.description,
    hidden: false,
    configure: (cmd) => completion.configure(cmd),
    execute: (operands, opts, ctx) => completion.run(completion.parse(operands, opts), ctx, COMMANDS),
  };
}

export const COMMANDS: readonly CommandEntry[] = [
  entry(status),
  entry(start),
  entry(stop),
  entry(restart),
  entry(reload),
  entry(kill),
  entry(logs),
  entry(show),
  entry(validate),
  entry(health),
  entry(rollouts),
  entry(top),
  completionEntry(),
  entry(completeTargets),
];
