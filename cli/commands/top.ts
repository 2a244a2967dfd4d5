// supctl top: a full-screen live view of the units, the running rollouts and the selected unit's
// log, driven by /v1/events (see cli/top/). Needs a terminal on stdin and stdout.
import { InvalidArgumentError } from 'commander';
import type { Command, OptionValues } from 'commander';
import type { UnitsBody } from '../../daemon/api/contract.js';
import { SupdError } from '../../daemon/errors.js';
import type { Context } from '../context.js';
import { TopFeed } from '../top/feed.js';
import { onKey } from '../top/keys.js';
import { actionRequest, ACTION_WORDS, emptyModel, withStatus } from '../top/model.js';
import type { TopModel } from '../top/model.js';
import { Terminal } from '../top/terminal.js';
import { renderTop } from '../top/view.js';

export const name = 'top';
export const description = 'full-screen live view: units, rollouts and the selected unit\'s log (q quits)';

export interface Args {
  /** How often cpu, memory and restart counts are re-read (no event carries them), in ms. */
  intervalMs: number;
}

function seconds(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || n < 0.5 || n > 3600) throw new InvalidArgumentError('expected seconds, from 0.5 to 3600');
  return n;
}

export function configure(cmd: Command): void {
  cmd.option('--interval <seconds>', 'how often cpu, memory and restarts are re-read (default 2)', seconds)
    .addHelpText('after', `
Keys: ↑↓ or j/k move, s start, x stop, X safe stop (drain), r restart (each asks y/n but start),
l the selected unit's whole log, / filter by name, group or state (Esc clears), q quit.
States, pids, rollouts and stale flags arrive on supd's event stream as they happen; cpu, memory
and restart counts are re-read every --interval seconds. NO_COLOR turns colour off.`);
}

export function parse(_operands: readonly string[], opts: OptionValues): Args {
  const interval: unknown = opts['interval'];
  return { intervalMs: typeof interval === 'number' ? Math.round(interval * 1000) : 2000 };
}

/** NO_COLOR (any non-empty value) and TERM=dumb turn colour off, as https://no-color.org asks. */
export function colorWanted(env: Context['env']): boolean {
  return (env['NO_COLOR'] ?? '') === '' && env['TERM'] !== 'dumb';
}

export async function run(args: Args, ctx: Context): Promise<number> {
  const { stdin, stdout } = process;
  if (!stdout.isTTY || !stdin.isTTY) {
    throw new SupdError('SUPD_USAGE', 'supctl top needs a terminal: its output (or input) is not a TTY', {
      hint: 'for scripts and pipes use supctl status (--json), supctl logs -f, or GET /v1/events',
    });
  }
  const client = ctx.client();
  // The first read happens before the screen is taken, so unreachable (3) and refused (4) end the
  // command as they do for every other one.
  const first = await client.getJson<UnitsBody>('/v1/units');

  let model: TopModel = withStatus(emptyModel(), first.units, Date.now());
  const term = new Terminal(stdin, stdout);
  const color = colorWanted(ctx.env);
  let pending: NodeJS.Immediate | null = null;
  const draw = (): void => {
    pending = null;
    const { width, height } = term.size;
    term.draw(renderTop(model, { width, height, color, now: Date.now(), where: client.where }));
  };
  const redraw = (): void => {
    pending ??= setImmediate(draw);
  };
  const feed: TopFeed = new TopFeed(client, update, Date.now, args.intervalMs);
  function update(change: (m: TopModel) => TopModel): void {
    const before = model.selected;
    model = change(model);
    // The log pane shows the selected unit: a new selection follows a new log.
    if (model.selected !== before) feed.follow(model.selected);
    redraw();
  }

  return new Promise<number>((resolve) => {
    const tick = setInterval(redraw, 1000);
    const quit = (): void => {
      clearInterval(tick);
      if (pending !== null) clearImmediate(pending);
      feed.close();
      term.restore();
      resolve(0);
    };
    term.start((key) => {
      const page = Math.max(1, term.size.height - 4);
      const { model: next, effect } = onKey(model, key, page);
      update(() => next);
      if (effect.kind === 'quit') quit();
      else if (effect.kind === 'act') {
        const req = actionRequest(effect.action, effect.unit);
        void feed.act(req.path, req.body, `${ACTION_WORDS[effect.action]} ${effect.unit}`);
      }
    }, draw);
    feed.open();
    feed.follow(model.selected);
    draw();
  });
}
