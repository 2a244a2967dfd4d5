// supctl logs [-f] [-n N] [--timestamps] TARGET…: captured stdout and stderr. One unit prints its
// output as written; several (a group, `all`) prefix each line with its unit. With -f, the lines
// that follow are interleaved in the order they reach supctl, and supctl exits 3 with a message
// when supd ends the stream (it stopped or restarted). --timestamps puts in front of each line the
// time it reached supctl: supd keeps unit output as written, with no time of its own, so the tail's
// lines all show the moment -f began.
import { InvalidArgumentError } from 'commander';
import type { Command, OptionValues } from 'commander';
import { DEFAULT_LOG_LINES, MAX_LOG_LINES } from '../../daemon/api/limits.js';
import { SupdError } from '../../daemon/errors.js';
import type { Context } from '../context.js';
import { fleetTarget, targetPath } from '../fleet.js';
import { clockTime, paint } from '../render.js';
import { unitsOf } from '../targets.js';

export const name = 'logs';
export const description = 'print captured output of units (several, a group or all are prefixed); -f follows it';

export interface Args {
  targets: string[];
  lines: number;
  follow: boolean;
  timestamps: boolean;
}

function lineCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > MAX_LOG_LINES) {
    throw new InvalidArgumentError(`expected a whole number from 0 to ${MAX_LOG_LINES}`);
  }
  return Number(text);
}

export function configure(cmd: Command): void {
  cmd.argument('<targets...>', 'units, groups or all (HOST/UNIT: a unit of another host of the fleet)')
    .option('-n, --lines <n>', `how many of the last lines of each unit (default ${DEFAULT_LOG_LINES})`, lineCount)
    .option('-f, --follow', 'keep printing new output until interrupted')
    .option('-t, --timestamps', 'with -f: the time each line arrived (the tail: when -f began)');
}

export function parse(operands: readonly string[], opts: OptionValues): Args {
  const lines: unknown = opts['lines'];
  return {
    targets: [...operands], lines: typeof lines === 'number' ? lines : DEFAULT_LOG_LINES,
    follow: opts['follow'] === true, timestamps: opts['timestamps'] === true,
  };
}



/** Whole lines out of a unit's chunks, each with its prefix; a partial line waits for its end. */
function liner(prefix: () => string, out: (text: string) => void): { push(text: string): void; flush(): void } {
  let rest = '';
  return {
    push(text) {
      const parts = (rest + text).split('\n');
      rest = parts.pop() ?? '';
      if (parts.length > 0) out(parts.map((l) => `${prefix()}${l}\n`).join(''));
    },
    flush() {
      if (rest !== '') out(`${prefix()}${rest}\n`);
      rest = '';
    },
  };
}

export async function run(args: Args, ctx: Context): Promise<number> {
  const logPath = (unit: string, lines: number): string => targetPath(unit, ctx.fleet, `/logs?lines=${lines}`);
  const client = ctx.client();
  // Fleet names (HOST/UNIT, or any name with --fleet) go to their host as given; local targets
  // are resolved here (groups, all) so that each unit gets its own stream.
  const remote = ctx.fleet || args.targets.some((t) => fleetTarget(t) !== null);
  const units = remote ? [...new Set(args.targets)] : (await unitsOf({ targets: args.targets }, ctx)).map((u) => u.name);
  const many = units.length > 1;
  const width = Math.max(...units.map((u) => u.length));
  const label = (unit: string): string => (many ? `${paint(ctx.color, '36', unit.padEnd(width))} | ` : '');
  const stamp = (): string => (args.timestamps ? `${paint(ctx.color, '2', clockTime(Date.now()))} ` : '');

  if (!args.follow) {
    for (const unit of units) {
      const text = await client.getText(logPath(unit, args.lines));
      if (!many) {
        ctx.out(text);
        continue;
      }
      const l = liner(() => label(unit), ctx.out);
      l.push(text);
      l.flush();
    }
    return 0;
  }

  // Follow: the tail of each unit, then every new line as it comes, from one stream per unit.
  const streams: { stop(): void }[] = [];
  const ended = units.map((unit) => {
    const l = liner(() => `${stamp()}${label(unit)}`, ctx.out);
    const s = client.stream(`${logPath(unit, args.lines)}&follow=1`, (text) => l.push(text));
    streams.push(s);
    return s.done.then(() => {
      l.flush();
      return unit;
    });
  });
  try {
    const unit = await Promise.race(ended);
    throw new SupdError('SUPD_UNREACHABLE', `supd ended the log stream of ${unit}: it stopped or restarted`, {
      hint: `supctl logs -f ${args.targets.join(' ')} again once it is back`,
    });
  } finally {
    for (const s of streams) s.stop();
  }
}
