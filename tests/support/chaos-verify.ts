/**
 * What a fault-injection run must prove afterwards, read straight from the
 * database: each acknowledged submission stored exactly once (by its scoped
 * idempotency key), triaged exactly once (one 'triaged' history entry, one
 * successful `report.triage` audit entry), every report's history chain
 * intact, and the audit chain intact.
 */
import type { Db } from 'mongodb';
import { createAuditLog } from '../../src/audit/service.js';
import { testIntegrity } from './integrity.js';
import { verifyHistory } from '../../src/reports/model/history.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { until } from './chaos-cluster.js';

export interface Verdict {
  /** Reports stored for the submissions (acknowledged or not). */
  stored: number;
  triaged: number;
  /** Acknowledged submissions with more than one stored report. */
  duplicates: number;
  /** Acknowledged submissions with no stored report. */
  lost: number;
  /** Stored reports not (yet) triaged exactly once: status, history or audit says otherwise. */
  notTriagedOnce: { id: string; status: string; triagePending: boolean; triagedEntries: number; triageAudits: number }[];
  brokenHistories: string[];
  /** Stored reports whose `report.create` audit entry count is not 1 (informational). */
  createAuditMismatches: { id: string; count: number }[];
  audit: { valid: boolean; length: number; brokenAt?: number | null; reason?: string | null };
  /** Triage latency (decidedAt − recordedAt), ms: median and max. */
  triageLatencyMs: { p50: number; max: number };
  statuses: Record<string, number>;
}

type Stored = Pick<ReportDoc, '_id' | 'idempotencyKey' | 'status' | 'triagePending' | 'history' | 'recordedAt' | 'triage'>;

async function load(db: Db, scopedKeys: string[]) {
  const reports = (await db
    .collection<ReportDoc>('reports')
    .find({ idempotencyKey: { $in: scopedKeys } }, { projection: { _id: 1, idempotencyKey: 1, status: 1, triagePending: 1, history: 1, recordedAt: 1, triage: 1 } })
    .toArray()) as Stored[];
  const audit = await db
    .collection<{ action: string; outcome: string; target: { id: string } | null }>('audit')
    .find({ action: { $in: ['report.triage', 'report.create'] } }, { projection: { action: 1, outcome: 1, target: 1 } })
    .toArray();
  const triageAudits = new Map<string, number>();
  const createAudits = new Map<string, number>();
  for (const a of audit) {
    if (!a.target) continue;
    const m = a.action === 'report.create' ? createAudits : a.outcome === 'success' ? triageAudits : null;
    m?.set(a.target.id, (m.get(a.target.id) ?? 0) + 1);
  }
  return { reports, triageAudits, createAudits };
}

const triagedOnce = (r: Stored, audits: Map<string, number>) =>
  r.status !== 'RECEIVED' && r.status !== 'TRIAGE_FAILED' && !r.triagePending && r.history.filter((h) => h.action === 'triaged').length === 1 && audits.get(r._id) === 1;

/**
 * Waits (bounded) until every stored report of these submissions is triaged
 * once, including its audit entry; returns how long that took.
 */
export async function waitForQuiescence(db: Db, scopedKeys: string[], timeoutMs: number, auditKey: string): Promise<{ ms: number; settled: boolean }> {
  const started = Date.now();
  const integrity = await testIntegrity(auditKey);
  const stored = scopedKeys.map((k) => integrity.mac('idempotencyKey', k)); // as intake stores them
  try {
    await until(async () => {
      const { reports, triageAudits } = await load(db, stored);
      return reports.length > 0 && reports.every((r) => triagedOnce(r, triageAudits));
    }, timeoutMs, 'every report triaged once', 500);
    return { ms: Date.now() - started, settled: true };
  } catch {
    return { ms: Date.now() - started, settled: false };
  }
}

/** Counts everything a run must prove; `acknowledged` ⊆ `all` are scoped idempotency keys. */
/** `auditKey`: the cluster's HOTLINE_AUDIT_KEY, which keys its chains. */
export async function verifyRun(db: Db, allKeys: string[], acknowledgedKeys: string[], auditKey: string): Promise<Verdict> {
  const integrity = await testIntegrity(auditKey);
  // Idempotency keys are stored keyed-hashed (never as sent): look them up the same way.
  const stored = (k: string) => integrity.mac('idempotencyKey', k);
  const all = allKeys.map(stored);
  const acknowledged = acknowledgedKeys.map(stored);
  const { reports, triageAudits, createAudits } = await load(db, all);
  const byKey = new Map<string, number>();
  for (const r of reports) byKey.set(r.idempotencyKey, (byKey.get(r.idempotencyKey) ?? 0) + 1);
  const statuses: Record<string, number> = {};
  for (const r of reports) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const latencies = reports
    .filter((r) => r.triage?.decidedAt)
    .map((r) => r.triage!.decidedAt.getTime() - r.recordedAt.getTime())
    .sort((a, b) => a - b);
  return {
    stored: reports.length,
    triaged: reports.filter((r) => triagedOnce(r, triageAudits)).length,
    duplicates: acknowledged.filter((k) => (byKey.get(k) ?? 0) > 1).length,
    lost: acknowledged.filter((k) => !byKey.get(k)).length,
    notTriagedOnce: reports
      .filter((r) => !triagedOnce(r, triageAudits))
      .map((r) => ({
        id: r._id,
        status: r.status,
        triagePending: r.triagePending,
        triagedEntries: r.history.filter((h) => h.action === 'triaged').length,
        triageAudits: triageAudits.get(r._id) ?? 0,
      })),
    brokenHistories: reports.filter((r) => !verifyHistory(integrity, r.history).valid).map((r) => r._id),
    createAuditMismatches: reports.filter((r) => createAudits.get(r._id) !== 1).map((r) => ({ id: r._id, count: createAudits.get(r._id) ?? 0 })),
    audit: await createAuditLog({ db, integrity }).verify(),
    triageLatencyMs: { p50: latencies[Math.floor(latencies.length / 2)] ?? 0, max: latencies.at(-1) ?? 0 },
    statuses,
  };
}
