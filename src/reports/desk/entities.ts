/**
 * Entity pages (issue 26, item 1): a subject name, phone, vehicle
 * registration or postcode of a report the viewer may read, and every report
 * filed under it.
 *
 * The value never travels in an address: the console links to an opaque
 * reference, `<report id>.<kind>.<n>` (the n-th value of that kind in the
 * report's indexed content, `entityRefsOf`), which the server resolves only
 * after checking the viewer may read that report; an unknown reference, one
 * naming a report the viewer may not read or a value it does not hold are
 * the same NOT_FOUND. The source report's indexed values are opened through
 * the content vault (`openIndexed`) and that read audited
 * (`report.read`, `purpose: 'entity'`).
 *
 * The page itself IS a search (search.ts `searchReports`, reused, not
 * copied): exact and, for names, phonetic and by name part; readable hits
 * confirmed by decryption with how each matched; reports the viewer may not
 * read only as one deconfliction notice per desk (no count, date or term);
 * audited as `report.search` with blind values only; bounded in store reads
 * by the search's SCAN_BUDGET and SLOT_BUDGET.
 */
import type { Principal, StaffPrincipal } from '../../auth/types.js';
import { notFound } from '../../errors.js';
import * as access from '../rules/access.js';
import type { DeskDeps } from './deps.js';
import { indexedValuesOf } from '../model/indexed-content.js';
import { createEnvelopeMac } from '../model/envelope-mac.js';
import type { ReportContent } from '../model/content.js';
import { userActor } from './presenters.js';
import type { ReportSearchFilter, SearchConnection } from './search.js';

/** The kinds of value with a page, and the search term each is looked up as. */
export const ENTITY_KINDS = { name: 'subjectName', phone: 'phone', vehicle: 'vehicleRegistration', postcode: 'postcode' } as const satisfies Record<string, keyof ReportSearchFilter>;
export type EntityKind = keyof typeof ENTITY_KINDS;

/** One value of a report with the reference of its page. */
export interface EntityRef {
  kind: EntityKind;
  value: string;
  ref: string;
}

export interface EntityPage {
  kind: EntityKind;
  value: string;
  /** The report the page was opened from. */
  fromReportId: string;
  search: SearchConnection;
}

const REF = /^([A-Za-z0-9_-]{1,64})\.(name|phone|vehicle|postcode)\.(\d{1,3})$/;

/** The values of a report's content that have a page, each with its opaque reference (report id, kind, index). */
export function entityRefsOf(reportId: string, content: Partial<ReportContent>): EntityRef[] {
  const values = indexedValuesOf(content);
  return (Object.keys(ENTITY_KINDS) as EntityKind[]).flatMap((kind) => values[kind].map((value, i) => ({ kind, value, ref: `${reportId}.${kind}.${i}` })));
}

/** Entity pages per page of hits at most (a page of search). */
export const ENTITY_PAGE_SIZE = 50;

export function createEntities(
  deps: Pick<DeskDeps, 'reports' | 'crypto' | 'vault' | 'log'>,
  search: (principal: Principal | null, filter: ReportSearchFilter, first?: number | null, after?: string | null) => Promise<SearchConnection>,
) {
  const envelope = createEnvelopeMac(deps.crypto.integrity);
  return {
    /** The page of the value `ref` names: checked, resolved, audited, then searched (see the file's comment). */
    async entity(principal: Principal | null, ref: string, first?: number | null, after?: string | null): Promise<EntityPage> {
      access.assertStaff(principal);
      const viewer = principal as StaffPrincipal;
      const m = typeof ref === 'string' ? REF.exec(ref) : null;
      if (!m) throw notFound('Entity');
      const [, reportId, kind, index] = m as unknown as [string, string, EntityKind, string];
      const doc = await deps.reports.findForConfirming(reportId);
      if (!doc?.content || !doc.dataKey || !access.canReadReport(viewer, doc)) throw notFound('Entity');
      const problems = envelope.problems(doc);
      if (problems) {
        deps.log.error({ reportId: doc._id, fieldPath: `envelope: ${problems.join(', ')}`, purpose: 'entity' }, 'data integrity failure');
        throw notFound('Entity');
      }
      const read = deps.vault.openIndexed(doc);
      const value = read.values[kind][Number(index)];
      if (value === undefined) throw notFound('Entity');
      await read.record(userActor(viewer), { purpose: 'entity', kind });
      const found = await search(viewer, { [ENTITY_KINDS[kind]]: value }, first ?? ENTITY_PAGE_SIZE, after);
      return { kind, value, fromReportId: doc._id, search: found };
    },
  };
}

/**
 * What the page says when more reports are filed under the value than it
 * shows (the search's `hasNextPage`: a common surname, a crowded postcode),
 * rather than listing thousands (issue 26, item 3): "shared by more than
 * N", N being what the page holds (at most its size, ENTITY_PAGE_SIZE by
 * default). Null when the page shows every report filed under the value.
 */
export function crowdedNoteOf(search: Pick<SearchConnection, 'edges' | 'pageInfo'>): string | null {
  if (!search.pageInfo.hasNextPage) return null;
  const n = search.edges.length;
  return n > 0
    ? `Filed under more than ${n} reports: the ${n} most recent are shown; search finds the others.`
    : 'Filed under more reports than one page could check: search finds them.';
}
