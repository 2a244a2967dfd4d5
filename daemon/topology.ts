// Adapts units/graph.ts's UnitGraph to the Topology the core's fleet needs, and adds the graph to loaded unit files for the runtime.
import type { Topology } from './core/fleet.js';
import { UnitGraph } from '../units/graph.js';
import type { LoadResult, UnitSpec } from '../units/types.js';

export function topologyOf(specs: readonly UnitSpec[]): { topo: Topology; graph: UnitGraph } {
  const graph = new UnitGraph(specs);
  const topo: Topology = {
    requirements: (n) => graph.requirements(n),
    dependents: (n) => graph.dependents(n),
    afterOf: (n) => graph.afterOf(n),
    afterDependents: (n) => graph.afterDependents(n),
    requiresClosure: (names) => graph.requiresClosure(names),
    dependentsClosure: (names) => graph.dependentsClosure(names),
  };
  return { topo, graph };
}

/** The unit files through `load` (the unit loader's child process in the daemon), with their
 * graph when they have no errors. */
export async function loadWithTopology(load: () => Promise<LoadResult>): Promise<LoadResult & { topo: Topology | null; graph: UnitGraph | null }> {
  const r = await load();
  if (r.diagnostics.some((d) => d.severity === 'error')) return { ...r, topo: null, graph: null };
  return { ...r, ...topologyOf(r.units) };
}
