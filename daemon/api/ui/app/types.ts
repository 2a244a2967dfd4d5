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

export interface UiError {
  error: { code: string; message: string; hint?: string };
}
