// Patterns shared by the unit schema (units/schema-def.ts, build time) and the run-time checks.

/** A unit, instance or group name. */
export const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
