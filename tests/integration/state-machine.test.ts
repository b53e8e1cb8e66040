/**
 * The state machine is the only authority: every (status, transition) pair
 * of src/reports/rules/state-machine.ts is run through the real services (desk
 * service for staff operations, triage processor for the worker's) on a
 * report put in that status. An allowed pair must succeed and leave the
 * report in the row's target status; any other must fail with a coded error
 * (or, for the worker, do nothing) and change nothing.
 */
import { triageProcessorOf } from '../../src/worker.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, StaffPrincipal } from '../../src/auth/types.js';
import { AppError } from '../../src/errors.js';
import { createEnvelopeMac } from '../../src/reports/model/envelope-mac.js';
import { allows, targetOf, TRANSITIONS, type Transition } from '../../src/reports/rules/state-machine.js';
import { REPORT_STATUSES, type ReportDoc, type ReportStatus } from '../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { principalOf } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall } from '../support/payloads.js';

let app: TestApp;
let holder: StaffPrincipal;
let colleague: StaffPrincipal;
let other: { username: string };
let supervisor: Principal;
let callHandler: StaffPrincipal;

const HELD: readonly ReportStatus[] = ['ASSIGNED', 'UNDER_RESEARCH', 'ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION', 'CLOSED'];

beforeAll(async () => {
  app = await bootApp();
  holder = (await principalOf(app, (await createStaff(app, 'INVESTIGATOR', 'SO12')).token)) as StaffPrincipal;
  colleague = (await principalOf(app, (await createStaff(app, 'INVESTIGATOR', 'SO12')).token)) as StaffPrincipal;
  other = await createStaff(app, 'INVESTIGATOR', 'SO12');
  supervisor = await principalOf(app, (await createStaff(app, 'SUPERVISOR')).token);
  callHandler = (await principalOf(app, (await createStaff(app, 'CALL_HANDLER')).token)) as StaffPrincipal;
});
afterAll(() => app?.close());

/** A real report (encrypted content, history) put directly into `status` on the SO12 desk. */
async function reportIn(status: ReportStatus, i: number): Promise<ReportDoc> {
  const doc = await app.deps.services.intake.recordHotlineCall(callHandler, hotlineCall(i, { subjects: [], vehicles: [], locations: [] }));
  const dueBy = new Date(Date.now() - 1000);
  await app.deps.database.db.collection<ReportDoc>('reports').updateOne(
    { _id: doc._id },
    {
      $set: {
        status,
        desk: status === 'RECEIVED' || status === 'TRIAGE_FAILED' ? null : 'SO12',
        priority: status === 'RECEIVED' || status === 'TRIAGE_FAILED' ? null : 'P3',
        assignee: HELD.includes(status) ? holder.userId : null,
        triagePending: status === 'RECEIVED' || status === 'TRIAGE_FAILED',
        triage: status === 'RECEIVED' || status === 'TRIAGE_FAILED' ? null : { ruleSetVersion: 't', reasons: [], decidedAt: dueBy, dueBy },
        // Graded (handling P), so that dissemination is decided by its row alone.
        grading: { source: '2', intelligence: 'B', handling: 'P', by: holder.userId, at: dueBy },
        ...(status === 'ERASED' ? { content: null, dataKey: null, bidx: [] } : {}),
      },
    },
  );
  // Set up with the integrity key, as the service would have written it: the envelope MAC covers status, desk and assignee.
  const placed = (await app.deps.reports.findById(doc._id))!;
  await app.deps.database.db.collection<ReportDoc>('reports').updateOne({ _id: doc._id }, { $set: createEnvelopeMac(app.deps.crypto.integrity).seal(placed) });
  await app.deps.reports.syncSideTables((await app.deps.reports.findById(doc._id))!);
  return (await app.deps.reports.findById(doc._id))!;
}

/** The other end of manual links: one TRIAGED report, made once. */
let linkPartner: Promise<string> | null = null;
const partnerReport = () => (linkPartner ??= reportIn('TRIAGED', 99).then((d) => d._id));

function processor() {
  return triageProcessorOf(app.deps);
}

