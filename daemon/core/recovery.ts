// What supd decides from what it remembers across its own restarts, as pure data: which units to
// start at boot, and the order in which survivors of a killed supd are stopped (dependents first).
// The journal's records and their replay belong to the journal edge (edges/journal.ts).

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
