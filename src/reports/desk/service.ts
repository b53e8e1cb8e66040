/**
 * Desk work: the SO12/SO13 queues, claiming, the status workflow, research
 * notes, grading, referral between desks, supervision, revealing a caller
 * and erasure. This file only wires the parts together; by concern:
 *
 * - change.ts: the change executor. Every change is one atomic
 *   single-document update (through the report writer, `reports/store/writer.ts`) guarded
 *   by the version read and by a precondition on status/assignee; the same
 *   update appends its hash-chained history entry and carries its audit
 *   event, which is then appended to the system-wide chain (or, if that
 *   fails, by the worker's audit recovery): the local store has no transactions, so
 *   the change and its records are one write.
 * - commands.ts, supervision.ts, corrections.ts, dissemination.ts: the changes investigators and supervisors make.
 * - bundle.ts: a report exported as a signed bundle (an audited read).
 * - queries.ts: reads that decrypt nothing; overview.ts: the supervisor's overview, from the side tables.
 * - disclosure.ts: reads of content and caller reveals, audited BEFORE
 *   anything is returned; they fail if the audit write fails. Every seal
 *   and open of content, and the audited read itself, is the content
 *   module's (reports/content/vault.ts), built here from the same services.
 * - search.ts: finding reports; a read of candidates' indexed fields, audited.
 * - neighbourhood.ts: a report's link chart and timeline; a read of readable reports' indexed fields, audited.
 * - view.ts, presenters.ts, cursors.ts: the view desk work returns, how it is
 *   built, the queue's cursor; staff-names.ts: which people a view names.
 *
 * Mutations return the report's state and history without content: nothing
 * is decrypted for them, so nothing needs auditing as a read. Content is read
 * by `report(id)`, `revealCaller`, signed bundles and search, each audited by
 * the content module (reports/content/vault.ts).
 */
import { createChangeExecutor } from './change.js';
import { createDeskCommands } from './commands.js';
import { createDeskMoveCommands } from './desk-move.js';
import type { DeskServiceDeps } from './deps.js';
import { createDisclosure } from './disclosure.js';
import { createDeskQueries } from './queries.js';
import { createSupervisorCommands } from './supervision.js';
import { createCorrections } from './corrections.js';
import { createLinkReview } from './link-review.js';
import { createEntities } from './entities.js';
import { createDissemination } from './dissemination.js';
import { createBundles } from './bundle.js';
import { createFinding } from './search.js';
import { createUrgentAlerts } from './urgent-alerts.js';
import { createOverview } from './overview.js';
import { createStaffNaming } from './staff-names.js';
import { createContentVault } from '../content/vault.js';
import { createNeighbourhood } from './neighbourhood.js';

export { STAFF_TEXT_LIMITS } from '../rules/staff-text-limits.js';
export { TRIAGE_STUCK_AFTER_MS } from './queries.js';
export type { GradingInput } from './commands.js';
export type { Caller, CallerReveal } from './disclosure.js';
export type { DeskServiceDeps } from './deps.js';

/** The desk service: every desk and supervisor operation the GraphQL schema calls, built from the app's services. */
export function createDeskService(services: DeskServiceDeps) {
  const deps = { ...services, vault: createContentVault(services) };
  const executor = createChangeExecutor(deps);
  const disclosure = createDisclosure(deps);
  const finding = createFinding(deps, disclosure.report); // reportByReference reads as `report` does
  return {
    ...createDeskQueries(deps),
    ...createDeskCommands(deps, executor),
    ...createSupervisorCommands(deps, executor),
    ...createDeskMoveCommands(deps, executor),
    ...disclosure,
    ...finding,
    ...createEntities(deps, finding.searchReports), // an entity page is a search
    ...createCorrections(deps, executor),
    ...createLinkReview(deps, executor),
    ...createDissemination(deps, executor),
    ...createBundles(deps),
    ...createUrgentAlerts(deps),
    ...createOverview(deps),
    ...createStaffNaming(deps),
    ...createNeighbourhood(deps),
  };
}

export type DeskService = ReturnType<typeof createDeskService>;
