// The everyday command lines (status, health, start, stop, restart with their usual flags) parsed
// without commander, which with its help machinery costs more start-up than the request itself.
// Anything else (help, version, a usage error, an option this does not know) returns null and goes
// to the full program, so every message and exit code of commander stays the one users see.
import type { GlobalOptions } from './context.js';
import { COMMAND_FLAGS, GLOBAL_FLAGS, switchValue, words, type Flag } from './flags.js';

export type FastCommand = keyof typeof COMMAND_FLAGS;

export interface FastLine {
  command: FastCommand;
  global: GlobalOptions;
  operands: string[];
  /** The command's options as commander would give them to the command's parse(). */
  opts: Record<string, unknown>;
}

type FastFlag = { key: string; value: unknown } | { key: string; choices: readonly string[] };

/** Each option word of the switches and choices in `flags` (cli/flags.ts); options taking a free
 * value are left out, so a line using one goes to commander. */
function fastFlags(flags: readonly Flag[]): Record<string, FastFlag> {
  const out: Record<string, FastFlag> = {};
  for (const f of flags) {
    if (f.kind === 'value') continue;
    const fast: FastFlag = f.kind === 'choice' ? { key: f.key, choices: f.choices } : { key: f.key, value: switchValue(f) };
    for (const w of words(f)) out[w] = fast;
  }
  return out;
}

type GlobalValue = 'socket' | 'host' | 'token';
type GlobalSwitch = 'json' | 'fleet';
const GLOBAL_VALUES = new Map<string, GlobalValue>(GLOBAL_FLAGS.filter((f) => f.kind === 'value').flatMap((f) => words(f).map((w) => [w, f.key as GlobalValue])));
const GLOBAL_SWITCHES = new Map<string, GlobalSwitch>(GLOBAL_FLAGS.filter((f) => f.kind === 'switch').flatMap((f) => words(f).map((w) => [w, f.key as GlobalSwitch])));

const FLAGS: Record<FastCommand, Record<string, FastFlag>> = {
  status: fastFlags(COMMAND_FLAGS.status),
  health: fastFlags(COMMAND_FLAGS.health),
  start: fastFlags(COMMAND_FLAGS.start),
  stop: fastFlags(COMMAND_FLAGS.stop),
  restart: fastFlags(COMMAND_FLAGS.restart),
};

/** start, stop and restart need at least one target (commander says so for them). */
const NEEDS_TARGET = new Set<FastCommand>(['start', 'stop', 'restart']);

function isFast(word: string): word is FastCommand {
  return Object.hasOwn(FLAGS, word);
}

/** Splits `--name=value`; a value is never taken from a word that looks like an option. */
function optionValue(argv: readonly string[], i: number): { name: string; value: string | undefined; next: number } {
  const word = argv[i] as string;
  const eq = word.indexOf('=');
  if (eq > 0) return { name: word.slice(0, eq), value: word.slice(eq + 1), next: i + 1 };
  const value = argv[i + 1];
  return { name: word, value: value === undefined || value.startsWith('-') ? undefined : value, next: i + 2 };
}

/** The command line when it is one of the everyday ones, else null (the full program decides). */
export function parseFast(argv: readonly string[]): FastLine | null {
  const global: GlobalOptions = {};
  let i = 0;
  for (; i < argv.length; ) {
    const word = argv[i] as string;
    if (!word.startsWith('-')) break;
    const sw = GLOBAL_SWITCHES.get(word);
    if (sw !== undefined) {
      const key = sw;
      if (global[key] === true) return null;
      global[key] = true;
      i += 1;
      continue;
    }
    const { name, value, next } = optionValue(argv, i);
    const key = GLOBAL_VALUES.get(name);
    if (key === undefined || value === undefined) return null;
    if (global[key] !== undefined) return null;
    global[key] = value;
    i = next;
  }
  const command = argv[i];
  if (command === undefined || !isFast(command)) return null;
  const flags = FLAGS[command];
  const opts: Record<string, unknown> = {};
  const operands: string[] = [];
  for (i += 1; i < argv.length; ) {
    const word = argv[i] as string;
    if (!word.startsWith('-')) {
      operands.push(word);
      i += 1;
      continue;
    }
    const { name, value, next } = optionValue(argv, i);
    const flag = flags[name];
    if (flag === undefined || Object.hasOwn(opts, flag.key)) return null;
    if ('choices' in flag) {
      if (value === undefined || !flag.choices.includes(value)) return null;
      opts[flag.key] = value;
      i = next;
    } else {
      if (name !== word) return null; // `--safe=x`
      opts[flag.key] = flag.value;
      i += 1;
    }
  }
  if (NEEDS_TARGET.has(command) && operands.length === 0) return null;
  return { command, global, operands, opts };
}
