/**
 * Follow-ups and the anonymous channel with a referring partner:
 * - a call handler records a caller's follow-up call on a reference
 *   (`recordFollowUp`), a partner adds to its own receipt (`addToReferral`):
 *   an encrypted addendum appended to the report, its new terms blind-indexed
 *   and linked, with its own history entry (`follow_up_recorded`,
 *   `referral_added`: the notifications read those);
 * - the holder of a partner referral asks the partner a question
 *   (`askPartner`, `question_posted`), the partner reads its questions
 *   through its receipt and answers (`answerPartnerQuestion`,
 *   `partner_answered`). Questions and answers are encrypted under the
 *   report's data key; nothing about the informant is asked for or stored.
 *
 * Every change goes through the writer (one single-document write with its
 * audit event). A follow-up changes no status: it is accepted in every
 * status but ERASED (a CLOSED report takes it and its holder is notified; a
 * supervisor decides whether to reopen). Whatever cannot be followed up —
 * an unknown, erased or other party's reference or receipt — is the same
 * NOT_FOUND, so nobody learns that another party's report exists.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEventInput, AuditLog } from '../../audit/types.js';
import type { PartnerPrincipal, StaffPrincipal } from '../../auth/types.js';
import type { IntakeKeys } from '../../crypto/derived.js';
import type { Crypto } from '../../crypto/index.js';
import { badInput, conflict, notFound } from '../../errors.js';
import { connectionOf, pageSize } from '../../paging.js';
import { followUpCallSchema, followUpSchema, parseInput } from '../../intake/validation.js';
import type { Logger } from '../../logger.js';
import type { createLinker } from '../../triage/linking.js';
import * as access from '../rules/access.js';
import type { AddendumContent, AnswerContent, QuestionContent, ReportContent } from '../model/content.js';
import { createContentVault } from '../content/vault.js';
import { loadReport } from './deps.js';
import { afterChange, assertEnvelope, createEnvelopeMac } from '../model/envelope-mac.js';
import type { HistoryInput } from '../model/history.js';
import { STAFF_TEXT_LIMITS } from '../rules/staff-text-limits.js';
import { isPartnerSourced, timeFor } from '../rules/partner-time.js';
import { userActor } from './presenters.js';
import type { ReportRepository } from '../store/repository.js';
import { SUBMISSIONS_WINDOW_MS } from '../store/submissions.js';
import { statusWords, allows, PARTNER_STATE } from '../rules/state-machine.js';
import { staffText } from '../rules/staff-text.js';
import type { ReportDoc } from '../model/types.js';
import { filesReceived, type FileReceived } from '../model/attachments.js';
import type { ReportWriter } from '../store/writer.js';
import { createOwnReferralFinder, isLiveReport } from './own-referral.js';

export interface FollowUpDeps {
  reports: ReportRepository;
  writer: ReportWriter;
  crypto: Crypto;
  /** The intake keys (fingerprints, receipt ids), with previous index keys during a rotation. */
  keys: IntakeKeys & { previous?: IntakeKeys[] };
  audit: AuditLog;
  /** Links a followed-up report's new terms; null: the new terms are only filed by the next triage that meets them. */
  linker: Pick<ReturnType<typeof createLinker>, 'confirmedLinks' | 'edgeOf'> | null;
  log: Logger;
  /** Raises the report to an imminent P1 through the desk's priority change (corrections.ts); absent: an imminent follow-up only says so in its history. */
  raiseImminent?(principal: StaffPrincipal, reportId: string): Promise<unknown>;
  /** After a question committed: the organisation's own webhook, if it set one (src/webhooks/partner.ts); never throws. */
  questionAsked?(partnerId: string): void;
}

/** What the handler is told of a recorded follow-up call (and what "My submissions" lists). */
export interface FollowUpRecorded {
  reference: string;
  recordedAt: Date;
}

export type FollowUpService = ReturnType<typeof createFollowUpService>;

/** What a partner sees of a question: its text, the minute it was asked, whether it is answered. Never the answer or who asked. */
export interface PartnerQuestionView {
  id: string;
  question: string;
  askedAt: Date;
  answered: boolean;
}

