/**
 * The link chart in words: what each node and connection says, shared by the
 * drawing, its table view and the timeline so they can never disagree.
 */
import type { ReportNeighbourhoodQuery } from '../../gql/graphql';
import { humanise } from '../../ui/ui';

export type Chart = ReportNeighbourhoodQuery['reportNeighbourhood'];
export type ChartNode = Chart['nodes'][number];
export type ChartEdge = Chart['edges'][number];
export type TimelineEvent = Chart['timeline'][number];

const VALUE_KINDS: Record<string, string> = { name: 'Person', vehicle: 'Vehicle', phone: 'Phone', postcode: 'Place (postcode)' };
const MATCH_WORDS: Record<string, string> = { name: 'subject name', namePhonetic: 'a name that sounds alike', vehicle: 'vehicle', phone: 'phone number', postcode: 'postcode' };

/** "Report", "Vehicle", "Reports held by SO12". */
export function nodeKindWords(n: ChartNode): string {
  if (n.kind === 'REPORT') return n.depth === 0 ? 'Report (this one)' : 'Report';
  if (n.kind === 'ENTITY') return VALUE_KINDS[n.entityKind ?? ''] ?? 'Shared value';
  return 'Reports you may not read';
}

/** What a node is, in one sentence (announced when it is selected with the keyboard). */
export function nodeSentence(n: ChartNode): string {
  if (n.kind === 'REPORT') return `Report ${n.reference}, ${n.desk ?? 'awaiting triage'}, ${humanise(n.status ?? '')}`;
  if (n.kind === 'ENTITY') return `${nodeKindWords(n)} ${n.label}, shared by reports of this chart`;
  return `Reports ${n.label}: contact that desk`;
}

/** How a connection matched, in words: "shares a vehicle", "linked by hand", "possible link: …", "linked to a report held by SO12". */
export function edgeWords(e: ChartEdge, target?: ChartNode): string {
  if (e.kind === 'HELD') return `linked to a report ${target?.label ?? 'on another desk'}`;
  const kinds = e.reasons.map((r) => MATCH_WORDS[r] ?? r).join(', ');
  if (e.kind === 'SHARES') return `holds this ${kinds}`;
  if (e.manual) return kinds ? `linked by hand; shares ${kinds}` : 'linked by hand';
  if (e.strength === 'POSSIBLE') return `possible link: ${kinds}`;
  return `shares ${kinds || 'a value'}`;
}

const TIMELINE_WORDS: Record<TimelineEvent['kind'], string> = {
  RECEIVED: 'Report received',
  FOLLOW_UP: 'Follow-up call recorded',
  PARTNER_ADDED: 'Partner added information',
  PARTNER_ANSWER: 'Partner answered a question',
  STATUS_CHANGE: 'Status changed',
};

/** "Status changed to Under research". */
export function timelineWords(e: TimelineEvent): string {
  return e.kind === 'STATUS_CHANGE' && e.status ? `${TIMELINE_WORDS[e.kind]} to ${humanise(e.status)}` : TIMELINE_WORDS[e.kind];
}
