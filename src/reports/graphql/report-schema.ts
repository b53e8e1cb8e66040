/**
 * The Report type. A view carries the stored document (non-sensitive fields)
 * and, only when the service decided the viewer may read it and audited the
 * read, the decrypted content. Content fields are null otherwise.
 */
import { linkWarningsOf } from '../../triage/linking.js';
import { builder } from '../../graphql/builder.js';
import { DeskEnum } from '../../auth/schema.js';
import type { CallNotesContent, ReportContent } from '../model/content.js';
import { describeActor, describeHistoryEntry } from '../desk/history-words.js';
import { withoutHiddenIds } from '../desk/staff-names.js';
import type { ReportView, StaffNames } from '../desk/view.js';
import { CLOSE_OUTCOMES, OUTCOME_LABELS } from '../model/outcomes.js';
import { actionsFrom, REPORT_ACTIONS, workflowFrom } from '../rules/state-machine.js';
import { BOROUGHS, INTAKE_CHANNELS, PRIORITIES, REPORT_SOURCES, REPORT_STATUSES, THREAT_CATEGORIES, type HistoryEntry, type ReportDoc, type ReportLink, type ReportStatus, type LinkStrength, strengthOf } from '../model/types.js';


export const IntakeChannelEnum = builder.enumType('IntakeChannel', { values: INTAKE_CHANNELS });
export const ThreatCategoryEnum = builder.enumType('ThreatCategory', { values: THREAT_CATEGORIES });
export const BoroughEnum = builder.enumType('Borough', { values: BOROUGHS });
export const ReportStatusEnum = builder.enumType('ReportStatus', { values: REPORT_STATUSES });
export const PriorityEnum = builder.enumType('Priority', {
  values: {
    P1: { description: 'Imminent: claim within 15 minutes' },
    P2: { description: 'Claim within 1 hour' },
    P3: { description: 'Claim within 24 hours' },
    P4: { description: 'Claim within 72 hours' },
  },
});
void PRIORITIES;
export const CloseOutcomeEnum = builder.enumType('CloseOutcome', {
  description: 'What came of a report, recorded when it is closed (kept for statistics)',
  values: Object.fromEntries(CLOSE_OUTCOMES.map((o) => [o, { description: OUTCOME_LABELS[o] }])) as Record<(typeof CLOSE_OUTCOMES)[number], { description: string }>,
});
export const ReportSourceEnum = builder.enumType('ReportSource', { values: REPORT_SOURCES });