/** Runs `transition` on `doc` the way the system does; resolves true when it says it did it. */
async function run(transition: Transition, doc: ReportDoc): Promise<boolean> {
  const desk = app.deps.services.desk;
  const reason = 'state machine walk';
  switch (transition) {
    case 'intake':
      return false;
    case 'triage':
      return (await processor().route(doc._id)) === 'routed';
    case 'triageFailed':
      return processor().markFailed(doc._id, reason);
    case 'escalate':
      return processor().escalate(doc._id, doc.triage?.dueBy.toISOString() ?? '');
    case 'claim':
      await desk.claimReport(colleague, doc._id);
      return true;
    case 'release':
      await desk.releaseReport(holder, doc._id, reason);
      return true;
    case 'refer':
      await desk.referReport(doc.assignee ? holder : colleague, doc._id, 'SO13', reason);
      return true;
    case 'research':
    case 'action':
    case 'referElsewhere':
    case 'noFurtherAction':
    case 'close':
      await desk.transitionReport(holder, doc._id, TRANSITIONS[transition].to, reason, doc.version, transition === 'close' ? 'NO_TRACE' : null);
      return true;
    case 'addNote':
      await desk.addResearchNote(holder, doc._id, 'a note');
      return true;
    case 'grade':
      await desk.gradeReport(holder, doc._id, { source: '2', intelligence: 'B', handling: 'P' });
      return true;
    case 'reassign':
      await desk.reassignReport(supervisor, doc._id, other.username, reason);
      return true;
    case 'reopen':
      await desk.reopenReport(supervisor, doc._id, reason);
      return true;
    case 'retryTriage':
      await desk.retryTriage(supervisor, doc._id, reason);
      return true;
    case 'erase':
      await desk.eraseReport(supervisor, doc._id, reason);
      return true;
    case 'changePriority':
      await desk.changeReportPriority(supervisor, doc._id, 'P1', reason);
      return true;
    case 'changeCategories':
      await desk.changeReportCategories(supervisor, doc._id, ['FINANCE', 'TRAVEL'], reason);
      return true;
    case 'linkManual':
      await desk.linkReports(supervisor, doc._id, (await partnerReport()), reason);
      return true;
    case 'unlink': {
      const other = await partnerReport();
      if (allows('linkManual', doc.status)) await desk.linkReports(supervisor, doc._id, other, reason);
      await desk.unlinkReports(supervisor, doc._id, other, reason);
      return true;
    }
    case 'disseminate':
      await desk.disseminateReport(holder, doc._id, { to: 'CTIO', recipient: 'CTIO North', reason });
      return true;
  }
}

const transitions = (Object.keys(TRANSITIONS) as Transition[]).filter((t) => t !== 'intake');

describe('the state machine, walked through the services', () => {
  it.each(transitions)('%s: allowed from exactly the statuses of its row, to its target', async (transition) => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const [i, status] of REPORT_STATUSES.entries()) {
      const doc = await reportIn(status, i);
      // reopenReport hands a report still waiting for triage to retryTriage (same operation, its own row).
      const allowed = allows(transition, status) || (transition === 'reopen' && allows('retryTriage', status));
      const target = allowed ? (transition === 'reopen' && !allows('reopen', status) ? status : targetOf(transition, status)) : status;
      let outcome: string;
      try {
        outcome = (await run(transition, doc)) ? 'done' : 'refused';
      } catch (err) {
        expect(err, `${transition} from ${status}`).toBeInstanceOf(AppError);
        expect(['BAD_USER_INPUT', 'CONFLICT', 'FORBIDDEN'], `${transition} from ${status}: ${(err as AppError).message}`).toContain((err as AppError).code);
        outcome = 'refused';
      }
      const after = (await app.deps.reports.findById(doc._id))!;
      outcomes.push(`${status} → ${outcome} → ${after.status}`);
      expected.push(`${status} → ${allowed ? 'done' : 'refused'} → ${target}`);
      if (!allowed) expect(after.version, `${transition} from ${status} changed the report`).toBe(doc.version);
    }
    expect(outcomes).toEqual(expected);
  });

  it('offers only the workflow steps and actions its rows allow', async () => {
    const { workflowFrom, actionsFrom } = await import('../../src/reports/rules/state-machine.js');
    expect(workflowFrom('ASSIGNED').map((s) => s.to)).toEqual(['UNDER_RESEARCH']);
    expect(workflowFrom('TRIAGED')).toEqual([]);
    expect(actionsFrom('ERASED')).toEqual([]);
    expect(actionsFrom('TRIAGE_FAILED')).toEqual(['RETRY_TRIAGE', 'ERASE', 'CHANGE_CATEGORIES']);
    // A closed report takes no grading, note or priority change: the console hides those forms from this list.
    expect(actionsFrom('CLOSED')).toEqual(['REOPEN', 'ERASE', 'DISSEMINATE']);
    expect(actionsFrom('UNDER_RESEARCH')).toEqual(expect.arrayContaining(['GRADE', 'ADD_NOTE', 'CHANGE_PRIORITY']));
    expect(workflowFrom('ACTIONED').find((s) => s.to === 'CLOSED')).toMatchObject({ reasonRequired: true, outcomeRequired: true });
    expect(workflowFrom('ASSIGNED').every((s) => !s.outcomeRequired)).toBe(true);
  });
});
