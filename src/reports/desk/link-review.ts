/**
 * Investigators' judgement on links (issue 26, item 2): propose a link
 * between two reports they may both read, or flag a possible link (names
 * that only sound alike: `strengthOf` in reports/model/types.ts) as
 * confirmed or wrong. Supervisors keep `linkReports` / `unlinkReports`
 * (corrections.ts) for every link; an investigator cannot remove a link
 * triage confirmed by an exact value, nor one made by hand, nor link again
 * a pair a supervisor unlinked.
 *
 * The same three writes as a supervisor's manual link (corrections.ts): the
 * history entry on each report (`linked_manually` / `unlinked`, audited as
 * `report.link` / `report.unlink` with `review: proposed | confirmed |
 * wrong`), then the edge, flagged manual (or dismissed) and sealed with who
 * did it, shown as "linked by <name>" only to a viewer who may read both
 * reports. Running a command again after a crash finishes it.
 */
import type { Principal, StaffPrincipal } from '../../auth/types.js';
import { badInput, notFound } from '../../errors.js';
import * as access from '../rules/access.js';
import type { ChangeExecutor } from './change.js';
import { loadReport, type DeskServiceDeps } from './deps.js';
import { edgeOf, pairKey } from '../store/links.js';
import { changed } from './presenters.js';
import { reasonText } from '../rules/staff-text.js';
import { allows } from '../rules/state-machine.js';
import { strengthOf, type ReportDoc } from '../model/types.js';

const LINKED = 'linked_manually';
const UNLINKED = 'unlinked';
type Review = 'proposed' | 'confirmed' | 'wrong';

function endDone(doc: ReportDoc, edgeId: string, action: string): boolean {
  const last = [...doc.history].reverse().find((e) => (e.action === LINKED || e.action === UNLINKED) && e.to?.link === edgeId);
  return last?.action === action;
}

export function createLinkReview(deps: Pick<DeskServiceDeps, 'reports' | 'crypto'>, executor: ChangeExecutor) {
  const { reports, crypto } = deps;

  /** Both reports, each readable by the investigator (a report they may not read is NOT_FOUND, as `report` answers). */
  async function pairOf(p: Principal | null, a: string, b: string) {
    access.assertStaff(p);
    if (a === b) throw badInput('A report cannot be linked to itself', ['b']);
    const [docA, docB] = [await loadReport(reports, a), await loadReport(reports, b)];
    for (const [doc, field] of [[docA, 'a'], [docB, 'b']] as const) {
      if (!access.canReadReport(p, doc)) throw notFound('Report');
      if (!allows('linkManual', doc.status)) throw badInput('An erased report cannot be linked or unlinked', [field]);
    }
    return { p: p as StaffPrincipal, docA, docB, edgeId: pairKey(crypto, a, b) };
  }

  async function recordEnd(p: StaffPrincipal, id: string, op: 'link' | 'unlink', review: Review, why: string, edgeId: string) {
    const action = op === 'link' ? LINKED : UNLINKED;
    const current = await loadReport(reports, id);
    if (endDone(current, edgeId, action)) return current;
    return executor.change(
      p,
      id,
      {
        op,
        transition: op === 'link' ? 'linkManual' : 'unlink',
        check: (d) => {
          if (!access.canReadReport(p, d)) throw notFound('Report');
        },
        where: (d) => ({ status: d.status }),
        from: () => null,
        to: () => ({ link: edgeId, manual: op === 'link', review }),
        reason: why,
        retry: true,
      },
      { link: edgeId, review },
    );
  }

  async function link(principal: Principal | null, a: string, b: string, reason: string, review: Review) {
    const why = reasonText(reason);
    const { p, docA, docB, edgeId } = await pairOf(principal, a, b);
    const edge = await reports.findLinkEdge(a, b);
    const live = !!edge && !edge.dismissedAt;
    // A supervisor's unlink (a tombstone nobody flagged wrong) stands until a supervisor links the pair again.
    if (edge?.dismissedAt && !edge.by && !access.isSupervisor(p) && !endDone(docA, edgeId, LINKED)) {
      throw badInput('A supervisor unlinked these reports: ask a supervisor to link them again', ['b']);
    }
    if (review === 'confirmed' && (!live || strengthOf({ manual: edge!.manual, reasons: edge!.reasons }) !== 'POSSIBLE') && !endDone(docA, edgeId, LINKED)) {
      throw badInput('Only a possible link can be confirmed', ['b']);
    }
    if (live && edge.manual && endDone(docA, edgeId, LINKED) && endDone(docB, edgeId, LINKED)) return changed(docA);
    const after = await recordEnd(p, a, 'link', review, why, edgeId);
    await recordEnd(p, b, 'link', review, why, edgeId);
    await reports.recordManualLink({ ...edgeOf(crypto, docA, docB, [], new Date()), by: p.userId });
    return changed(after);
  }

  return {
    /** Links two reports the investigator may both read, by hand (CONFIRMED, "linked by" them). */
    proposeLink: (principal: Principal | null, a: string, b: string, reason: string) => link(principal, a, b, reason, 'proposed'),

    /** A possible link (names that sound alike) judged the same person: it becomes CONFIRMED, "linked by" them. */
    confirmLink: (principal: Principal | null, a: string, b: string, reason: string) => link(principal, a, b, reason, 'confirmed'),

    /** A possible link judged wrong: dismissed like an unlink (a later triage does not bring it back). Only a POSSIBLE one. */
    async markLinkWrong(principal: Principal | null, a: string, b: string, reason: string) {
      const why = reasonText(reason);
      const { p, docA, docB, edgeId } = await pairOf(principal, a, b);
      const edge = await reports.findLinkEdge(a, b);
      const started = endDone(docA, edgeId, UNLINKED) || endDone(docB, edgeId, UNLINKED);
      const possible = !!edge && !edge.dismissedAt && strengthOf({ manual: edge.manual, reasons: edge.reasons }) === 'POSSIBLE';
      if (!possible && !started) throw badInput('Only a possible link can be flagged wrong: ask a supervisor to unlink', ['b']);
      const after = await recordEnd(p, a, 'unlink', 'wrong', why, edgeId);
      await recordEnd(p, b, 'unlink', 'wrong', why, edgeId);
      await reports.dismissLink(a, b, new Date(), p.userId);
      return changed(after);
    },
  };
}
