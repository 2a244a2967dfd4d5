// What supd remembers across its own restarts, as pure data: the journal's records, their replay
// into the processes that may have outlived a killed supd and the goals the operator set by hand,
// and the order in which those survivors are stopped (dependents first).

/** One line of `<stateDir>/units.journal`. `start` is the process start time from
 * /proc/<pid>/stat (clock ticks since boot): with the pid it names one process, never a reuse. */
export type JournalRecord =
  | { t: 'run'; unit: string; pid: number; start: number }
  | { t: 'exit'; unit: string; pid: number }
  | { t: 'goal'; unit: string; goal: 'up' | 'down' };

export interface Recorded {
  /** Processes spawned and not seen exiting: they may still run. */
  runs: Map<string, { pid: number; start: number }[]>;
  /** The last goal the operator set by hand, per unit. */
  goals: Map<string, 'up' | 'down'>;
  /** Lines that did not parse (a torn last write, usually). */
  bad: number;
}

export function parseRecord(line: string): JournalRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  if (typeof r.unit !== 'string') return null;
  switch (r.t) {
    case 'run':
      return Number.isInteger(r.pid) && Number.isInteger(r.start) ? { t: 'run', unit: r.unit, pid: r.pid as number, start: r.start as number } : null;
    case 'exit':
      return Number.isInteger(r.pid) ? { t: 'exit', unit: r.unit, pid: r.pid as number } : null;
    case 'goal':
      return r.goal === 'up' || r.goal === 'down' ? { t: 'goal', unit: r.unit, goal: r.goal } : null;
    default:
      return null;
  }
}

export function replay(text: string): Recorded {
  const runs = new Map<string, { pid: number; start: number }[]>();
  const goals = new Map<string, 'up' | 'down'>();
  let bad = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const r = parseRecord(line);
    if (r === null) {
      bad++;
      continue;
    }
    switch (r.t) {
      case 'run':
        runs.set(r.unit, [...(runs.get(r.unit) ?? []), { pid: r.pid, start: r.start }]);
        break;
      case 'exit': {
        const left = (runs.get(r.unit) ?? []).filter((p) => p.pid !== r.pid);
        if (left.length > 0) runs.set(r.unit, left);
        else runs.delete(r.unit);
        break;
      }
      case 'goal':
        goals.set(r.unit, r.goal);
        break;
    }
  }
  return { runs, goals, bad };
}

/** The units to start at boot: those the operator started by hand, and the autostart units he
 * did not stop by hand. */
export function bootTargets(units: { name: string; autostart: boolean }[], goals: ReadonlyMap<string, 'up' | 'down'>): string[] {
  return units.filter((u) => (goals.get(u.name) ?? (u.autostart ? 'up' : 'down')) === 'up').map((u) => u.name);
}

/** Stop waves for survivors: a unit is stopped only once every survivor that depends on it
 * (transitively) is gone, as at any other stop. Units unknown to the graph go in the first wave. */
export function stopWaves(survivors: readonly string[], dependentsClosure: (names: readonly string[]) => string[]): string[][] {
  const left = new Set(survivors);
  const waves: string[][] = [];
  const closures = new Map(survivors.map((u) => [u, dependentsClosure([u]).filter((d) => d !== u)]));
  while (left.size > 0) {
    const wave = [...left].filter((u) => !(closures.get(u) ?? []).some((d) => left.has(d)));
    // A cycle cannot pass validation; should one appear anyway, stop the rest together.
    const next = wave.length > 0 ? wave : [...left];
    for (const u of next) left.delete(u);
    waves.push(next);
  }
  return waves;
}
