/**
 * Intake: hotline calls from call handlers and anonymised referrals from
 * partners. A report is acknowledged only once durably written (encrypted,
 * marked pending triage: the outbox), then handed to the triage queue; if
 * Redis is down at that moment the outbox sweep hands it over later.
 * Idempotency keys make retries safe: same key and content → same report,
 * same key and other content → CONFLICT.
 */
import { auditIfMissing } from '../audit/late.js';
import type { AuditEventInput, AuditLog } from '../audit/types.js';
import type { PartnerPrincipal, StaffPrincipal } from '../auth/types.js';
import { receiptHash, type IntakeKeys } from '../crypto/derived.js';
import type { Crypto } from '../crypto/index.js';
import { conflict, notFound } from '../errors.js';
import { nextHistoryEntry } from '../reports/history.js';
import type { Logger } from '../logger.js';
import type { ReportContent } from '../reports/content.js';
import type { ReportRepository } from '../reports/repository.js';
import type { ReportDoc, ReportStatus } from '../reports/types.js';
import { hotlineCallSchema, parseInput, partnerReferralSchema, type HotlineCallInput, type PartnerReferralInput } from './validation.js';

export interface IntakeDeps {
  reports: ReportRepository;
  crypto: Crypto;
  keys: IntakeKeys;
  audit: AuditLog;
  enqueueTriage(reportId: string): Promise<boolean>;
  log: Logger;
}

export type IntakeService = ReturnType<typeof createIntakeService>;

export const REFERENCE_PREFIX = 'ATH';
const MINUTE = 60_000;
const truncateToMinute = (d: Date) => new Date(Math.floor(d.getTime() / MINUTE) * MINUTE);

/** What a partner may learn about its referral, and nothing more. */
export function partnerState(status: ReportStatus): 'RECEIVED' | 'UNDER_REVIEW' | 'CLOSED' {
  if (status === 'CLOSED' || status === 'ERASED') return 'CLOSED';
  if (status === 'RECEIVED' || status === 'TRIAGED' || status === 'TRIAGE_FAILED') return 'RECEIVED';
  return 'UNDER_REVIEW';
}

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
    status: 'RECEIVED',
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

