/**
 * Intake: hotline calls from call handlers and anonymised referrals from
 * partners. A report is acknowledged only once durably written (encrypted,
 * marked pending triage, its `report.create` audit event inside it), then
 * handed to the triage queue at once (if Redis is down the outbox sweep
 * hands it over later), then its audit event is chained (if that fails, the
 * worker's audit recovery chains it: the report is stored and acknowledged).
 * Idempotency keys make retries safe: same key and content → same report,
 * same key and other content → CONFLICT.
 */
import { filesReceived } from '../reports/model/attachments.js';
import type { AuditChainer } from '../audit/chainer.js';
import type { AuditEventInput } from '../audit/types.js';
import type { PartnerPrincipal, StaffPrincipal } from '../auth/types.js';
import { isOwnReceipt, receiptHash, receiptLookup, type IntakeKeys } from '../crypto/derived.js';
import type { Crypto } from '../crypto/index.js';
import { conflict, notFound } from '../errors.js';
import { nextHistoryEntry } from '../reports/model/history.js';
import { toMinute } from '../time.js';
import { PARTNER_STATE, TRANSITIONS } from '../reports/rules/state-machine.js';
import type { Logger } from '../logger.js';
import type { CallNotesContent, ReportContent } from '../reports/model/content.js';
import type { ReportRepository } from '../reports/store/repository.js';
import type { ReportDoc } from '../reports/model/types.js';
import { createContentSeal } from '../reports/content/vault.js';
import { SUBMISSIONS_WINDOW_MS } from '../reports/store/submissions.js';
import { statisticsEvents } from '../reports/model/statistics.js';
import { hotlineCallSchema, parseInput, partnerReferralSchema, type HotlineCallInput, type PartnerReferralInput } from './validation.js';

export interface IntakeDeps {
  reports: ReportRepository;
  crypto: Crypto;
  /** `previous`: the same keys under retired index keys, during a rotation (a retry then still finds its report). */
  keys: IntakeKeys & { previous?: IntakeKeys[] };
  chainer: AuditChainer;
  /** Hands a stored report to triage (priority and hold derived from the report by the queue); false when Redis did not take it. */
  enqueueTriage(report: Pick<ReportDoc, '_id' | 'imminentThreat' | 'source'>): Promise<boolean>;
  /** Told when a report is left for the reconcile's scan, which runs only when something asked (src/queue/liveness.ts). */
  wantReconcile?: () => void;
  log: Logger;
}

export type IntakeService = ReturnType<typeof createIntakeService>;

export const REFERENCE_PREFIX = 'ATH';


/** What differs between a hotline call and a partner referral; the rest is a new report's lifecycle. */
type IntakeFields = Pick<
  ReportDoc,
  'source' | 'channel' | 'receivedAt' | 'recordedAt' | 'callDurationSeconds' | 'recordedBy' | 'receiptHash' | 'categories' | 'imminentThreat' | 'borough' | 'anonymous' | 'callerMayRecontact'
>;

function newReport(id: string, idempotencyKey: string, fingerprint: string, fields: IntakeFields): Omit<ReportDoc, 'content' | 'dataKey' | 'bidx' | 'reference'> {
  return {
    _id: id,
    ...fields,
    idempotencyKey,
    fingerprint,
    status: TRANSITIONS.intake.to,
    desk: null,
    priority: null,
    assignee: null,
    escalated: false,
    triagePending: true,
    triage: null,
    links: [],
    grading: null,
    history: [],
    version: 1,
    closedAt: null,
    erasedAt: null,
  };
}

/**
 * Whether the caller gave an identity: a name, phone, email or address. The
 * language, interpreter and safe-to-contact notes say how to speak with the
 * caller, not who they are, so a caller who gives only those stays anonymous
 * (in statistics and on the report page); they are still sealed in the
 * caller group, behind the audited reveal.
 */
function identifies(caller: HotlineCallInput['caller']): boolean {
  return !!caller && [caller.name, caller.phone, caller.email, caller.address].some((v) => v !== null && v !== undefined);
}

/** The call handler's notes as content, or nothing when none was given (the group is then absent, as on older reports). */
function callNotesOf(notes: HotlineCallInput['callNotes'], now: Date): Pick<ReportContent, 'callNotes'> {
  if (!notes) return {};
  const { emergencyHandOff, ...answers } = notes;
  const content: CallNotesContent = {
    emergencyHandOffAt: emergencyHandOff ? (emergencyHandOff.at ?? now).toISOString() : null,
    emergencyReference: emergencyHandOff?.reference ?? null,
    ...answers,
  };
  return Object.values(content).some((v) => v !== null) ? { callNotes: content } : {};
}

