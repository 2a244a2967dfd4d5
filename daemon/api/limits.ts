// The API's plain constants (log line limits, rolling strategies), apart from the TypeBox schemas
// in contract.ts so that supctl can read them without loading TypeBox (~250 ms of start-up).
export const ROLLING_STRATEGIES = ['one-by-one', 'half-by-half'] as const;
export type RollingStrategy = (typeof ROLLING_STRATEGIES)[number];

export const DEFAULT_LOG_LINES = 100;
export const MAX_LOG_LINES = 100_000;
