/**
 * THE closing outcomes: what came of a report, recorded with the transition
 * that closes it (reports/rules/state-machine.ts: the `close` row takes one) and kept in
 * plaintext on the report for statistics (encrypted-fields.ts says why).
 * The console imports the labels from here, so the words are written once.
 * No imports: the browser bundle reads this file.
 */
export const CLOSE_OUTCOMES = ['ARREST', 'DISRUPTION', 'INTELLIGENCE_LOGGED', 'PASSED_TO_BOROUGH', 'NO_TRACE', 'MALICIOUS'] as const;
export type CloseOutcome = (typeof CLOSE_OUTCOMES)[number];

/** How people read each outcome (the console, the history in words). */
export const OUTCOME_LABELS: Record<CloseOutcome, string> = {
  ARREST: 'Arrest',
  DISRUPTION: 'Disruption',
  INTELLIGENCE_LOGGED: 'Intelligence logged',
  PASSED_TO_BOROUGH: 'Passed to a borough',
  NO_TRACE: 'No trace',
  MALICIOUS: 'Malicious',
};

export const isCloseOutcome = (v: unknown): v is CloseOutcome => typeof v === 'string' && (CLOSE_OUTCOMES as readonly string[]).includes(v);