/** A question as a reader of the report sees it, with its answer once given. */
export interface QuestionView {
  id: string;
  text: string;
  askedAt: Date;
  answer: string | null;
  answeredAt: Date | null;
}

/** A coarse state as a partner sees it (reports/rules/state-machine.ts PARTNER_STATE). */
export type PartnerState = (typeof PARTNER_STATE)[keyof typeof PARTNER_STATE];

/** One row of an organisation's "Our referrals": receipt, the minute passed on, coarse state, whether a question waits. */
export interface OurReferralRow {
  receipt: string;
  passedOnAt: Date;
  state: PartnerState;
  questionWaiting: boolean;
}

/** An organisation's own referral as it is shown back to it: its words, its additions, the questions and answers, coarse state only. */
export interface OurReferralView {
  receipt: string;
  passedOnAt: Date;
  state: PartnerState;
  narrative: string;
  subjects: ReportContent['subjects'];
  vehicles: ReportContent['vehicles'];
  locations: ReportContent['locations'];
  partnerReference: string | null;
  additions: { at: Date; narrative: string }[];
  questions: (PartnerQuestionView & { answer: string | null; answeredAt: Date | null })[];
  questionsWaiting: number;
  /** The files the organisation attached (type, size, minute), never the files back: as `partnerReferralStatus` tells it. */
  filesReceived: FileReceived[];
}

/** Entries read per batch while filtering the list by state, and batches at most per page (a bounded scan). */
const LIST_BATCH = 50;
const LIST_BATCHES = 10;
/** Referrals looked at for the organisation-wide count of questions waiting (the navigation badge). */
const WAITING_SCAN = 500;

/** Questions asked and not yet answered, from the plaintext ids of the report's channel. */
const waitingOf = (doc: ReportDoc) => {
  const answered = new Set((doc.content?.answers ?? []).map((a) => a.id));
  return (doc.content?.questions ?? []).filter((q) => !answered.has(q.id)).length;
};