export function createIntakeService(deps: IntakeDeps) {
  const { reports, crypto, keys, chainer, log } = deps;
  /** Seals the content under a new data key, with its index terms (reports/content/vault.ts). */
  const seal = createContentSeal(crypto);

  /**
   * Stores a new report with its creation audit event, hands it to triage and
   * chains the event; or returns the report an earlier attempt with the same
   * key stored (its hand-off and audit were that attempt's, or the sweeps').
   */
  async function store(
    id: string,
    scopedKey: string,
    fingerprint: string,
    fields: IntakeFields,
    content: ReportContent,
    audit: (reference: string) => AuditEventInput,
    earlier: { ids: string[]; fingerprints: string[] } = { ids: [], fingerprints: [] },
  ): Promise<ReportDoc> {
    // During an index-key rotation a retry may be of a submission stored under a previous key: one lookup by _id per such key.
    for (const earlierId of earlier.ids) {
      const found = await reports.findById(earlierId);
      if (found) {
        const stored = sameOrConflict(found, [fingerprint, ...earlier.fingerprints]);
        await handOff(stored);
        await count(stored);
        return stored;
      }
    }
    // No lookup first: the id is derived from the submission, so a retry collides on the
    // unique _id and is answered from the stored report (a lookup by anything else is a scan of the store).
    // The idempotency key is stored keyed-hashed: it is the client's, and may say more than it should.
    const base: Omit<ReportDoc, 'content' | 'dataKey' | 'bidx' | 'reference'> = newReport(id, crypto.integrity.mac('idempotencyKey', scopedKey), fingerprint, fields);
    base.history = [
      nextHistoryEntry(crypto.integrity, [], { at: base.recordedAt, actor: base.recordedBy, action: 'received', from: null, to: { status: TRANSITIONS.intake.to }, reason: null }),
    ];
    const { searchTerms, ...encrypted } = seal.sealNew(id, content);
    // The store files it (search terms, the recorder's recent submissions, the intake tally, the reference claim) and stores it.
    const result = await reports.insert(
      { ...base, ...encrypted },
      { searchTerms, referencePrefix: REFERENCE_PREFIX, auditPending: (reference) => chainer.events(id, base.version, [audit(reference)], base.recordedAt) },
    );
    if (!result.stored) {
      const stored = sameOrConflict(result.existing, [fingerprint, ...earlier.fingerprints]);
      await handOff(stored);
      await count(stored);
      return stored;
    }
    const doc = result.doc;
    // Triage first: an imminent threat must not wait for the audit chain.
    await handOff(doc);
    await Promise.all([chainer.chain(doc.auditPending ?? []), count(doc)]);
    return doc;
  }

  /**
   * The report's `received` statistics entry (reports/store/statistics.ts): one insert keyed by the
   * change's event key, so the retry of a stored submission counts nothing twice. Never fails the
   * request: an entry lost here is derived again by the nightly reconciliation.
   */
  async function count(doc: ReportDoc) {
    await reports.statistics.record(statisticsEvents(doc, doc.history.slice(0, 1), null)).catch((err) => {
      log.warn({ reportId: doc._id, errName: (err as Error)?.name }, 'statistics entry not written; the reconciliation will count the report');
    });
  }

  /** `fingerprints`: the submission's, under the current index key first, then any previous one. */
  function sameOrConflict(doc: ReportDoc, fingerprints: string[]) {
    if (!fingerprints.includes(doc.fingerprint)) {
      throw conflict('This idempotency key was already used for a different submission; generate a new key for a new report');
    }
    return doc;
  }

  /**
   * Hands a stored report to triage. When the queue does not take it, the
   * report goes in the outbox for the sweep; if even that fails, the
   * worker's reconciliation finds it by its pending flag. The caller's
   * report is stored either way, so this never fails the request.
   */
  async function handOff(doc: ReportDoc) {
    if (!doc.triagePending) return;
    if (await deps.enqueueTriage(doc)) return;
    log.warn({ reportId: doc._id }, 'triage queue unavailable; the outbox sweep will enqueue the report');
    await reports.markPending(doc).catch((err) => {
      deps.wantReconcile?.();
      log.warn({ reportId: doc._id, err: (err as Error).name }, 'outbox entry not written; reconciliation will find the report');
    });
  }

  function contentOf(input: HotlineCallInput | PartnerReferralInput, extra: Partial<ReportContent>): ReportContent {
    return {
      narrative: input.narrative,
      subjects: input.subjects,
      vehicles: input.vehicles,
      locations: input.locations,
      researchNotes: [],
      ...extra,
    };
  }

  return {
    async recordHotlineCall(principal: StaffPrincipal, raw: unknown) {
      const input = parseInput(hotlineCallSchema, raw);
      const { idempotencyKey, ...rest } = input;
      const fingerprint = keys.fingerprint(rest);
      const now = new Date();
      const caller = input.caller;
      const scopedKey = `${principal.userId}:${idempotencyKey}`;
      const actor = { type: 'user' as const, id: principal.userId, name: principal.username };
      return store(
        keys.reportId('submission', scopedKey),
        scopedKey,
        fingerprint,
        {
          source: 'HOTLINE_CALL',
          channel: input.channel,
          receivedAt: input.receivedAt ?? now,
          recordedAt: now,
          callDurationSeconds: input.callDurationSeconds ?? null,
          recordedBy: { type: 'user', id: principal.userId },
          receiptHash: null,
          categories: input.categories,
          imminentThreat: input.imminentThreat,
          borough: input.borough,
          anonymous: !identifies(caller),
          callerMayRecontact: caller ? caller.mayRecontact : null,
        },
        contentOf(input, {
          caller: caller
            ? {
                name: caller.name,
                phone: caller.phone,
                email: caller.email,
                address: caller.address,
                preferredContactTimes: caller.preferredContactTimes,
                language: caller.language,
                interpreter: caller.interpreter,
                safeContact: caller.safeContact,
                leaveMessage: caller.mayLeaveMessage === true ? 'YES' : caller.mayLeaveMessage === false ? 'NO' : null,
              }
            : null,
          ...callNotesOf(input.callNotes, now),
        }),
        (reference) => ({
          action: 'report.create',
          actor,
          target: { type: 'report', id: keys.reportId('submission', scopedKey) },
          outcome: 'success',
          details: { reference, source: 'HOTLINE_CALL', channel: input.channel, imminentThreat: input.imminentThreat },
        }),
        { ids: (keys.previous ?? []).map((k) => k.reportId('submission', scopedKey)), fingerprints: (keys.previous ?? []).map((k) => k.fingerprint(rest)) },
      );
    },

    async submitPartnerReferral(principal: PartnerPrincipal, raw: unknown) {
      const input = parseInput(partnerReferralSchema, raw);
      const { idempotencyKey, ...rest } = input;
      const fingerprint = keys.fingerprint(rest);
      const receipt = keys.receipt(principal.partnerId, idempotencyKey);
      // No request time finer than the minute is kept for partner submissions.
      const now = toMinute(new Date());
      const id = keys.reportId('receipt', receipt);
      const earlierReceipts = (keys.previous ?? []).map((k) => ({ receipt: k.receipt(principal.partnerId, idempotencyKey), keys: k }));
      const earlierIds = earlierReceipts.map((e) => e.keys.reportId('receipt', e.receipt));
      const doc = await store(
        id,
        `${principal.partnerId}:${idempotencyKey}`,
        fingerprint,
        {
          source: 'PARTNER_REFERRAL',
          channel: 'PARTNER_ORGANISATION',
          receivedAt: toMinute(input.receivedByPartnerAt ?? now),
          recordedAt: now,
          callDurationSeconds: null,
          recordedBy: { type: 'partner', id: principal.partnerId },
          receiptHash: receiptHash(receipt),
          categories: input.categories,
          imminentThreat: input.imminentThreat,
          borough: input.borough,
          anonymous: true,
          callerMayRecontact: null,
        },
        contentOf(input, { caller: null, partnerReference: input.partnerReference }),
        () => ({
          action: 'report.create',
          actor: { type: 'partner', id: principal.partnerId, name: principal.name },
          target: { type: 'report', id },
          outcome: 'success',
          details: { source: 'PARTNER_REFERRAL', imminentThreat: input.imminentThreat },
        }),
        { ids: earlierIds, fingerprints: (keys.previous ?? []).map((k) => k.fingerprint(rest)) },
      );
      // A retry of a submission stored under a previous index key gets the receipt it was given then.
      const given = doc._id === id ? receipt : (earlierReceipts[earlierIds.indexOf(doc._id)]?.receipt ?? receipt);
      // In the organisation's list (reports/store/partner-referrals.ts), its receipt sealed under the report's key; a retry writes the same entry.
      const sealedReceipt = seal.sealReceipt(doc, given);
      if (sealedReceipt) await reports.notePartnerReferral({ _id: doc._id, partnerId: principal.partnerId, passedOnAt: doc.recordedAt, receipt: sealedReceipt });
      return { receipt: given, receivedAt: doc.recordedAt, imminentThreat: doc.imminentThreat };
    },

    async partnerReferralStatus(principal: PartnerPrincipal, receipt: string) {
      const lookup = receiptLookup(keys, receipt);
      let doc = null;
      for (const candidate of lookup?.ids ?? []) if (!doc) doc = await reports.findSummary(candidate);
      if (!doc || !isOwnReceipt(doc, principal.partnerId, lookup!.code)) throw notFound('Receipt');
      return { receipt: lookup!.code, receivedAt: doc.recordedAt, state: PARTNER_STATE[doc.status], filesReceived: filesReceived(await reports.attachmentsOf(doc._id), 'PARTNER') };
    },

    /** A call handler's own submissions of the last 24 hours, as listed with the files they attached (their list: no read of `reports` a row): no content. */
    async mySubmissions(principal: StaffPrincipal) {
      return reports.recentSubmissionsOf(principal.userId, new Date(Date.now() - SUBMISSIONS_WINDOW_MS), 200);
    },
  };
}

