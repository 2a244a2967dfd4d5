// supctl's options, each declared once: the commander program registers them from here (cli/full.ts
// the global ones, each command's configure() its own), and the fast path (cli/fast.ts) reads the
// same table to parse the everyday lines without commander. Pure data: loading it loads nothing of
// commander.
import type { Command } from 'commander';
import { ROLLING_STRATEGIES } from '../daemon/api/limits.js';

/** `flags` as commander writes it (`-l, --long`, `--no-wait`, `--socket <path>`); `key`: the
 * option's name in commander's opts() (`long`, `wait`, `socket`). */
export type Flag =
  /** Sets `key` to true (`--safe`), or to false for a `--no-…` flag (`--no-wait`). */
  | { kind: 'switch'; flags: string; key: string; help: string }
  /** One of `choices`, required (`--rolling <strategy>`). */
  | { kind: 'choice'; flags: string; key: string; help: string; choices: readonly string[] }
  /** A value, required (`<n>`) or optional (`[soak]`): the fast path leaves these to commander. */
  | { kind: 'value'; flags: string; key: string; help: string };

/** Options before the command. */
export const GLOBAL_FLAGS: readonly Flag[] = [
  { kind: 'value', flags: '--socket <path>', key: 'socket', help: 'supd\'s unix socket (default: $SUPD_SOCKET or <stateDir>/supd.sock)' },
  { kind: 'value', flags: '--host <url>', key: 'host', help: 'talk to supd over TCP instead, e.g. http://10.0.0.5:7878' },
  { kind: 'value', flags: '--token <token>', key: 'token', help: 'bearer token for --host (default: $SUPCTL_TOKEN)' },
  { kind: 'switch', flags: '--json', key: 'json', help: 'print JSON for scripts' },
  { kind: 'switch', flags: '--fleet', key: 'fleet', help: 'act on the whole fleet: every host\'s units, HOST/UNIT targets' },
];

/** The options of the commands the fast path takes, in the order `--help` lists them. */
export const COMMAND_FLAGS = {
  status: [
    { kind: 'switch', flags: '-l, --long', key: 'long', help: 'every column and the whole reason, however wide the terminal' },
  ],
  health: [],
  start: [
    { kind: 'switch', flags: '--no-wait', key: 'wait', help: 'return once the start is under way' },
  ],
  stop: [
    { kind: 'switch', flags: '--safe', key: 'safe', help: 'drain first (safeStop), then stop' },
    { kind: 'switch', flags: '--no-wait', key: 'wait', help: 'return once the stop is under way' },
  ],
  restart: [
    { kind: 'switch', flags: '--safe', key: 'safe', help: 'drain each unit before stopping it' },
    { kind: 'choice', flags: '--rolling <strategy>', key: 'rolling', help: 'restart one unit or one half at a time', choices: ROLLING_STRATEGIES },
    { kind: 'value', flags: '--max-unavailable <n>', key: 'maxUnavailable', help: 'rolling: at most N units (or P% of them) out of service at once' },
    { kind: 'value', flags: '--canary [soak]', key: 'canary', help: 'rolling: restart the first unit alone and keep it ready and healthy for SOAK (default 30s) first' },
    { kind: 'switch', flags: '--with-dependents', key: 'withDependents', help: 'also restart the units that require the targets, in order' },
    { kind: 'switch', flags: '--no-wait', key: 'wait', help: 'return once the restart is under way' },
  ],
} as const satisfies Record<string, readonly Flag[]>;

/** The option words of a flag: `-l, --long` → `-l`, `--long`. */
export function words(flag: Flag): string[] {
  return flag.flags.split(/[ ,]+/).filter((w) => w.startsWith('-'));
}

/** What a switch sets: false for `--no-…`, true otherwise. */
export function switchValue(flag: Flag): boolean {
  return !words(flag).some((w) => w.startsWith('--no-'));
}

/** Registers the flags on a commander command, in order. */
export function addFlags(cmd: Command, flags: readonly Flag[]): void {
  for (const f of flags) {
    if (f.kind === 'choice') cmd.addOption(cmd.createOption(f.flags, f.help).choices(f.choices));
    else cmd.option(f.flags, f.help);
  }
}