/** The list's cursor: the last row's minute and id, opaque to the client and checked as untrusted input. */
const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.getTime()}:${id}`).toString('base64url');
function decodeCursor(raw: string | null | undefined): { at: Date; id: string } | null {
  if (raw === null || raw === undefined) return null;
  const m = /^(\d{1,15}):([0-9a-f-]{36})$/.exec(Buffer.from(raw, 'base64url').toString());
  if (!m) throw badInput('`after` is not a cursor returned by this list', ['after']);
  return { at: new Date(Number(m[1])), id: m[2]! };
}

const ATTEMPTS = 3;
/** Addendum ids: a keyed hash of the scoped idempotency key, so a retry finds the addendum it made. */
const ADDENDUM_ID_CHARS = 32;

/** Questions with their answers, as the report view shows them (from the decrypted content). */
export function questionViews(content: Partial<ReportContent> | null): QuestionView[] {
  const answers = new Map((content?.answers ?? []).map((a) => [a.id, a]));
  return (content?.questions ?? []).map((q) => ({ id: q.id, text: q.text, askedAt: q.at, answer: answers.get(q.id)?.text ?? null, answeredAt: answers.get(q.id)?.at ?? null }));
}

export function createFollowUpService(deps: FollowUpDeps) {
  const { reports, writer, crypto, keys, log } = deps;
  const envelope = createEnvelopeMac(crypto.integrity);
  /** Every seal and open of content, and the partner's audited read (reports/content/vault.ts). */
  const vault = createContentVault(deps);

  const live = isLiveReport;

  /** The partner's own referral behind a receipt (own-referral.ts: the one rule). */
  const ownReferral = createOwnReferralFinder({ reports, crypto, keys });

  /**
   * Links the report as the follow-up will leave it: the linker files its
   * terms and confirms candidates by decryption on the report as it will be
   * stored (sealed in memory, so the linker's envelope check holds), and the
   * new edges are recorded; returns their history entries. Pairs already
   * linked (or unlinked by a supervisor) are left alone. A failure leaves the
   * report unlinked to the new terms but still indexed under them.
   */
  async function linkNew(doc: ReportDoc, next: Pick<ReportDoc, 'bidx' | 'indexKeyId'>, push: Record<string, unknown>, actor: HistoryInput['actor'], at: Date): Promise<HistoryInput[]> {
    if (!deps.linker || doc.triagePending) return []; // a report awaiting triage is linked by its triage
    try {
      const after = afterChange(doc, next, push);
      const { links } = await deps.linker.confirmedLinks({ ...after, ...envelope.seal(after) });
      const known = await Promise.all(links.map((l) => reports.findLinkEdge(doc._id, l.doc._id)));
      const fresh = links.filter((_, i) => !known[i]);
      const edges = fresh.map((l) => deps.linker!.edgeOf(doc, l.doc, l.reasons, at));
      await Promise.all(edges.map((edge) => reports.recordLink(edge)));
      return edges.map((e) => ({ at, actor, action: 'linked', from: null, to: { link: e._id, reasons: e.reasons }, reason: null }));
    } catch (err) {
      if (!isPartnerSourced(doc)) log.warn({ reportId: doc._id, err: (err as Error).name }, 'follow-up terms not linked');
      return [];
    }
  }

  /**
   * Appends an addendum (idempotent by its id): re-reads and retries after a
   * lost race; the same id with other content is CONFLICT.
   */
  async function appendAddendum(
    first: ReportDoc,
    addendum: Omit<AddendumContent, 'at'>,
    actor: HistoryInput['actor'],
    history: 'follow_up_recorded' | 'referral_added',
    audit: (doc: ReportDoc, links: string[]) => AuditEventInput,
    flags: { imminentThreat?: true } = {},
    /** A staff follow-up call: listed in its recorder's "My submissions" (reports/store/submissions.ts) once the addendum is stored. */
    recordedBy?: string,
  ): Promise<ReportDoc> {
    const filedAs = recordedBy ? { addendumId: addendum.id, by: recordedBy, recordedAt: new Date() } : null;
    let doc: ReportDoc | null = first;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (!live(doc)) throw notFound(first.source === 'PARTNER_REFERRAL' ? 'Receipt' : 'Report');
      const earlier = doc.content!.addenda?.find((a) => a.id === addendum.id);
      if (earlier) {
        if (earlier.fingerprint !== addendum.fingerprint) throw conflict('This idempotency key was already used for a different follow-up; generate a new key');
        return doc;
      }
      const now = timeFor(doc);
      const plain: AddendumContent = { ...addendum, at: now };
      const current = doc;
      // Its terms recomputed over content and addenda, under the current index key.
      const { element, bidx, indexKeyId, searchTerms } = vault.sealAddendum(current, plain);
      const next = { bidx, indexKeyId };
      const push = { 'content.addenda': element };
      const linked = await linkNew(current, next, push, actor, now);
      const updated = await writer.apply(
        current,
        {
          where: { status: current.status },
          set: next,
          push,
          history: [{ at: now, actor, action: history, from: null, to: { addendumId: addendum.id, ...flags }, reason: null }, ...linked],
          // Findable by the new names, phones, plates and postcodes, and in the recorder's list, from before the write (the store files both).
          filings: { searchTerms, ...(filedAs ? { followUp: filedAs } : {}) },
        },
        [audit(current, linked.map((h) => String(h.to?.link)))],
        now,
      );
      if (updated) return updated;
      doc = await reports.findById(first._id);
    }
    throw conflict('The report kept changing while the follow-up was being recorded; try again');
  }

  /** Counts of what an addendum adds: what its audit event says instead of the values. */
  const counts = (a: Pick<AddendumContent, 'subjects' | 'vehicles' | 'locations'>) => ({ subjects: a.subjects.length, vehicles: a.vehicles.length, locations: a.locations.length });

  /** Appends one element of the channel (a question or an answer), retrying after a lost race. */
  async function appendToChannel(
    first: ReportDoc,
    group: 'questions' | 'answers',
    element: QuestionContent | AnswerContent,
    check: (doc: ReportDoc) => void,
    actor: HistoryInput['actor'],
    history: 'question_posted' | 'partner_answered',
    audit: (doc: ReportDoc) => AuditEventInput,
  ): Promise<ReportDoc> {
    let doc: ReportDoc | null = first;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (!live(doc)) throw notFound(group === 'answers' ? 'Receipt' : 'Report');
      check(doc);
      const current = doc;
      const now = timeFor(current);
      const sealed = vault.sealElement(current, group, { ...element, at: now });
      const updated = await writer.apply(
        current,
        { where: { status: current.status }, push: { [`content.${group}`]: sealed }, history: [{ at: now, actor, action: history, from: null, to: { questionId: element.id }, reason: null }] },
        [audit(current)],
        now,
      );
      if (updated) return updated;
      doc = await reports.findById(first._id);
    }
    throw conflict('The report kept changing meanwhile; try again');
  }

  /** Questions waiting for an answer over the organisation's latest WAITING_SCAN referrals (ids only: nothing is decrypted). */
  async function questionsWaiting(principal: PartnerPrincipal): Promise<number> {
    const ids = await reports.partnerReferralIds(principal.partnerId, WAITING_SCAN);
    const docs = await Promise.all(ids.map((id) => reports.findById(id)));
    return docs.reduce((sum, doc) => sum + (live(doc) && doc.recordedBy.id === principal.partnerId ? waitingOf(doc) : 0), 0);
  }

  /** The partner's questions on its receipt: text, minute asked, answered or not. The read is audited (to the minute). */
  async function partnerQuestions(principal: PartnerPrincipal, receipt: unknown): Promise<PartnerQuestionView[]> {
    return questionsOf(principal, await ownReferral(principal, receipt));
  }

  /** The partner's view of its referral's questions (decrypted and audited together, by the content module). */
  async function questionsOf(principal: PartnerPrincipal, doc: ReportDoc): Promise<PartnerQuestionView[]> {
    if (!doc.content!.questions?.length) return [];
    const { questions, answers } = await vault.openForPartner(principal, doc); // audited before anything is returned
    const answered = new Set((answers ?? []).map((a) => a.id));
    return (questions ?? []).map((q) => ({ id: q.id, question: q.text, askedAt: timeFor(doc, q.at), answered: answered.has(q.id) }));
  }

  return {
    /**
     * A caller's follow-up call on a reference they were given. A partner
     * referral's reference, an erased report and a made-up reference are
     * the same NOT_FOUND: a handler learns nothing of reports that are not
     * a caller's. Answers only the reference and when it was recorded (not
     * the report's status: whether someone holds it is not the handler's to know).
     */
    async recordFollowUp(principal: StaffPrincipal, reference: unknown, raw: unknown): Promise<FollowUpRecorded> {
      const input = parseInput(followUpCallSchema, raw);
      if (typeof reference !== 'string' || reference.length > 64) throw notFound('Report');
      const doc = await reports.findByReference(reference.trim().toUpperCase());
      if (!live(doc) || doc.source !== 'HOTLINE_CALL') throw notFound('Report');
      assertEnvelope(crypto.integrity, doc); // before trusting its source and status
      const { idempotencyKey, imminentThreat, ...rest } = input;
      const id = crypto.integrity.mac('idempotencyKey', `follow-up\n${doc._id}\n${principal.userId}:${idempotencyKey}`).slice(0, ADDENDUM_ID_CHARS);
      const actor = userActor(principal);
      // The flag is part of what a retry must repeat; a follow-up without it keeps the fingerprint it always had.
      const fingerprint = keys.fingerprint(imminentThreat ? { ...rest, imminentThreat } : rest);
      const flags = imminentThreat ? { imminentThreat: true as const } : {};
      const stored = await appendAddendum(
        doc,
        { id, source: 'HOTLINE_CALL', fingerprint, ...rest },
        actor,
        'follow_up_recorded',
        (d, links) => ({
          action: 'report.follow_up',
          actor,
          target: { type: 'report', id: d._id },
          outcome: 'success',
          details: { reference: d.reference, desk: d.desk, status: d.status, addendumId: id, ...counts(rest), links, ...flags },
        }),
        flags,
        principal.userId,
      );
      // After the follow-up is stored (a retry with the same key finds it and raises again if the raise was lost).
      if (imminentThreat && deps.raiseImminent) await deps.raiseImminent(principal, stored._id);
      // Only that it is recorded: nothing of the report's state, so a handler never learns whether someone holds it.
      return { reference: stored.reference, recordedAt: stored.content?.addenda?.find((a) => a.id === id)?.at ?? new Date() };
    },

    /** A partner's addition to its own referral; answers the receipt's status. Times to the minute, nothing logged. */
    async addToReferral(principal: PartnerPrincipal, receipt: unknown, raw: unknown) {
      if ((raw as { imminentThreat?: unknown } | null)?.imminentThreat) throw badInput('input.imminentThreat is for follow-up calls; a partner marks an imminent threat on a new referral', ['input', 'imminentThreat']);
      const input = parseInput(followUpSchema, raw);
      const doc = await ownReferral(principal, receipt);
      const { idempotencyKey, ...rest } = input;
      const id = crypto.integrity.mac('idempotencyKey', `referral-addition\n${doc._id}\n${principal.partnerId}:${idempotencyKey}`).slice(0, ADDENDUM_ID_CHARS);
      const actor = { type: 'partner' as const, id: principal.partnerId, name: principal.name };
      const updated = await appendAddendum(doc, { id, source: 'PARTNER_REFERRAL', fingerprint: keys.fingerprint(rest), ...rest }, actor, 'referral_added', (d, links) => ({
        action: 'report.add_to_referral',
        actor,
        target: { type: 'report', id: d._id },
        outcome: 'success',
        details: { addendumId: id, ...counts(rest), links },
      }));
      return { receipt: String(receipt).trim().toUpperCase(), receivedAt: updated.recordedAt, state: PARTNER_STATE[updated.status], filesReceived: filesReceived(updated.attachments, 'PARTNER') };
    },

    /** The holder of a partner referral (or a supervisor) asks the partner a question; answers it as the report view shows it. */
    async askPartner(principal: StaffPrincipal, reportId: string, question: string): Promise<QuestionView> {
      const text = staffText(question, 'question', { min: 3, max: STAFF_TEXT_LIMITS.note, multiline: true });
      const doc = await loadReport(reports, reportId);
      if (!live(doc)) throw notFound('Report');
      assertEnvelope(crypto.integrity, doc);
      const id = randomUUID();
      const actor = userActor(principal);
      const updated = await appendToChannel(
        doc,
        'questions',
        { id, at: new Date(), text },
        (d) => {
          access.assertHolds(principal, d);
          if (!isPartnerSourced(d)) throw badInput('Only a partner referral has a partner to ask');
          if (!allows('addNote', d.status)) throw badInput(`Cannot ask the partner about a report that is ${statusWords(d.status)}; claim it first`);
        },
        actor,
        'question_posted',
        (d) => ({ action: 'report.ask_partner', actor, target: { type: 'report', id: d._id }, outcome: 'success', details: { reference: d.reference, desk: d.desk, questionId: id } }),
      );
      const stored = (updated.history.at(-1)?.at ?? timeFor(updated));
      if (updated.recordedBy.type === 'partner') deps.questionAsked?.(updated.recordedBy.id);
      return { id, text, askedAt: stored, answer: null, answeredAt: null };
    },

    partnerQuestions,

    /**
     * The organisation's referrals, newest first, optionally of some coarse states only; paged by `after`/`first`
     * (src/paging.ts). Receipts are opened from the organisation's list (reports/store/partner-referrals.ts); an
     * erased referral is not listed. `questionsWaiting`: over its latest referrals, for the navigation badge.
     */
    async ourReferrals(principal: PartnerPrincipal, states: readonly PartnerState[] | null, after: string | null | undefined, first: number | null | undefined) {
      const limit = pageSize(first);
      let cursor = decodeCursor(after);
      const rows: { cursor: string; node: OurReferralRow }[] = [];
      let more = false;
      for (let batch = 0; batch < LIST_BATCHES && rows.length <= limit; batch++) {
        const entries = await reports.partnerReferralPage(principal.partnerId, cursor, LIST_BATCH);
        for (const entry of entries) {
          cursor = { at: entry.passedOnAt, id: entry._id };
          const doc = await reports.findById(entry._id);
          if (!live(doc) || doc.recordedBy.id !== principal.partnerId) continue;
          assertEnvelope(crypto.integrity, doc);
          const state = PARTNER_STATE[doc.status];
          if (states?.length && !states.includes(state)) continue;
          if (rows.length === limit) {
            more = true;
            break;
          }
          const receipt = vault.openReceipt(doc, entry.receipt);
          if (!receipt) continue;
          rows.push({ cursor: encodeCursor(entry.passedOnAt, entry._id), node: { receipt, passedOnAt: entry.passedOnAt, state, questionWaiting: waitingOf(doc) > 0 } });
        }
        if (more || entries.length < LIST_BATCH) break;
      }
      return { ...connectionOf(rows, more), questionsWaiting: () => questionsWaiting(principal) };
    },

    /**
     * One of the organisation's referrals by its receipt, as it passed it on: its own words back (opened and
     * audited by the content vault), its additions, the questions asked and the answers given, coarse state only
     * (a closed referral is CLOSED and nothing more). Another organisation's receipt, an erased referral and a
     * made-up receipt are the same NOT_FOUND.
     */
    async ourReferral(principal: PartnerPrincipal, receipt: unknown): Promise<OurReferralView> {
      const doc = await ownReferral(principal, receipt);
      const content = await vault.openReferralForPartner(principal, doc); // audited before anything is returned
      const answers = new Map((content.answers ?? []).map((a) => [a.id, a]));
      return {
        receipt: String(receipt).trim().toUpperCase(),
        passedOnAt: doc.recordedAt,
        state: PARTNER_STATE[doc.status],
        narrative: content.narrative,
        subjects: content.subjects ?? [],
        vehicles: content.vehicles ?? [],
        locations: content.locations ?? [],
        partnerReference: content.partnerReference ?? null,
        additions: (content.addenda ?? []).map((a) => ({ at: timeFor(doc, a.at), narrative: a.narrative ?? '' })),
        questions: (content.questions ?? []).map((q) => {
          const answer = answers.get(q.id);
          return { id: q.id, question: q.text, askedAt: timeFor(doc, q.at), answered: !!answer, answer: answer?.text ?? null, answeredAt: answer ? timeFor(doc, answer.at) : null };
        }),
        questionsWaiting: waitingOf(doc),
        filesReceived: filesReceived(doc.attachments, 'PARTNER'),
      };
    },

    /** A member of staff's own follow-up calls of the last 24 hours: the reference and when, nothing of the report's state. */
    myFollowUps(principal: StaffPrincipal): Promise<FollowUpRecorded[]> {
      return reports.findRecentFollowUpsBy(principal.userId, new Date(Date.now() - SUBMISSIONS_WINDOW_MS), 200);
    },

    /** The partner answers one of its questions, once. An unknown question is NOT_FOUND. */
    async answerPartnerQuestion(principal: PartnerPrincipal, receipt: unknown, questionId: unknown, answer: string): Promise<PartnerQuestionView> {
      const doc = await ownReferral(principal, receipt);
      const text = staffText(answer, 'answer', { min: 1, max: STAFF_TEXT_LIMITS.note, multiline: true });
      if (typeof questionId !== 'string' || !doc.content!.questions?.some((q) => q.id === questionId)) throw notFound('Question');
      const actor = { type: 'partner' as const, id: principal.partnerId, name: principal.name };
      const updated = await appendToChannel(
        doc,
        'answers',
        { id: questionId, at: new Date(), text },
        (d) => {
          if (d.content!.answers?.some((a) => a.id === questionId)) throw conflict('This question has already been answered');
        },
        actor,
        'partner_answered',
        (d) => ({ action: 'report.partner_answer', actor, target: { type: 'report', id: d._id }, outcome: 'success', details: { questionId } }),
      );
      return (await questionsOf(principal, updated)).find((q) => q.id === questionId)!;
    },
  };
}