export function createIntakeService(deps: IntakeDeps) {
  const { reports, crypto, keys, audit, log } = deps;

  /** Stores a new report, or returns the one an earlier attempt with the same key stored. */
  async function store(
    id: string,
    scopedKey: string,
    fingerprint: string,
    fields: IntakeFields,
    content: ReportContent,
  ): Promise<{ doc: ReportDoc; created: boolean }> {
    // No lookup first: the id is derived from the submission, so a retry collides on the
    // unique _id and is answered from the stored report (on FerretDB every lookup is a scan).
    const base = newReport(id, scopedKey, fingerprint, fields);
    base.history = [
      nextHistoryEntry([], { at: base.recordedAt, actor: base.recordedBy, action: 'received', from: null, to: { status: 'RECEIVED' }, reason: null }),
    ];
    const encrypted = crypto.cipher.withNewDataKey(id, (dataKey, wrapped) => ({
      content: crypto.codec.encryptContent(dataKey, id, content),
      dataKey: wrapped,
      bidx: crypto.blindIndex.indexTermsFor(content),
    }));
    let doc: ReportDoc;
    for (let attempt = 0; ; attempt++) {
      doc = { ...base, ...encrypted, reference: await reports.nextReference(REFERENCE_PREFIX, base.recordedAt) };
      try {
        await reports.insert(doc);
        break;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
        // Two copies of the same submission raced: the first one stored wins.
        const winner = await reports.findById(id);
        if (winner) return { doc: sameOrConflict(winner, fingerprint), created: false };
        // Otherwise the reference was taken (the counter is only a hint): take the next one.
        await reports.raiseReferenceHint(REFERENCE_PREFIX, base.recordedAt, doc.reference);
        if (attempt >= 50) throw err;
      }
    }
    return { doc, created: true };
  }

  function sameOrConflict(doc: ReportDoc, fingerprint: string) {
    if (doc.fingerprint !== fingerprint) {
      throw conflict('This idempotency key was already used for a different submission; generate a new key for a new report');
    }
    return doc;
  }

  /** Audits a stored report's creation; a retry makes sure the entry exists (see audit/late.ts). */
  async function auditCreate(doc: ReportDoc, created: boolean, event: AuditEventInput & { target: { id: string } }) {
    if (created) await audit.record(event);
    else await auditIfMissing(audit, event, doc.recordedAt);
  }

  /**
   * Hands a stored report to triage. When the queue does not take it, the
   * report goes in the outbox for the sweep; if even that fails, the
   * worker's reconciliation finds it by its pending flag. The caller's
   * report is stored either way, so this never fails the request.
   */
  async function handOff(doc: ReportDoc) {
    if (!doc.triagePending) return;
    if (await deps.enqueueTriage(doc._id)) return;
    log.warn({ reportId: doc._id }, 'triage queue unavailable; the outbox sweep will enqueue the report');
    await reports.markPending(doc._id, doc.recordedAt).catch((err) => {
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
      const { doc, created } = await store(
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
          anonymous: !caller,
          callerMayRecontact: caller ? caller.mayRecontact : null,
        },
        contentOf(input, {
          caller: caller
            ? { name: caller.name, phone: caller.phone, email: caller.email, address: caller.address, preferredContactTimes: caller.preferredContactTimes }
            : null,
        }),
      );
      await auditCreate(doc, created, {
        action: 'report.create',
        actor: { type: 'user', id: principal.userId, name: principal.username },
        target: { type: 'report', id: doc._id },
        outcome: 'success',
        details: { reference: doc.reference, source: doc.source, channel: doc.channel, imminentThreat: doc.imminentThreat },
      });
      await handOff(doc);
      return doc;
    },

    async submitPartnerReferral(principal: PartnerPrincipal, raw: unknown) {
      const input = parseInput(partnerReferralSchema, raw);
      const { idempotencyKey, ...rest } = input;
      const fingerprint = keys.fingerprint(rest);
      const receipt = keys.receipt(principal.partnerId, idempotencyKey);
      // No request time finer than the minute is kept for partner submissions.
      const now = truncateToMinute(new Date());
      const { doc, created } = await store(
        keys.reportId('receipt', receipt),
        `${principal.partnerId}:${idempotencyKey}`,
        fingerprint,
        {
          source: 'PARTNER_REFERRAL',
          channel: 'PARTNER_ORGANISATION',
          receivedAt: truncateToMinute(input.receivedByPartnerAt ?? now),
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
      );
      await auditCreate(doc, created, {
        action: 'report.create',
        actor: { type: 'partner', id: principal.partnerId, name: principal.name },
        target: { type: 'report', id: doc._id },
        outcome: 'success',
        details: { source: doc.source, imminentThreat: doc.imminentThreat },
      });
      await handOff(doc);
      return { receipt, receivedAt: doc.recordedAt, imminentThreat: doc.imminentThreat };
    },

    async partnerReferralStatus(principal: PartnerPrincipal, receipt: string) {
      if (typeof receipt !== 'string' || receipt.length > 64) throw notFound('Receipt');
      const doc = await reports.findSummary(keys.reportId('receipt', receipt.trim().toUpperCase()));
      // Another partner's receipt is as unknown as a made-up one.
      if (!doc || doc.recordedBy.id !== principal.partnerId || doc.receiptHash !== receiptHash(receipt)) throw notFound('Receipt');
      return { receipt: receipt.trim().toUpperCase(), receivedAt: doc.recordedAt, state: partnerState(doc.status) };
    },

    /** A call handler's own submissions of the last 24 hours: no content. */
    async mySubmissions(principal: StaffPrincipal) {
      return reports.findRecentBy(principal.userId, new Date(Date.now() - 24 * 3600_000), 200);
    },
  };
}

