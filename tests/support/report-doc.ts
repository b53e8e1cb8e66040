/**
 * A stored report document for unit tests that need one without a database:
 * the plaintext fields as intake writes them for a hotline call, triaged to
 * SO13 at P3 and unclaimed, with whatever content and keys the test sealed
 * and any field overridden. The integration tests make real reports instead
 * (factories.ts `buildReport`).
 */
import type { ReportDoc } from '../../src/reports/model/types.js';

export function storedReportDoc(sealed: Pick<ReportDoc, 'content' | 'dataKey'> & Partial<ReportDoc>): ReportDoc {
  return {
    _id: 'r-1',
    reference: 'ATH-2026-000001',
    source: 'HOTLINE_CALL',
    channel: 'ANTI_TERRORIST_HOTLINE',
    receivedAt: new Date(0),
    recordedAt: new Date(0),
    callDurationSeconds: 60,
    recordedBy: { type: 'user', id: 'u1' },
    idempotencyKey: 'u1:k',
    fingerprint: 'f',
    receiptHash: null,
    categories: ['STORAGE'],
    imminentThreat: false,
    borough: 'CAMDEN',
    anonymous: false,
    callerMayRecontact: true,
    status: 'TRIAGED',
    desk: 'SO13',
    priority: 'P3',
    assignee: null,
    escalated: false,
    triagePending: false,
    triage: null,
    links: [],
    grading: null,
    bidx: [],
    history: [],
    version: 2,
    closedAt: null,
    erasedAt: null,
    ...sealed,
  };
}
