// The everyday command lines (status, health, start, stop, restart with their usual flags) parsed
// without commander, which with its help machinery costs more start-up than the request itself.
// Anything else (help, version, a usage error, an option this does not know) returns null and goes
// to the full program, so every message and exit code of commander stays the one users see.
import type { GlobalOptions } from './context.js';
import { ROLLING_STRATEGIES } from '../daemon/api/limits.js';

export type FastCommand = 'status' | 'health' | 'start' | 'stop' | 'restart';

export interface FastLine {
  command: FastCommand;
  global: GlobalOptions;
  operands: string[];
  /** The command's options as commander would give them to the command's parse(). */
  opts: Record<string, unknown>;
}

type Flag = { key: string; value: unknown } | { key: string; choices: readonly string[] };

const GLOBAL_VALUES = new Set(['--socket', '--host', '--token']);

const FLAGS: Record<FastCommand, Record<string, Flag>> = {
  status: { '-l': { key: 'long', value: true }, '--long': { key: 'long', value: true } },
  health: {},
  start: { '--no-wait': { key: 'wait', value: false } },
  stop: { '--safe': { key: 'safe', value: true }, '--no-wait': { key: 'wait', value: false } },
  restart: {
    '--safe': { key: 'safe', value: true },
    '--no-wait': { key: 'wait', value: false },
    '--with-dependents': { key: 'withDependents', value: true },
    '--rolling': { key: 'rolling', choices: ROLLING_STRATEGIES },
  },
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
    if (word === '--json' || word === '--fleet') {
      const key = word === '--json' ? 'json' : 'fleet';
      if (global[key] === true) return null;
      global[key] = true;
      i += 1;
      continue;
    }
    const { name, value, next } = optionValue(argv, i);
    if (!GLOBAL_VALUES.has(name) || value === undefined) return null;
    const key = name.slice(2) as 'socket' | 'host' | 'token';
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
