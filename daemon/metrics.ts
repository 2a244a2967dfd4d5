// Prometheus metrics (prom-client): per-unit state, readiness, restarts, CPU and memory from the
// last batched stats sample, and rollouts. Computed when scraped, from the runtime's status view,
// so nothing runs per unit between scrapes; prom-client itself is loaded, and its process metrics
// started, on the first scrape, so a supd nobody scrapes pays neither its memory nor its timers.
import type { Registry } from 'prom-client';
import { UNIT_STATES, type RolloutState, type UnitStatus, type RolloutView } from './control.js';

export interface MetricsSource {
  list(): UnitStatus[];
  rollouts(): RolloutView[];
}

const ROLLOUT_STATES: readonly RolloutState[] = ['running', 'ok', 'error', 'canceled', 'interrupted'];

// The event-loop delay histogram ticks at this resolution for as long as supd runs: prom-client's
// 10 ms default alone costs an idle supd ~0.6 % of a core; 100 ms still sees every stall that long.
const EVENT_LOOP_RESOLUTION_MS = 100;

export function createMetrics(source: () => MetricsSource | null): { render(): Promise<string> } {
  let registry: Promise<Registry> | null = null;
  // One status view per scrape, read by every per-unit gauge (a list() builds every unit's status).
  let units: UnitStatus[] = [];
  return {
    render: async () => {
      registry ??= createRegistry(source, () => units);
      const reg = await registry;
      units = source()?.list() ?? [];
      return reg.metrics();
    },
  };
}

async function createRegistry(source: () => MetricsSource | null, units: () => UnitStatus[]): Promise<Registry> {
  const { Gauge, Registry, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'supd_', eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  // prom-client names three gauges *_total (nodejs_active_{handles,requests,resources}_total),
  // which `promtool check metrics` rejects: only counters may end in _total. Each is the sum of
  // its per-type gauge, which stays.
  for (const m of registry.getMetricsAsArray()) {
    if (m instanceof Gauge && m.name.endsWith('_total')) registry.removeSingleMetric(m.name);
  }
  /** A gauge with one series per unit; units whose value is null have none. */
  const perUnit = (name: string, help: string, value: (u: UnitStatus) => number | null): void => {
    new Gauge({
      name, help, labelNames: ['unit'], registers: [registry],
      collect() {
        this.reset();
        for (const u of units()) {
          const v = value(u);
          if (v !== null) this.set({ unit: u.name }, v);
        }
      },
    });
  };

  new Gauge({
    name: 'supd_unit_state', help: 'Current state of each unit (1 for the state it is in, 0 for the others)',
    labelNames: ['unit', 'state'], registers: [registry],
    collect() {
      this.reset();
      for (const u of units()) for (const s of UNIT_STATES) this.set({ unit: u.name, state: s }, u.state === s ? 1 : 0);
    },
  });
  perUnit('supd_unit_ready', 'Whether the unit is ready (1) or not (0)', (u) => (u.state === 'ready' ? 1 : 0));
  // A gauge, not a counter: the count restarts with supd and a reload can drop a unit.
  perUnit('supd_unit_restarts', 'Restarts of the unit since supd started', (u) => u.restarts);
  perUnit('supd_unit_stale', 'Whether the follower runs on metadata older than its master\'s (1) or not (0)', (u) => (u.stale ? 1 : 0));
  perUnit('supd_unit_cpu_ratio', 'CPU used by the unit\'s main process, in cores (last sample)', (u) => (u.cpu === null ? null : u.cpu / 100));
  perUnit('supd_unit_memory_bytes', 'Resident memory of the unit\'s main process (last sample)', (u) => u.memory);
  perUnit('supd_unit_uptime_seconds', 'Seconds since the unit\'s current process was spawned', (u) => (u.uptime === null ? null : u.uptime / 1000));
  new Gauge({
    name: 'supd_rollouts', help: 'Rollouts kept by supd, by state', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      const all = source()?.rollouts() ?? [];
      for (const s of ROLLOUT_STATES) this.set({ state: s }, all.filter((r) => r.state === s).length);
    },
  });
  new Gauge({
    name: 'supd_rollout_steps', help: 'Steps of the running rollouts, by state', labelNames: ['rollout', 'target', 'state'], registers: [registry],
    collect() {
      this.reset();
      for (const r of source()?.rollouts() ?? []) {
        if (r.state !== 'running') continue;
        for (const st of ['pending', 'in-progress', 'ok', 'error', 'canceled'] as const) {
          this.set({ rollout: r.id, target: r.target, state: st }, r.steps.filter((x) => x.state === st).length);
        }
      }
    },
  });
  return registry;
}
