/**
 * A report's neighbourhood for the link chart and its timeline: from a
 * report the viewer may read, the reports its links reach (depth 1 or 2),
 * the people, vehicles, phones and places they share, and what happened to
 * them on one time axis. Read over the existing links (reports/store/links.ts
 * through the repository's `linksOfMany`); the reports through `findForChart`:
 * a report this process kept from an earlier read while its freshness
 * records say it is unchanged (reports/store/report-cache.ts), else its card
 * while current (reports/model/card.ts), else read whole; the chart files the
 * cards of what it read whole.
 *
 * Need-to-know, as search's deconfliction (search.ts) has it:
 * - a report the viewer may read is a full node (reference, desk, status,
 *   date, categories) and is expanded further;
 * - a report the viewer may NOT read is never decrypted: only its current
 *   desk is used (`findDesks`; or, when its desk at link time was one the
 *   viewer may read, the report read whole as readable ones are, one lookup
 *   instead of two, and only its desk kept when it has moved since, as
 *   search's deconfliction reads such reports), and it becomes ONE placeholder per desk ("held by SO12"),
 *   joined only to the readable reports that link to it, with no kinds, no
 *   date and no reference; it is never expanded, so nothing it shares and
 *   nothing reached only through it is drawn, and no count of such reports
 *   can be read from the chart (one node per desk, however many);
 * - shared values (entity nodes) come only from readable reports (their
 *   terms: chart-values.ts), spelled by one of them opened through the
 *   vault's audited read (`openIndexed`), and only values held by at least
 *   two readable reports of the chart.
 *
 * Bounded like linking: at most MAX_NODES nodes; no further report's links
 * are read once the chart holds MAX_NODES reports and placeholders (they could
 * draw only links between reports already drawn: said in `truncated`); the
 * links of at most MAX_EXPANDED reports are read, and no further report's links once about
 * READ_BUDGET store reads are spent (a report's links are counted at two reads
 * per link, its slot and its edge, though an edge whose slot carries it is not read:
 * reports/store/links.ts); whatever is left out is said in
 * `truncated`, never silently dropped.
 *
 * Opening a chart is audited like a search: every decryption as a
 * `report.read` (purpose `chart`) and the chart as a `report.chart` naming
 * the root report, the depth and what was drawn (counts of readable nodes,
 * the placeholder desks), never a value; all before anything is returned.
 * Exporting its picture (`recordChartExport`) is a `report.chart_export`.
 */
import { randomBytes } from 'node:crypto';
import type { Desk, Principal, StaffPrincipal } from '../../auth/types.js';
import { DESKS } from '../../auth/types.js';
import { badInput } from '../../errors.js';
import * as access from '../rules/access.js';
import { onTimeline, TIMELINE_ACTIONS, type CardHistoryEntry } from '../model/card.js';
import { strengthOf, type LinkStrength, type ReportDoc, type ReportLink, type ReportStatus, type ThreatCategory } from '../model/types.js';
import { createChartValues, type Charted, type EntityKind } from './chart-values.js';
import type { EdgesSeen } from '../store/links.js';
import type { DeskDeps } from './deps.js';
import { loadReport } from './deps.js';
import { userActor } from './presenters.js';

/** At most this many nodes (reports, placeholders and shared values) in one chart. */
export const MAX_NODES = 200;
/** The links of at most this many reports are read for one chart. */
export const MAX_EXPANDED = 60;
/** About this many store reads (reports by id, desks, link slots and edges, counted as the module comment says) for one chart before no further report's links are read. */
export const READ_BUDGET = 2_000;
/** The links of this many frontier reports are read at once (their slots, and the edges their slots do not carry: lookups sent together). */
const EXPAND_AT_ONCE = 8;
/** At most this many reports are read at once (each a lookup by _id; then their freshness checks: repository `findManyById`). */
const READ_AT_ONCE = 32;
/** Depths a chart may have. */
export const MAX_DEPTH = 2;

export type { EntityKind } from './chart-values.js';

export interface ReportNode {
  kind: 'REPORT';
  id: string;
  reportId: string;
  reference: string;
  desk: Desk | null;
  status: ReportStatus;
  receivedAt: Date;
  categories: ThreatCategory[];
  /** Links from the chart's report: 0 for itself. */
  depth: number;
}
export interface EntityNode {
  kind: 'ENTITY';
  id: string;
  entityKind: EntityKind;
  /** The value as the first readable report holding it spells it. */
  value: string;
}
export interface PlaceholderNode {
  kind: 'PLACEHOLDER';
  id: string;
  /** Null: awaiting triage. */
  desk: Desk | null;
}
export type ChartNode = ReportNode | EntityNode | PlaceholderNode;