export const Subject = builder.objectRef<NonNullable<ReportContent['subjects']>[number]>('Subject').implement({
  fields: (t) => ({
    name: t.exposeString('name', { nullable: true }),
    aliases: t.stringList({ resolve: (s) => s.aliases ?? [] }),
    dateOfBirth: t.exposeString('dateOfBirth', { nullable: true }),
    approximateAge: t.exposeString('approximateAge', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    address: t.exposeString('address', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
  }),
});
export const Vehicle = builder.objectRef<NonNullable<ReportContent['vehicles']>[number]>('Vehicle').implement({
  fields: (t) => ({
    registration: t.exposeString('registration', { nullable: true }),
    make: t.exposeString('make', { nullable: true }),
    model: t.exposeString('model', { nullable: true }),
    colour: t.exposeString('colour', { nullable: true }),
    notes: t.exposeString('notes', { nullable: true }),
  }),
});
export const Location = builder.objectRef<NonNullable<ReportContent['locations']>[number]>('Location').implement({
  fields: (t) => ({
    address: t.exposeString('address', { nullable: true }),
    postcode: t.exposeString('postcode', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
  }),
});
const ResearchNote = builder.objectRef<NonNullable<ReportContent['researchNotes']>[number]>('ResearchNote').implement({
  fields: (t) => ({ id: t.exposeID('id'), text: t.exposeString('text') }),
});

/** A history entry with the people its words need, as the viewer may see them (reports/desk/staff-names.ts). */
type NamedHistoryEntry = HistoryEntry & { staff: StaffNames };

/** A user actor the viewer may not know (another desk's staff): no id, no username. */
const hiddenActor = (e: NamedHistoryEntry) => e.actor.type === 'user' && e.staff.hidden.has(e.actor.id);

const HistoryEntryRef = builder.objectRef<NamedHistoryEntry>('HistoryEntry').implement({
  description: 'One tamper-evident step in the report history',
  fields: (t) => ({
    description: t.string({ description: 'The step in words: names and references, never ids or field names', resolve: (e) => describeHistoryEntry(e, e.staff.names) }),
    actorLabel: t.string({
      description: "Who made the change, in words (a username, a partner, the system; another desk's staff as \"an investigator on SO12\")",
      resolve: (e) => describeActor(e.actor, e.staff.names),
    }),
    seq: t.exposeInt('seq'),
    at: t.expose('at', { type: 'DateTime' }),
    actorType: t.string({ resolve: (e) => e.actor.type }),
    actorId: t.string({ nullable: true, description: "Null for another desk's staff (see actorLabel)", resolve: (e) => (hiddenActor(e) ? null : e.actor.id) }),
    actorName: t.string({ nullable: true, description: "Null for another desk's staff (see actorLabel)", resolve: (e) => (hiddenActor(e) ? null : (e.actor.name ?? null)) }),
    action: t.exposeString('action'),
    from: t.string({ nullable: true, description: "JSON of the previous values (another desk's staff in words, not ids)", resolve: (e) => (e.from ? JSON.stringify(withoutHiddenIds(e.from, e.staff)) : null) }),
    to: t.string({ nullable: true, description: "JSON of the new values (another desk's staff in words, not ids)", resolve: (e) => (e.to ? JSON.stringify(withoutHiddenIds(e.to, e.staff)) : null) }),
    reason: t.exposeString('reason', { nullable: true }),
    prevHash: t.exposeString('prevHash'),
    hash: t.exposeString('hash'),
  }),
});

export const LinkStrengthEnum = builder.enumType('LinkStrength', {
  description: 'How strong a link is',
  values: {
    CONFIRMED: { description: 'Made or confirmed by hand (a supervisor, or an investigator who may read both reports)' },
    AUTOMATIC: { description: 'Found by triage: an exact shared value, confirmed by decryption' },
    POSSIBLE: { description: 'Found by triage through subject names that only sound alike: weaker, never steers routing' },
  } satisfies Record<LinkStrength, unknown>,
});

const SharedValueRef = builder.objectRef<{ kind: string; value: string; theirs: string | null }>('SharedValue').implement({
  description: 'A value two linked reports share, shown only to a viewer who may read both',
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'name, vehicle, phone, postcode; namePhonetic for names that sound alike' }),
    value: t.exposeString('value', { description: "This report's spelling" }),
    theirs: t.exposeString('theirs', { nullable: true, description: "The other report's spelling, where it differs (a name that sounds alike)" }),
  }),
});

const LinkRef = builder.objectRef<NonNullable<ReportView['links']>[number]>('ReportLinkInfo').implement({
  description: 'Another report sharing a vehicle, phone, postcode or subject name (confirmed by decryption)',
  fields: (t) => ({
    reportId: t.id({ nullable: true, description: 'Null when the linked report belongs to a desk you cannot read', resolve: (l) => (l.visible ? l.reportId : null) }),
    reference: t.string({ nullable: true, description: 'Null when the linked report belongs to a desk you cannot read', resolve: (l) => (l.visible ? l.reference : null) }),
    desk: t.field({ type: DeskEnum, nullable: true, resolve: (l) => l.desk }),
    reasons: t.stringList({ resolve: (l) => l.reasons }),
    readable: t.boolean({ resolve: (l) => l.visible }),
    manual: t.boolean({ description: 'Made by a supervisor by hand (otherwise found by triage)', resolve: (l) => !!l.manual }),
    strength: t.field({ type: LinkStrengthEnum, resolve: (l) => strengthOf(l) }),
    sharedValues: t.field({
      type: [SharedValueRef],
      nullable: true,
      description: 'The values both reports hold: only on the read of the report, and only when you may read the other report (null otherwise: see reasons)',
      resolve: async (l) => (l.visible && l.details ? (await l.details()).shared : null),
    }),
    linkedBy: t.string({
      nullable: true,
      description: 'Who made or confirmed it by hand (staff-names rule), only when you may read both reports',
      resolve: async (l) => (l.visible && l.details ? (await l.details()).linkedBy : null),
    }),
  }),
});

/** A grading as the viewer may see it: its grader's id only where the viewer may know who they are (reports/desk/staff-names.ts). */
type SeenGrading = Omit<NonNullable<ReportDoc['grading']>, 'by'> & { by: string | null };

