// Patterns shared by the unit schema (units/schema-def.ts, build time) and the run-time checks.

/** A duration as written: one or more number+unit parts, like 1m30s. */
export const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
/** A unit, instance or group name. */
export const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
