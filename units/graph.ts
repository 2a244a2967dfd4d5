// The requires/after graph of a unit set: requirements and dependents, closures, start waves,
// stop order, targets (unit, group or `all`) and cycles. Adjacency maps, linear in units + edges.
import type { UnitSpec } from './types.js';

export class UnitGraph {
  /** Declaration order: the tie-break inside a wave, so orders are stable. */
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly requiresOf = new Map<string, string[]>();
  private readonly afterMap = new Map<string, string[]>();
  private readonly dependentsOf = new Map<string, string[]>();
  private readonly afterDependentsOf = new Map<string, string[]>();
  private readonly groupMembers = new Map<string, string[]>();
  private readonly followersOf = new Map<string, string[]>();

  constructor(units: readonly UnitSpec[]) {
    for (const u of units) {
      if (this.index.has(u.name)) continue;
      this.index.set(u.name, this.names.length);
      this.names.push(u.name);
    }
    for (const u of units) {
      if (this.requiresOf.has(u.name)) continue;
      // Edges to units outside the set are dropped: validation reports them.
      const req = unique(u.requires.flatMap((r) => (r.kind === 'unit' && this.index.has(r.name) ? [r.name] : [])));
      this.requiresOf.set(u.name, req);
      const after = unique(u.after.filter((a) => this.index.has(a)));
      this.afterMap.set(u.name, after);
      for (const r of req) push(this.dependentsOf, r, u.name);
      for (const a of after) push(this.afterDependentsOf, a, u.name);
      for (const g of unique(u.groups)) push(this.groupMembers, g, u.name);
      if (u.follows !== null && this.index.has(u.follows)) push(this.followersOf, u.follows, u.name);
    }
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  /** Every unit name, in declaration order. */
  units(): string[] {
    return [...this.names];
  }

  groups(): string[] {
    return [...this.groupMembers.keys()];
  }

  members(group: string): string[] {
    return [...(this.groupMembers.get(group) ?? [])];
  }

  /** Units this one directly requires. */
  requirements(name: string): string[] {
    return [...(this.requiresOf.get(name) ?? [])];
  }

  /** Units that directly require this one. */
  dependents(name: string): string[] {
    return [...(this.dependentsOf.get(name) ?? [])];
  }

  afterOf(name: string): string[] {
    return [...(this.afterMap.get(name) ?? [])];
  }

  /** Units that list this one in `after`. */
  afterDependents(name: string): string[] {
    return [...(this.afterDependentsOf.get(name) ?? [])];
  }

  /** Units whose `follows` names this master. */
  followers(master: string): string[] {
    return [...(this.followersOf.get(master) ?? [])];
  }

  /** The names plus everything they transitively require, in declaration order. */
  requiresClosure(names: Iterable<string>): string[] {
    return this.closure(names, this.requiresOf);
  }

  /** The names plus every unit that transitively requires them, in declaration order. */
  dependentsClosure(names: Iterable<string>): string[] {
    return this.closure(names, this.dependentsOf);
  }

  /**
   * Layers of the given units by requires + after, counting only edges inside the set: wave 0
   * needs nothing in the set, wave n needs only earlier waves. Units on a cycle come last.
   */
  startWaves(names: Iterable<string>): string[][] {
    const set = new Set<string>();
    for (const n of names) if (this.index.has(n)) set.add(n);
    const pending = new Map<string, number>();
    const next = new Map<string, string[]>();
    for (const n of set) {
      let count = 0;
      for (const d of this.depsOf(n)) {
        if (!set.has(d)) continue;
        count++;
        push(next, d, n);
      }
      pending.set(n, count);
    }
    const waves: string[][] = [];
    let wave = [...set].filter((n) => pending.get(n) === 0);
    let placed = 0;
    while (wave.length > 0) {
      wave = this.sorted(wave);
      waves.push(wave);
      placed += wave.length;
      const following: string[] = [];
      for (const n of wave) {
        for (const m of next.get(n) ?? []) {
          const left = (pending.get(m) ?? 0) - 1;
          pending.set(m, left);
          if (left === 0) following.push(m);
        }
      }
      wave = following;
    }
    if (placed < set.size) waves.push(this.sorted([...set].filter((n) => (pending.get(n) ?? 0) > 0)));
    return waves;
  }

  /** Start waves flattened: requirements before the units that need them. */
  startOrder(names: Iterable<string>): string[] {
    return this.startWaves(names).flat();
  }

  /** Start waves reversed: dependents stop before what they require. */
  stopWaves(names: Iterable<string>): string[][] {
    return this.startWaves(names)
      .reverse()
      .map((w) => w.reverse());
  }

  stopOrder(names: Iterable<string>): string[] {
    return this.stopWaves(names).flat();
  }

  /** A unit name, a group name or `all` → unit names in start order; null when unknown. */
  resolveTarget(target: string): string[] | null {
    if (target === 'all') return this.startOrder(this.names);
    if (this.index.has(target)) return [target];
    const members = this.groupMembers.get(target);
    return members ? this.startOrder(members) : null;
  }

  /** One cycle over requires + after, as a closed path [a, b, c, a]; null when there is none. */
  findCycle(): string[] | null {
    return this.findCycles(1)[0] ?? null;
  }

  /**
   * Up to `limit` cycles, one per back edge met by a depth-first walk in declaration order.
   * Each is a closed path whose last edge is the one that closes it.
   */
  findCycles(limit = Infinity): string[][] {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[][] = [];
    for (const root of this.names) {
      if (state.has(root) || cycles.length >= limit) continue;
      // Iterative DFS: a stack of [node, its deps, next dep index], so 5,000-deep chains are fine.
      const stack: { name: string; deps: string[]; i: number }[] = [{ name: root, deps: this.depsOf(root), i: 0 }];
      const onPath: string[] = [root];
      state.set(root, 'open');
      while (stack.length > 0) {
        const top = stack[stack.length - 1] as { name: string; deps: string[]; i: number };
        const d = top.deps[top.i++];
        if (d === undefined) {
          state.set(top.name, 'done');
          stack.pop();
          onPath.pop();
          continue;
        }
        const s = state.get(d);
        if (s === 'open') {
          if (cycles.length < limit) cycles.push([...onPath.slice(onPath.indexOf(d)), d]);
        } else if (s === undefined) {
          state.set(d, 'open');
          stack.push({ name: d, deps: this.depsOf(d), i: 0 });
          onPath.push(d);
        }
      }
    }
    return cycles;
  }

  private depsOf(name: string): string[] {
    const req = this.requiresOf.get(name) ?? [];
    const after = this.afterMap.get(name) ?? [];
    return after.length === 0 ? req : unique([...req, ...after]);
  }

  private closure(names: Iterable<string>, edges: Map<string, string[]>): string[] {
    const seen = new Set<string>();
    const queue: string[] = [];
    for (const n of names) {
      if (this.index.has(n) && !seen.has(n)) {
        seen.add(n);
        queue.push(n);
      }
    }
    for (let i = 0; i < queue.length; i++) {
      for (const m of edges.get(queue[i] as string) ?? []) {
        if (!seen.has(m)) {
          seen.add(m);
          queue.push(m);
        }
      }
    }
    return this.sorted(queue);
  }

  private sorted(names: string[]): string[] {
    return names.sort((a, b) => (this.index.get(a) ?? 0) - (this.index.get(b) ?? 0));
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function unique(list: string[]): string[] {
  return list.length < 2 ? list : [...new Set(list)];
}