const GradingRef = builder.objectRef<SeenGrading>('Grading').implement({
  description: 'UK 3x5x2 intelligence grading',
  fields: (t) => ({
    source: t.string({ resolve: (g) => `S${g.source}` }),
    intelligence: t.exposeString('intelligence'),
    handling: t.exposeString('handling'),
    gradedBy: t.string({ nullable: true, description: "User id of the grader; null for another desk's staff", resolve: (g) => g.by }),
    gradedAt: t.expose('at', { type: 'DateTime' }),
  }),
});

const WorkflowStep = builder.objectRef<{ to: ReportStatus; reasonRequired: boolean; outcomeRequired: boolean }>('WorkflowStep').implement({
  description: 'A status the holder may move the report to with transitionReport (from the state machine)',
  fields: (t) => ({
    to: t.field({ type: ReportStatusEnum, resolve: (s) => s.to }),
    reasonRequired: t.exposeBoolean('reasonRequired'),
    outcomeRequired: t.exposeBoolean('outcomeRequired', { description: 'The step records what came of the report: transitionReport needs `outcome`' }),
  }),
});

const ReportActionEnum = builder.enumType('ReportAction', {
  description: 'A dedicated operation on a report (claim, release, refer, reassign, reopen, retry triage, erase)',
  values: REPORT_ACTIONS,
});

export const URGENT_ACTION =
  'IMMINENT THREAT: pass this call to 999 now (transfer the caller or dial 999 yourself), then stay on the line. The report has been recorded at the highest priority.';

const EmergencyHandOff = builder.objectRef<{ at: string; reference: string | null }>('EmergencyHandOff').implement({
  description: 'The call was passed to 999',
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (h) => new Date(h.at) }),
    reference: t.exposeString('reference', { nullable: true, description: 'The 999 / CAD reference' }),
  }),
});

const CallNotes = builder.objectRef<CallNotesContent>('CallNotes').implement({
  description: "What the call handler noted beside the narrative: the 999 hand-off and the answers to the question prompts",
  fields: (t) => ({
    emergencyHandOff: t.field({
      type: EmergencyHandOff,
      nullable: true,
      resolve: (n) => (n.emergencyHandOffAt ? { at: n.emergencyHandOffAt, reference: n.emergencyReference ?? null } : null),
    }),
    dangerNow: t.string({ nullable: true, description: 'Is anyone in danger now?', resolve: (n) => n.dangerNow ?? null }),
    where: t.string({ nullable: true, description: 'Where is it happening?', resolve: (n) => n.where ?? null }),
    when: t.string({ nullable: true, description: 'When did it happen, or when will it?', resolve: (n) => n.when ?? null }),
    who: t.string({ nullable: true, description: 'Who is involved?', resolve: (n) => n.who ?? null }),
    vehicles: t.string({ nullable: true, description: 'Any vehicles?', resolve: (n) => n.vehicles ?? null }),
    weapons: t.string({ nullable: true, description: 'Any weapons?', resolve: (n) => n.weapons ?? null }),
    howKnown: t.string({ nullable: true, description: 'How does the caller know this?', resolve: (n) => n.howKnown ?? null }),
  }),
});

