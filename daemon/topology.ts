// Adapts units/graph.ts's UnitGraph to the Topology the core's fleet needs, and loads unit files into specs plus their graph for the runtime.
import type { Topology } from './core/fleet.js';
import { UnitGraph } from '../units/graph.js';
import { loadUnits } from '../units/load.js';
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

export async function loadWithTopology(dir: string, host: string): Promise<LoadResult & { topo: Topology | null; graph: UnitGraph | null }> {
  const r = await loadUnits(dir, { host });
  if (r.diagnostics.some((d) => d.severity === 'error')) return { ...r, topo: null, graph: null };
  return { ...r, ...topologyOf(r.units) };
}
