/**
 * Dissemination: an onward referral of a report to another agency, recorded
 * in the report's history (and so in its `disseminations`) and audited as
 * `report.disseminate`. Nothing is sent from here: the record says who
 * passed what to whom, under which grading, and why.
 *
 * THE handling rule, from the 3x5x2 grading (commands.ts gradeReport):
 * - an ungraded report is not disseminated (BAD_USER_INPUT: grade it first);
 * - handling code P (lawful sharing permitted): its holder or a supervisor;
 * - handling code C (sharing only with conditions) is this service's "do not
 *   disseminate without a supervisor": FORBIDDEN to an investigator; a
 *   supervisor must say `override: true`, and the record keeps that and the
 *   reason.
 * The reason and the recipient's name are staff-typed text: sealed under the
 * report's data key like every reason (reports/content/reasons.ts), opened only by the
 * audited read.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../auth/types.js';
import { badInput, forbidden } from '../../errors.js';
import * as access from '../rules/access.js';
import type { ChangeExecutor } from './change.js';
import type { DeskDeps } from './deps.js';
import { changed, gradingCode } from './presenters.js';
import { reasonText, staffText } from '../rules/staff-text.js';
import type { HistoryEntry, ReportDoc } from '../model/types.js';

/** Who a report may be passed to. */
export const RECIPIENT_KINDS = ['MI5', 'CTIO', 'BOROUGH_INTELLIGENCE_UNIT', 'OTHER_FORCE'] as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];

/** The handling code that needs a supervisor's override. */
export const RESTRICTED_HANDLING = 'C';

export interface DisseminationInput {
  to: RecipientKind;
  /** The named recipient: an officer, unit or force. */
  recipient: string;
  reason: string;
  /** A supervisor overriding a restrictive handling code. */
  override?: boolean | null;
}

/** One onward referral as a view shows it (from its history entry). */
export interface Dissemination {
  id: string;
  to: RecipientKind;
  /** Null outside the audited read (sealed). */
  recipient: string | null;
  handling: string | null;
  grading: string | null;
  override: boolean;
  at: Date;
  byId: string;
  byName: string | null;
  /** Null outside the audited read (sealed). */
  reason: string | null;
}

const DISSEMINATED = 'disseminated';

/** A report's disseminations, from its history (opened or not, as the view holds it). */
export function disseminationsOf(history: readonly HistoryEntry[] | undefined): Dissemination[] {
  return (history ?? [])
    .filter((e) => e.action === DISSEMINATED && e.to)
    .map((e) => {
      const to = e.to as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      return {
        id: String(to.dissemination),
        to: to.recipientKind as RecipientKind,
        recipient: str(to.recipient),
        handling: str(to.handling),
        grading: str(to.grading),
        override: to.override === true,
        at: e.at,
        byId: e.actor.id,
        byName: e.actor.name ?? null,
        reason: e.reason,
      };
    });
}

/** The refusal, if any, of disseminating `doc` as `p` asked (the handling rule above). */
function handlingCheck(p: Principal | null, doc: ReportDoc, override: boolean) {
  if (!doc.grading) throw badInput('Grade the report (3x5x2) before disseminating it', ['id']);
  if (doc.grading.handling !== RESTRICTED_HANDLING) {
    if (override) throw badInput(`override is only for a report whose handling code is ${RESTRICTED_HANDLING}`, ['override']);
    return;
  }
  if (!access.isSupervisor(p)) throw forbidden(`Handling code ${RESTRICTED_HANDLING} restricts sharing: only a supervisor may disseminate this report`);
  if (!override) throw forbidden(`Handling code ${RESTRICTED_HANDLING} restricts sharing: set override, with your reason, to disseminate it`);
}

/** The dissemination command, on the desk service's dependencies and its change executor. */
export function createDissemination(deps: Pick<DeskDeps, 'vault'>, executor: ChangeExecutor) {
  const { vault } = deps;
  return {
    /** Records an onward referral of a report its caller holds (or any, for a supervisor), under the handling rule. */
    async disseminateReport(principal: Principal | null, id: string, input: DisseminationInput) {
      access.assertStaff(principal);
      if (!RECIPIENT_KINDS.includes(input.to)) throw badInput('Unknown recipient kind', ['to']);
      const recipient = staffText(input.recipient, 'recipient', { min: 2, max: 200 });
      const why = reasonText(input.reason);
      const override = input.override === true;
      const disseminationId = randomUUID();
      const doc = await executor.change(
        principal,
        id,
        {
          op: 'disseminate',
          transition: 'disseminate',
          check(d) {
            access.assertHolds(principal, d);
            handlingCheck(principal, d, override);
          },
          where: (d) => ({ status: d.status, assignee: d.assignee }),
          from: () => null,
          to: (d) => ({
            dissemination: disseminationId,
            recipientKind: input.to,
            recipient: vault.sealReason(d, recipient),
            grading: gradingCode(d.grading),
            handling: d.grading?.handling ?? null,
            override,
          }),
          reason: why,
          retry: true,
        },
        { dissemination: disseminationId, recipientKind: input.to, override },
      );
      return changed(doc);
    },
  };
}
