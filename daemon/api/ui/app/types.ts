// The parts of supd's API the status page reads, declared for the browser build (which cannot
// load contract.ts and its TypeBox). test/api/ui.test.ts checks that the API's own types are
// assignable to these, so a rename in the contract fails the build instead of the page.

export type UiState = 'inactive' | 'waiting' | 'starting' | 'ready' | 'draining' | 'stopping' | 'backoff' | 'failed';
export type UiStepState = 'pending' | 'in-progress' | 'ok' | 'error' | 'canceled';

export interface UiUnit {
  name: string;
  /** Set when the list comes from several supd (the fleet view); one supd leaves it out. */
  host?: string;
  state: UiState;
  pid: number | null;
  restarts: number;
  reason: string;
  since: string;
  uptime: number | null;
  stale: boolean;
  cpu: number | null;
  memory: number | null;
  groups: string[];
  connections: number | null;
  lbDisabled: boolean;
  forced: boolean;
}

export interface UiRollout {
  id: string;
  target: string;
  strategy: string;
  state: string;
  trigger: string;
  created: string;
  finished: string | null;
  error: { unit: string; reason: string } | null;
  steps: { unit: string; batch: number; state: UiStepState; reason: string | null }[];
}

export type UiEvent =
  | { type: 'transition'; unit: string; from: UiState; to: UiState; reason: string; at: string; pid: number | null }
  | { type: 'spawned'; unit: string; pid: number; at: string }
  | { type: 'rollout'; rollout: UiRollout; at: string }
  | { type: 'reload'; result: { changed: string[]; added: string[]; removed: string[] }; at: string }
  | { type: 'stale'; unit: string; stale: boolean; reason: string; at: string };

/** One unit of another host (or this one) as the fleet's etcd shows it; `unknown` while its host is unreachable. */
export interface UiFleetUnit {
  host: string;
  name: string;
  state: UiState | 'unknown';
  ready: boolean;
  pid: number | null;
  generation: number;
  stale: boolean;
  reason: string;
  since: string;
}

export interface UiFleetHost {
  name: string;
  reachable: boolean;
}

export interface UiEtcd {
  reachable: boolean;
  reason: string;
}

export type UiFleetRollout = UiRollout & { driver: string };

export type UiFleetEvent =
  | { type: 'fleet'; view: { self: string; hosts: UiFleetHost[]; units: UiFleetUnit[] }; rollouts: UiFleetRollout[]; etcd: UiEtcd; at: string }
  | { type: 'fleet-unit'; unit: UiFleetUnit; at: string }
  | { type: 'fleet-unit-gone'; host: string; name: string; at: string }
  | { type: 'fleet-host'; host: UiFleetHost; at: string }
  | { type: 'fleet-rollout'; rollout: UiFleetRollout; at: string }
  | { type: 'fleet-etcd'; etcd: UiEtcd; at: string };

export interface UiError {
  error: { code: string; message: string; hint?: string };
}
