/**
 * What a link shares (issue 26, item 2): the value(s) two linked reports
 * have in common, shown to a viewer who may read BOTH reports; anyone else
 * sees only the kinds (`reasons`), as before. The other report's indexed
 * values are opened through the content vault's `openIndexed` and the read
 * audited under that report (`report.read`, `purpose: 'link-values'`, the
 * pair named by its keyed id only), before anything is returned, as search
 * audits its candidates. At most SHARED_VALUES_MAX links of one report are
 * opened so (a report with more says the kinds only for the rest).
 *
 * Also "linked by <name>": who made or confirmed a link by hand, named by
 * the staff-names rule, and only to a viewer who may read both reports.
 */
import type { Principal, StaffPrincipal } from '../../auth/types.js';
import type { IndexKind } from '../../crypto/index.js';
import * as access from '../rules/access.js';
import type { DeskDeps } from './deps.js';
import { indexedValuesOf, type IndexedValues } from '../model/indexed-content.js';
import { createEnvelopeMac } from '../model/envelope-mac.js';
import { pairKey } from '../store/links.js';
import { POSSIBLE_REASON, type ReportLink } from '../model/types.js';
import type { ReportContent } from '../model/content.js';
import { staffNamesFor } from './staff-names.js';
import { userActor } from './presenters.js';

/** Links of one report whose shared values are opened at most (each costs a read and a decryption of the other report). */
export const SHARED_VALUES_MAX = 25;

/** One value two linked reports share: its kind, this report's spelling, and the other's where it differs (a name that sounds alike). */
export interface SharedValue {
  kind: string;
  value: string;
  theirs: string | null;
}

type SeenLink = ReportLink & { visible: boolean };
export type LinkWithValues = SeenLink & { shared: SharedValue[] | null; linkedBy: string | null };

const EXACT_KINDS: IndexKind[] = ['name', 'vehicle', 'phone', 'postcode'];

/** The values `mine` and `theirs` share, exact per kind, then names that only sound alike. */
export function sharedValues(deps: Pick<DeskDeps, 'crypto'>, mine: IndexedValues, theirs: IndexedValues, reasons: readonly string[]): SharedValue[] {
  const ix = deps.crypto.blindIndex;
  const out: SharedValue[] = [];
  for (const kind of EXACT_KINDS) {
    for (const value of new Set(mine[kind])) if (theirs[kind].some((t) => ix.sameNormalised(kind, value, t))) out.push({ kind, value, theirs: null });
  }
  if (reasons.includes(POSSIBLE_REASON) || !out.length) {
    for (const value of new Set(mine.name)) {
      if (out.some((s) => s.kind === 'name' && s.value === value)) continue;
      const other = theirs.name.find((t) => ix.samePhonetic(value, t));
      if (other !== undefined) out.push({ kind: POSSIBLE_REASON, value, theirs: other });
    }
  }
  return out;
}

export function createLinkValues(deps: Pick<DeskDeps, 'reports' | 'crypto' | 'vault' | 'users' | 'log'>) {
  const envelope = createEnvelopeMac(deps.crypto.integrity);
  return {
    /**
     * `links` of the report `reportId` (whose content the viewer has just
     * read: `content`) with what each shares and who linked it, where the
     * viewer may read the other end; null values otherwise.
     */
    async withValues(principal: Principal, reportId: string, content: Partial<ReportContent> | null, links: readonly SeenLink[]): Promise<LinkWithValues[]> {
      const viewer = principal as StaffPrincipal;
      const mine = content ? indexedValuesOf(content) : null;
      const recorded: Promise<unknown>[] = [];
      let opened = 0;
      const byIds = [...new Set(links.filter((l) => l.visible && l.by).map((l) => l.by!))];
      const people = (await Promise.all(byIds.map((id) => deps.users.findById(id)))).filter((u) => !!u);
      const names = staffNamesFor(viewer, byIds, people as never);
      const out = await Promise.allSettled(
        links.map(async (link): Promise<LinkWithValues> => {
          const none = { ...link, shared: null, linkedBy: null };
          if (!link.visible) return none;
          const linkedBy = link.by ? (names.names.get(link.by) ?? null) : null;
          if (!mine || opened >= SHARED_VALUES_MAX) return { ...none, linkedBy };
          opened++;
          const doc = await deps.reports.findForConfirming(link.reportId);
          // Read again at its current desk: the view's desk may be older than a move.
          if (!doc?.content || !doc.dataKey || !access.canReadReport(viewer, doc)) return { ...none, linkedBy };
          const problems = envelope.problems(doc);
          if (problems) {
            deps.log.error({ reportId: doc._id, fieldPath: `envelope: ${problems.join(', ')}`, purpose: 'link-values' }, 'data integrity failure');
            return { ...none, linkedBy };
          }
          const theirs = deps.vault.openIndexed(doc);
          // Recorded as soon as it is decrypted (as search does), so a later link's failed lookup cannot leave it off the
          // record; watched at once, so an append refused while another link's read is on its way is never a rejection
          // nobody waits for (it would end the process). Awaited below, with every other.
          const record = theirs.record(userActor(viewer), { purpose: 'link-values', pair: pairKey(deps.crypto, reportId, doc._id) });
          record.catch(() => undefined);
          recorded.push(record);
          return { ...link, linkedBy, shared: sharedValues(deps, mine, theirs.values, link.reasons) };
        }),
      );
      // Every read on record before a value (or a failure) leaves.
      await Promise.all(recorded);
      const failed = out.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (failed) throw failed.reason;
      return out.map((x) => (x as PromiseFulfilledResult<LinkWithValues>).value);
    },
  };
}
