// A Runtime on the fake edges and a manual clock: no process, no timer, no file. Tests drive it
// through what the API and the watch edge use (Control's command/list/get/rollouts/subscribe,
// metadataTouched, boot, shutdown) and through the fakes (a pid handed out, an exit, a log line,
// time advanced), and wait on the runtime's own events, never by polling.
import type { Test } from 'tap';
import { pino } from 'pino';
import { Runtime } from '../../daemon/runtime.js';
import { topologyOf } from '../../daemon/topology.js';
import type { CommandRequest, CommandResult, RollingOptions, SupdEvent, UnitStatus } from '../../daemon/control.js';
import type { UnitSpec } from '../../units/types.js';
import { fakeEdges, settle, type FakeEdges } from '../fakes/edges.js';
import type { FakeSpawnerOptions } from '../fakes/spawner.js';

export { unitSpec } from '../core/helpers.js';

type Transition = Extract<SupdEvent, { type: 'transition' }>;

export interface Harness {
  rt: Runtime;
  fake: FakeEdges;
  /** Marks where the next waits start; the harness's own driving calls do it themselves. */
  drive(): void;
  /** Every event the runtime published, in order. */
  events: SupdEvent[];
  /** Resolves with the first event matching `pred` published since `from` (default: since the
   * harness's last driving call, so `command(...)` then `next(...)` sees what the command did). */
  next<E extends SupdEvent>(pred: (e: SupdEvent) => e is E, from?: number): Promise<E>;
  next(pred: (e: SupdEvent) => boolean, from?: number): Promise<SupdEvent>;
  /** Resolves when `unit` enters `state` (since the last driving call). */
  enters(unit: string, state: UnitStatus['state']): Promise<Transition>;
  /** `unit from→to` for every real state change so far (spawn reports inside `starting` left out). */
  moves(unit?: string): string[];
  /** One target; `rolling` as a strategy name (no budget override, no canary) or in full. */
  command(req: CommandLine): Promise<CommandResult>;
  state(unit: string): UnitStatus['state'] | undefined;
  status(unit: string): UnitStatus;
  /** Hands a pid to the pending spawn of `unit` and waits for the runtime to take it in. */
  spawned(unit: string): Promise<number>;
  /** Ends the running process of `unit` and lets the runtime react. */
  exit(unit: string, code: number | null, signal?: string | null): Promise<void>;
  /** Lets pending fake answers land, moves the manual clock, and lets the follow-ups run. */
  advance(ms: number): Promise<void>;
}

export type CommandLine = Partial<Omit<CommandRequest, 'targets' | 'rolling'>> & Pick<CommandRequest, 'action'> & {
  target: string;
  rolling?: RollingOptions['strategy'] | RollingOptions | null;
};

function request({ target, rolling = null, ...rest }: CommandLine): CommandRequest {
  return {
    safe: false, wait: true, withDependents: false, ...rest, targets: [target],
    rolling: typeof rolling === 'string' ? { strategy: rolling, maxUnavailable: null, canary: null } : rolling,
  };
}

export interface HarnessOptions {
  spawner?: FakeSpawnerOptions;
  /** Unit files a reload reads (default: the same specs). */
  reloadSpecs?: () => UnitSpec[];
}

export function isTransition(e: SupdEvent): e is Transition {
  return e.type === 'transition';
}

export function harness(t: Test, specs: UnitSpec[], opts: HarnessOptions = {}): Harness {
  const { factory, fake } = fakeEdges(opts.spawner === undefined ? {} : { spawner: opts.spawner });
  let graph = topologyOf(specs).graph;
  const rt = new Runtime({
    specs,
    topo: topologyOf(specs).topo,
    loadUnits: async () => {
      const units = opts.reloadSpecs?.() ?? specs;
      const next = topologyOf(units);
      graph = next.graph;
      return { units, diagnostics: [], topo: next.topo };
    },
    resolveTarget: (target) => graph.resolveTarget(target),
    edges: factory,
    log: pino({ level: 'silent' }),
    baseEnv: { PATH: '/usr/bin:/bin' },
    portWaitMs: 1000,
    statsIntervalMs: 0,
    stateDir: null,
  });
  const events: SupdEvent[] = [];
  const waiters = new Set<{ pred: (e: SupdEvent) => boolean; resolve: (e: SupdEvent) => void }>();
  rt.subscribe((e) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (!w.pred(e)) continue;
      waiters.delete(w);
      w.resolve(e);
    }
  });
  t.teardown(() => {
    fake.clock.stop();
    waiters.clear();
  });

  // Where waits start: set by every call that drives the runtime, before it acts.
  let mark = 0;
  const drive = (): void => {
    mark = events.length;
  };
  const next = (pred: (e: SupdEvent) => boolean, from = mark): Promise<SupdEvent> => {
    const seen = events.slice(from).find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => waiters.add({ pred, resolve }));
  };
  const h: Harness = {
    rt,
    fake,
    events,
    drive,
    next: next,
    enters: (unit, state) => next((e) => isTransition(e) && e.unit === unit && e.to === state && e.from !== state) as Promise<Transition>,
    moves: (unit) => events.filter(isTransition).filter((e) => e.from !== e.to && (unit === undefined || e.unit === unit))
      .map((e) => `${unit === undefined ? `${e.unit} ` : ''}${e.from}→${e.to}`),
    command: (req) => (drive(), rt.command(request(req))),
    state: (unit) => rt.get(unit)?.status.state,
    status(unit) {
      const s = rt.get(unit)?.status;
      if (s === undefined) throw new Error(`no unit ${unit}`);
      return s;
    },
    async spawned(unit) {
      drive();
      const pid = fake.spawner.spawned(unit);
      await settle();
      return pid;
    },
    async exit(unit, code, signal = null) {
      const pid = fake.spawner.pidOf(unit);
      if (pid === undefined) throw new Error(`${unit} runs no process`);
      drive();
      fake.spawner.exit(pid, code, signal);
      await settle();
    },
    async advance(ms) {
      // What is already under way (a fake's answer) happens now, before time moves.
      await settle();
      drive();
      fake.clock.advance(ms);
      await settle();
    },
  };
  return h;
}