export interface ChartEdge {
  id: string;
  /** LINK: two readable reports linked (labelled by the link's kinds); SHARES: a report holds a shared value; HELD: a readable report links to a report of the placeholder's desk. */
  kind: 'LINK' | 'SHARES' | 'HELD';
  source: string;
  target: string;
  /** LINK: the kinds the link matched by (vehicle, phone, postcode, name); SHARES: the value's kind; HELD: none. */
  reasons: string[];
  /** LINK: made or confirmed by hand (a supervisor, or an investigator's proposed or confirmed link). */
  manual: boolean;
  /** LINK: CONFIRMED (by hand), AUTOMATIC or POSSIBLE (names that only sound alike: never steers routing); null for the others. */
  strength: LinkStrength | null;
}

export type TimelineKind = 'RECEIVED' | 'FOLLOW_UP' | 'PARTNER_ADDED' | 'PARTNER_ANSWER' | 'STATUS_CHANGE';
export interface TimelineEvent {
  at: Date;
  reportId: string;
  reference: string;
  kind: TimelineKind;
  /** The new status of a status change. */
  status: ReportStatus | null;
}

export interface Neighbourhood {
  rootId: string;
  depth: number;
  nodes: ChartNode[];
  edges: ChartEdge[];
  /** Why the chart is not the whole neighbourhood ("more not shown"), in words; empty when it is. */
  truncated: string[];
  /** Events of the chart's readable reports, oldest first. */
  timeline: TimelineEvent[];
}

/** What the timeline shows each of TIMELINE_ACTIONS as (reports/model/card.ts `onTimeline`: those, and every entry that moved the status). */
const TIMELINE_KINDS: Record<(typeof TIMELINE_ACTIONS)[number], TimelineKind> = {
  follow_up_recorded: 'FOLLOW_UP',
  referral_added: 'PARTNER_ADDED',
  partner_answered: 'PARTNER_ANSWER',
};

/** The words of a placeholder ("held by SO12"). */
export const placeholderWords = (desk: Desk | null) => (desk ? `held by ${desk}` : 'awaiting triage');
const placeholderId = (desk: Desk | null) => `held:${desk ?? 'triage'}`;
const reportNodeId = (id: string) => `report:${id}`;