export const ReportRef = builder.objectRef<ReportView>('Report').implement({
  fields: (t) => ({
    id: t.id({ resolve: (v) => v.doc._id }),
    reference: t.string({ resolve: (v) => v.doc.reference }),
    source: t.field({ type: ReportSourceEnum, resolve: (v) => v.doc.source }),
    channel: t.field({ type: IntakeChannelEnum, resolve: (v) => v.doc.channel }),
    status: t.field({ type: ReportStatusEnum, resolve: (v) => v.doc.status }),
    receivedAt: t.field({ type: 'DateTime', resolve: (v) => v.doc.receivedAt }),
    recordedAt: t.field({ type: 'DateTime', resolve: (v) => v.doc.recordedAt }),
    callDurationSeconds: t.int({ nullable: true, description: "The call's length as the handler's timer measured it (hotline calls only)", resolve: (v) => v.doc.callDurationSeconds ?? null }),
    categories: t.field({ type: [ThreatCategoryEnum], resolve: (v) => v.doc.categories }),
    imminentThreat: t.boolean({ resolve: (v) => v.doc.imminentThreat }),
    urgentAction: t.string({ nullable: true, description: 'Set when the call must go to 999 now', resolve: (v) => (v.doc.imminentThreat ? URGENT_ACTION : null) }),
    borough: t.field({ type: BoroughEnum, resolve: (v) => v.doc.borough }),
    anonymous: t.boolean({ resolve: (v) => v.doc.anonymous }),
    callerMayRecontact: t.boolean({ nullable: true, resolve: (v) => v.doc.callerMayRecontact }),
    callerDetailsRecorded: t.boolean({
      description: "Whether the call has caller details to reveal (an anonymous caller may still have given a language or safe-to-contact notes)",
      resolve: (v) => v.doc.source === 'HOTLINE_CALL' && v.doc.callerMayRecontact !== null,
    }),
    desk: t.field({ type: DeskEnum, nullable: true, resolve: (v) => v.doc.desk }),
    priority: t.field({ type: PriorityEnum, nullable: true, resolve: (v) => v.doc.priority }),
    assignee: t.id({ nullable: true, description: 'User id of the investigator holding it', resolve: (v) => v.doc.assignee }),
    assigneeName: t.string({
      nullable: true,
      description: "Username of the investigator holding it (only on the audited read, `report`)",
      resolve: (v) => (v.doc.assignee ? (v.staff?.names.get(v.doc.assignee) ?? null) : null),
    }),
    outcome: t.field({ type: CloseOutcomeEnum, nullable: true, description: 'What came of it: set when it was closed, cleared when reopened', resolve: (v) => v.doc.outcome ?? null }),
    escalated: t.boolean({ resolve: (v) => v.doc.escalated }),
    version: t.int({ resolve: (v) => v.doc.version }),
    triageReasons: t.stringList({ resolve: (v) => v.doc.triage?.reasons ?? [] }),
    linkWarnings: t.stringList({
      description: 'What linking did not compare, in plain words ("vehicle shared by more than 20 reports: …"): the reports beyond it are filed, for search',
      resolve: (v) => linkWarningsOf(v.doc.triage?.reasons ?? []),
    }),
    ruleSetVersion: t.string({ nullable: true, resolve: (v) => v.doc.triage?.ruleSetVersion ?? null }),
    dueBy: t.field({ type: 'DateTime', nullable: true, resolve: (v) => v.doc.triage?.dueBy ?? null }),
    grading: t.field({
      type: GradingRef,
      nullable: true,
      resolve: async (v, _a, ctx) => {
        const g = v.doc.grading;
        if (!g) return null;
        const staff = await ctx.services.desk.staffNamesOf(ctx.principal, v);
        return { ...g, by: staff.hidden.has(g.by) ? null : g.by };
      },
    }),
    links: t.field({ type: [LinkRef], resolve: (v) => v.links ?? [] }),
    history: t.field({
      type: [HistoryEntryRef],
      resolve: async (v, _a, ctx) => {
        const staff = await ctx.services.desk.staffNamesOf(ctx.principal, v);
        return (v.doc.history ?? []).map((e) => ({ ...e, staff }));
      },
    }),
    availableActions: t.field({
      type: [ReportActionEnum],
      description: "The dedicated operations the state machine allows from this status (the policy still decides who may run them)",
      resolve: (v) => actionsFrom(v.doc.status),
    }),
    nextSteps: t.field({
      type: [WorkflowStep],
      description: 'The statuses transitionReport accepts from this one, and whether each needs a reason',
      resolve: (v) => workflowFrom(v.doc.status).map(({ to, reasonRequired, outcomeRequired }) => ({ to, reasonRequired, outcomeRequired })),
    }),
    narrative: t.string({ nullable: true, resolve: (v) => v.content?.narrative ?? null }),
    subjects: t.field({ type: [Subject], nullable: true, resolve: (v) => v.content?.subjects ?? null }),
    vehicles: t.field({ type: [Vehicle], nullable: true, resolve: (v) => v.content?.vehicles ?? null }),
    locations: t.field({ type: [Location], nullable: true, resolve: (v) => v.content?.locations ?? null }),
    researchNotes: t.field({ type: [ResearchNote], nullable: true, resolve: (v) => v.content?.researchNotes ?? null }),
    partnerReference: t.string({ nullable: true, resolve: (v) => v.content?.partnerReference ?? null }),
    callNotes: t.field({ type: CallNotes, nullable: true, description: "The call handler's notes (hotline calls), decrypted with the content", resolve: (v) => v.content?.callNotes ?? null }),
  }),
});
