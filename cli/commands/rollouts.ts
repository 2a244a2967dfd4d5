// supctl rollouts [ID] | rollouts cancel ID | --fleet rollouts resume ID: rollouts and their steps,
// newest first. With --fleet: the fleet's rollouts (from etcd, any host answers), and `resume` of
// one whose driver died.
import type { Command, OptionValues } from 'commander';
import type { FleetRolloutView, RolloutView } from '../../daemon/api/contract.js';
import { SupdError } from '../../daemon/errors.js';
import type { Context } from '../context.js';
import { json, rolloutLine } from '../render.js';

export const name = 'rollouts';
export const description = 'rollouts and their steps, newest first; `rollouts cancel ID`; with --fleet also `rollouts resume ID`';

export interface Args {
  verb: 'list' | 'show' | 'cancel' | 'resume';
  id: string | null;
  wait: boolean;
}

export function configure(cmd: Command): void {
  cmd.argument('[words...]', 'nothing (list), ID (show), cancel ID, or resume ID (--fleet)').option('--no-wait', 'resume: return once it goes on');
}

export function parse(operands: readonly string[], opts: OptionValues): Args {
  const [first, second] = operands;
  const wait = opts['wait'] !== false;
  if (first === undefined) return { verb: 'list', id: null, wait };
  if (first === 'cancel' || first === 'resume') {
    if (second === undefined) throw new SupdError('SUPD_USAGE', `rollouts ${first} needs a rollout ID`);
    return { verb: first, id: second, wait };
  }
  return { verb: 'show', id: first, wait };
}

function line(r: RolloutView | FleetRolloutView): string {
  const driver = 'driver' in r ? ` (driven by ${r.driver})` : '';
  return `${rolloutLine(r)}${driver}\n`;
}

export async function run(args: Args, ctx: Context): Promise<number> {
  const client = ctx.client();
  const base = ctx.fleet ? '/v1/fleet/rollouts' : '/v1/rollouts';
  const id = encodeURIComponent(args.id ?? '');
  let shown: { rollouts: (RolloutView | FleetRolloutView)[] } | { rollout: RolloutView | FleetRolloutView };
  switch (args.verb) {
    case 'list':
      shown = await client.getJson<{ rollouts: RolloutView[] }>(base);
      break;
    case 'show':
      shown = await client.getJson<{ rollout: RolloutView }>(`${base}/${id}`);
      break;
    case 'cancel':
      shown = await client.postJson<{ rollout: RolloutView }>(`${base}/${id}/cancel`);
      break;
    case 'resume':
      if (!ctx.fleet) throw new SupdError('SUPD_USAGE', 'resume applies to fleet rollouts: supctl --fleet rollouts resume ID');
      shown = await client.postJson<{ rollout: FleetRolloutView }>(`${base}/${id}/resume`, { wait: args.wait });
      break;
  }
  if (ctx.json) ctx.out(json(shown));
  else if ('rollouts' in shown) ctx.out(shown.rollouts.length === 0 ? 'no rollouts\n' : shown.rollouts.map(line).join(''));
  else ctx.out(line(shown.rollout));
  return 0;
}
