/**
 * Intake input limits: plain numbers with no imports, so the server's
 * validation (`validation.ts`) and the console's forms (`src/web/`) read the
 * same values and cannot drift apart.
 * Guarded by: tests/e2e/call-handler.test.ts (the form and the server both refuse a value over its limit).
 */
export const INTAKE_LIMITS = {
  narrative: 20_000,
  name: 200,
  long: 2_000,
  short: 200,
  phone: 40,
  listItems: 20,
  aliases: 10,
  futureSkewMs: 5 * 60_000,
  pastMs: 30 * 24 * 3600_000,
} as const;