/** The neighbourhood query and the export's audit record. */
export function createNeighbourhood(deps: Pick<DeskDeps, 'reports' | 'crypto' | 'vault' | 'audit' | 'log'>) {
  const { reports, audit, log } = deps;
  const chartValues = createChartValues(deps, READ_AT_ONCE);

  function depthOf(depth: number | null | undefined) {
    const d = depth ?? 1;
    if (!Number.isInteger(d) || d < 1 || d > MAX_DEPTH) throw badInput(`The depth of a chart is 1 or ${MAX_DEPTH}`, ['depth']);
    return d;
  }

  /** The root, readable by the viewer (NOT_FOUND, FORBIDDEN otherwise, as `report`). */
  async function root(principal: Principal | null, id: string): Promise<{ viewer: StaffPrincipal; doc: ReportDoc }> {
    access.assertStaff(principal);
    const doc = await loadReport(reports, id);
    access.assertCanRead(principal, doc);
    return { viewer: principal, doc };
  }

  /** A card that does not verify under the audit key: forged in the database (or made under a key since removed); its report is read whole instead. */
  const forged = (reportId: string) => log.error({ reportId, fieldPath: 'card', purpose: 'chart' }, 'data integrity failure');

  return {
    /** The chart of a report's neighbourhood (see the file's comment). */
    async reportNeighbourhood(principal: Principal | null, id: string, depthArg?: number | null): Promise<Neighbourhood> {
      const depth = depthOf(depthArg);
      const { viewer, doc: rootDoc } = await root(principal, id);
      const truncated = new Set<string>();
      let reads = 1;

      // Breadth first over readable reports only; an unreadable end becomes its desk's placeholder.
      const docs = new Map<string, { doc: Charted; depth: number }>([[rootDoc._id, { doc: rootDoc, depth: 0 }]]);
      const links = new Map<string, ChartEdge>();
      const held = new Map<Desk | null, Set<string>>(); // placeholder desk → readable reports linking to it
      let frontier: Charted[] = [rootDoc];
      let expanded = 0;
      const desksRead = new Map<string, Desk | null>(); // the current desk of reports met but not (yet) read whole
      const edgesSeen: EdgesSeen = new Map(); // link edges read by this chart: one joining two of its reports is read once
      for (let level = 1; level <= depth; level++) {
        const next: Charted[] = [];
        // The frontier's links are read EXPAND_AT_ONCE reports at a time, and the reports they reach all at once: lookups
        // by _id sent together rather than one after another (the store answers each in a few ms; waiting on each was the
        // chart's time). What is drawn is decided in the frontier's order, as if read one by one.
        for (let at = 0; at < frontier.length; ) {
          if (expanded >= MAX_EXPANDED || reads >= READ_BUDGET) {
            truncated.add(`the links of some reports were not read: a chart reads the links of at most ${MAX_EXPANDED} reports and about ${READ_BUDGET} store records`);
            break;
          }
          // Once the chart is full, a further report's links could draw no further report, only links between
          // reports already drawn (and a placeholder's line): they are not read, and the chart says so. Before that,
          // no more reports are expanded at once than nodes are left (each may add one or more; one that adds
          // none leaves room for the next): a chart filled by the first of a batch does not read the rest's links.
          const room = MAX_NODES - docs.size - held.size;
          if (room <= 0) {
            truncated.add(`the links of some reports were not read once the chart was full (${MAX_NODES} nodes at most): links between the reports shown may be missing`);
            break;
          }
          const batch = frontier.slice(at, at + Math.min(EXPAND_AT_ONCE, MAX_EXPANDED - expanded, room));
          at += batch.length;
          expanded += batch.length;
          const found = await reports.linksOfMany(batch, edgesSeen);
          const targets = [...new Set(found.flat().map((l) => l.reportId))];
          reads += found.reduce((n, f) => n + 2 * f.length + 1, 0);
          if (!targets.length) continue;
          // Where each end is now: the only thing used of a report the viewer may not read. Not read again for a
          // report already in the chart (read whole moments ago) or whose desk this chart has already read. A report
          // whose desk at link time the viewer may read (every report, for a supervisor) is presumed readable and read
          // whole below, without a desk lookup first (it was 159 of a depth-2 chart's 1,671 commands); if it has moved
          // to a desk the viewer may not read, only that desk is kept from it (see the file's comment).
          const unknown = targets.filter((t) => !docs.has(t) && !desksRead.has(t));
          const presumed = new Map<string, Desk | null>();
          for (const l of found.flat()) if (unknown.includes(l.reportId) && !presumed.has(l.reportId) && access.canReadReport(viewer, { desk: l.desk ?? null })) presumed.set(l.reportId, l.desk ?? null);
          const askDesk = unknown.filter((t) => !presumed.has(t));
          for (const d of await reports.findDesks(askDesk)) desksRead.set(d._id, d.desk);
          reads += askDesk.length;
          const desks = new Map<string, Desk | null>(
            targets.flatMap((t) => (docs.has(t) ? [[t, docs.get(t)!.doc.desk] as const] : desksRead.has(t) ? [[t, desksRead.get(t)!] as const] : presumed.has(t) ? [[t, presumed.get(t)!] as const] : [])),
          );
          /** Reports to read (in order), and the links waiting on them: drawn only once the report is read and readable. */
          const toRead: string[] = [];
          const waiting: { pair: string; link: ReportLink; from: string }[] = [];
          batch.forEach((doc, b) => {
            for (const link of found[b]!) {
              if (!desks.has(link.reportId)) continue; // erased and gone
              const desk = desks.get(link.reportId) ?? null;
              if (!access.canReadReport(viewer, { desk })) {
                if (!held.has(desk)) held.set(desk, new Set());
                held.get(desk)!.add(doc._id);
                continue;
              }
              const pair = [doc._id, link.reportId].sort().join('|');
              if (!docs.has(link.reportId) && !toRead.includes(link.reportId)) {
                if (docs.size + toRead.length + held.size >= MAX_NODES) {
                  truncated.add(`more linked reports than a chart shows (${MAX_NODES} nodes at most)`);
                  continue;
                }
                toRead.push(link.reportId);
              }
              waiting.push({ pair, link, from: doc._id });
            }
          });
          const read = await reports.findForChart(toRead, READ_AT_ONCE, forged);
          reads += toRead.length;
          for (const found of read) {
            const other = found?.doc ?? found?.card;
            if (!other) continue; // erased and gone
            if (!access.canReadReport(viewer, other)) {
              // Moved since its desk was read (dropped, as before), or since it was linked (presumed readable): then
              // its current desk, and only that, is kept from it, as if read by `findDesks` (never decrypted).
              if (!presumed.has(other._id)) continue;
              desksRead.set(other._id, other.desk);
              for (const { link, from } of waiting) {
                if (link.reportId !== other._id) continue;
                if (!held.has(other.desk)) held.set(other.desk, new Set());
                held.get(other.desk)!.add(from);
              }
              continue;
            }
            docs.set(other._id, { doc: other, depth: level });
            next.push(other);
          }
          for (const { pair, link } of waiting) {
            if (links.has(pair) || !docs.has(link.reportId)) continue;
            const [a, b] = pair.split('|') as [string, string];
            links.set(pair, { id: `link:${pair}`, kind: 'LINK', source: reportNodeId(a), target: reportNodeId(b), reasons: [...link.reasons].sort(), manual: !!link.manual, strength: strengthOf(link) });
          }
        }
        frontier = next;
      }
      // Reports at the last depth are not expanded: that the chart goes no further is its depth, not a truncation.

      // Shared values: from readable reports only, kept when at least two of them hold the value (chart-values.ts).
      const { values: shared, opened, cards } = await chartValues.sharedValues(
        [...docs.values()].map((d) => d.doc),
        (doc) => access.canReadReport(viewer, doc),
      );

      const nodes: ChartNode[] = [...docs.values()]
        .sort((a, b) => a.depth - b.depth || b.doc.receivedAt.getTime() - a.doc.receivedAt.getTime())
        .map(({ doc, depth: d }) => ({
          kind: 'REPORT' as const,
          id: reportNodeId(doc._id),
          reportId: doc._id,
          reference: doc.reference,
          desk: doc.desk,
          status: doc.status,
          receivedAt: doc.receivedAt,
          categories: doc.categories,
          depth: d,
        }));
      const order = (d: Desk | null) => (d === null ? DESKS.length : DESKS.indexOf(d));
      const placeholders = [...held.keys()].sort((a, b) => order(a) - order(b));
      nodes.push(...placeholders.map((desk) => ({ kind: 'PLACEHOLDER' as const, id: placeholderId(desk), desk })));
      const edges: ChartEdge[] = [...links.values()];
      for (const desk of placeholders) {
        for (const from of held.get(desk)!) edges.push({ id: `held:${from}|${desk ?? 'triage'}`, kind: 'HELD', source: reportNodeId(from), target: placeholderId(desk), reasons: [], manual: false, strength: null });
      }
      shared.forEach((e, i) => {
        if (nodes.length >= MAX_NODES) {
          truncated.add(`more shared values than a chart shows (${MAX_NODES} nodes at most)`);
          return;
        }
        const id = `entity:${e.kind}:${i}`;
        nodes.push({ kind: 'ENTITY', id, entityKind: e.kind, value: e.value });
        for (const holder of e.holders) edges.push({ id: `shares:${holder}|${i}`, kind: 'SHARES', source: reportNodeId(holder), target: id, reasons: [e.kind], manual: false, strength: null });
      });

      const timeline: TimelineEvent[] = [];
      for (const { doc } of docs.values()) {
        timeline.push({ at: doc.receivedAt, reportId: doc._id, reference: doc.reference, kind: 'RECEIVED', status: null });
        for (const entry of (doc.history ?? []) as readonly CardHistoryEntry[]) {
          if (!onTimeline(entry)) continue; // `received`: the RECEIVED event above
          const kind = TIMELINE_KINDS[entry.action as (typeof TIMELINE_ACTIONS)[number]] ?? 'STATUS_CHANGE';
          const status = kind === 'STATUS_CHANGE' ? (entry.to!.status as ReportStatus) : null;
          timeline.push({ at: entry.at, reportId: doc._id, reference: doc.reference, kind, status });
        }
      }
      timeline.sort((a, b) => a.at.getTime() - b.at.getTime());

      // Confidentiality over availability: every decryption and the chart itself are on record before anything leaves.
      const chartId = randomBytes(9).toString('base64url');
      const actor = userActor(viewer);
      await Promise.all([
        ...[...opened.values()].map((read) => read.record(actor, { purpose: 'chart', chart: chartId })),
        audit.record({
          action: 'report.chart',
          actor,
          target: { type: 'report', id: rootDoc._id },
          outcome: 'success',
          details: {
            chart: chartId,
            reference: rootDoc.reference,
            depth,
            reports: docs.size,
            sharedValues: nodes.filter((n) => n.kind === 'ENTITY').length,
            placeholders: placeholders.map((d) => d ?? 'awaiting-triage'),
            truncated: truncated.size > 0,
          },
        }),
      ]);
      // The cards of the reports read whole and decrypted (the root at least), for the next chart of them:
      // reports/store/cards.ts writes none this process filed at the same version. A failure costs the next chart a read, never this one.
      await reports.fileCards(cards).catch((err: Error) => log.warn({ errName: err.name, purpose: 'chart' }, 'report cards not filed'));
      return { rootId: rootDoc._id, depth, nodes, edges, truncated: [...truncated], timeline };
    },

    /** Records that the viewer exported the chart of a report at a depth as a picture (the picture is made in the browser). */
    async recordChartExport(principal: Principal | null, id: string, depthArg: number): Promise<boolean> {
      const depth = depthOf(depthArg);
      const { viewer, doc } = await root(principal, id);
      await audit.record({
        action: 'report.chart_export',
        actor: userActor(viewer),
        target: { type: 'report', id: doc._id },
        outcome: 'success',
        details: { reference: doc.reference, desk: doc.desk, depth, format: 'png' },
      });
      return true;
    },
  };
}
