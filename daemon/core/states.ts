// The names of every state supd reports, written once: a unit's (SPEC.md's lifecycle), a
// rollout's and a rollout step's. control.ts, the API contract and the metrics take them from here.

export const UNIT_STATES = ['inactive', 'waiting', 'starting', 'ready', 'draining', 'stopping', 'backoff', 'failed'] as const;
export type UnitStateName = (typeof UNIT_STATES)[number];

export const ROLLOUT_STATES = ['running', 'ok', 'error', 'canceled', 'interrupted'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export const ROLLOUT_STEP_STATES = ['pending', 'in-progress', 'ok', 'error', 'canceled'] as const;
export type RolloutStepState = (typeof ROLLOUT_STEP_STATES)[number];
