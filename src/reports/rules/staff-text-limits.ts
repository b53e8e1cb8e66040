/**
 * Limits on what staff type into desk work (reasons, notes, reveal reasons):
 * no imports, so the service and the console's forms share them.
 */
export const STAFF_TEXT_LIMITS = { reason: 2_000, note: 10_000, revealReasonMin: 10, reasonMin: 3 } as const;
