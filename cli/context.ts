// What a supctl command receives: where to write, the environment, --json, and a lazily made
// client (validate never needs one). Also the shape every cli/commands/<name>.ts exports.
import type { Command, OptionValues } from 'commander';
import type { Client } from './client.js';

export interface Context {
  json: boolean;
  /** --fleet: the command is about the whole fleet (HOST/UNIT targets, every host's status). */
  fleet: boolean;
  /** Made on first use, from --socket / --host / --token / the environment. */
  client(): Client;
  out(text: string): void;
  err(text: string): void;
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
