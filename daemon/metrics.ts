// Prometheus metrics (prom-client): per-unit state, readiness, restarts, CPU and memory from the
// last batched stats sample, and rollouts. Computed when scraped, from the runtime's status view,
// so nothing runs per unit between scrapes; prom-client itself is loaded, and its process metrics
// started, on the first scrape, so a supd nobody scrapes pays neither its memory nor its timers.
import type { Registry } from 'prom-client';
import { ROLLOUT_STATES, ROLLOUT_STEP_STATES, UNIT_STATES, type UnitStatus, type RolloutView } from './control.js';
import type { WarningCounts } from './warnings.js';

export interface MetricsSource {
  list(): UnitStatus[];
  rollouts(): RolloutView[];
}

/** What went wrong without a state change: counted so that a scrape shows it (daemon/warnings.ts). */
export interface TroubleSource {
  counts: WarningCounts;
  /** Bytes of the unit's output lost to log write errors since supd started. */
  lostBytes(unit: string): number;
}


// The event-loop delay histogram ticks at this resolution for as long as supd runs: prom-client's
// 10 ms default alone costs an idle supd ~0.6 % of a core; 100 ms still sees every stall that long.
const EVENT_LOOP_RESOLUTION_MS = 100;

export function createMetrics(source: () => MetricsSource | null, troubles: TroubleSource | null = null): { render(): Promise<string> } {
  let registry: Promise<Registry> | null = null;
  // One status view per scrape, read by every per-unit gauge (a list() builds every unit's status).
  let units: UnitStatus[] = [];
  return {
    render: async () => {
      registry ??= createRegistry(source, () => units, troubles);
      const reg = await registry;
      units = source()?.list() ?? [];
      return reg.metrics();
    },
  };
}

async function createRegistry(source: () => MetricsSource | null, units: () => UnitStatus[], troubles: TroubleSource | null): Promise<Registry> {
  const { Counter, Gauge, Registry, collectDefaultMetrics } = await import('prom-client');
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
  perUnit('supd_unit_log_failing', 'Whether the unit\'s output is not being written to its log right now (1) or is (0)', (u) => (u.logError === null ? 0 : 1));
  if (troubles !== null) {
    const { counts } = troubles;
    /** A counter whose value is kept elsewhere: set from it at each scrape. */
    const mirrored = (name: string, help: string, labelNames: string[], fill: (set: (labels: Record<string, string>, v: number) => void) => void): void => {
      new Counter({
        name, help, labelNames, registers: [registry],
        collect() {
          this.reset();
          fill((labels, v) => {
            if (v > 0) this.inc(labels, v);
          });
        },
      });
    };
    mirrored('supd_unit_log_lost_bytes_total', 'Bytes of the unit\'s output lost because its log could not be written (disk full…)', ['unit'],
      (set) => {
        for (const u of units()) set({ unit: u.name }, troubles.lostBytes(u.name));
      });
    mirrored('supd_unit_leftover_processes_total', 'Processes of the unit still alive after their tree was sent SIGKILL', ['unit'],
      (set) => {
        for (const [unit, n] of counts.leftovers) set({ unit }, n);
      });
    mirrored('supd_warnings_total', 'Warnings logged about each unit (or supd itself) that changed no state', ['unit'],
      (set) => {
        for (const [unit, n] of counts.warnings) set({ unit }, n);
      });
    mirrored('supd_core_exceptions_total', 'Exceptions thrown while supd\'s core handled an event (logged; supd carried on)', [],
      (set) => set({}, counts.coreExceptions));
  }
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
        for (const st of ROLLOUT_STEP_STATES) {
          this.set({ rollout: r.id, target: r.target, state: st }, r.steps.filter((x) => x.state === st).length);
        }
      }
    },
  });
  return registry;
}
