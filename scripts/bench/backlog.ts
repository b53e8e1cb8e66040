/**
 * An imminent-threat call under a backlog: with triage paused, `calls`
 * ordinary calls are recorded so the queue holds hundreds of jobs; triage is
 * resumed and one imminent-threat call recorded at once. Its time from
 * acknowledgement to TRIAGED is the figure (its job carries the highest bull
 * priority); how long the backlog then takes to drain is what the same call
 * would have waited in a first-in, first-out queue.
 */
import type Queue from 'bull';
import type { Db } from 'mongodb';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { RECORD_CALL } from '../../tests/support/payloads.js';
import { nextCall } from './intake.js';
import { sleep } from './support.js';

export interface BacklogResult {
  /** Reports the phase stored (the backlog and the imminent-threat call). */
  reports: number;
  /** Ordinary calls acknowledged while triage was paused, and requests that failed. */
  calls: number;
  errors: number;
  /** Triage jobs waiting when triage resumed (the backlog, plus anything an earlier phase left). */
  queued: number;
  /** Seconds spent recording the backlog. */
  recordSeconds: number;
  imminent: {
    /** Its own intake latency (request sent → acknowledged), ms. */
    intakeMs: number;
    /** Acknowledged → `triage.decidedAt`, ms; null when not routed within the bound. */
    toTriagedMs: number | null;
    /** Reports routed after the resume and before it (at best those the worker had already taken). */
    routedAhead: number | null;
  };
  /** Resume → triage queue empty, s (or the bound, if it did not empty). */
  drainSeconds: number;
  drained: boolean;
  /** Acknowledged backlog reports missing from the store (must be 0), and those not routed within the bound. */
  lost: number;
  untriaged: number;
}

interface BacklogTarget {
  url: string;
  token: string;
  db: Db;
  handlerId: string;
  triageQueue: Queue.Queue;
  calls: number;
  connections: number;
  drainTimeoutMs: number;
}

/** Records one call; its report id, or null when the request failed. */
async function recordCall(o: BacklogTarget, input: ReturnType<typeof nextCall>): Promise<string | null> {
  try {
    const res = await fetch(o.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
      body: JSON.stringify({ query: RECORD_CALL, variables: { input } }),
      signal: AbortSignal.timeout(120_000),
    });
    const body = (await res.json()) as { data?: { recordHotlineCall?: { id?: string } }; errors?: unknown[] };
    return res.status === 200 && !body.errors?.length ? (body.data?.recordHotlineCall?.id ?? null) : null;
  } catch {
    return null;
  }
}

const queuedJobs = async (q: Queue.Queue) => {
  const c = await q.getJobCounts();
  return c.waiting + c.active + c.delayed + ((c as { paused?: number }).paused ?? 0);
};

export async function runBacklog(o: BacklogTarget): Promise<BacklogResult> {
  const since = new Date();
  const acked: string[] = [];
  let errors = 0;
  let next = 0;
  const recordStart = Date.now();
  await o.triageQueue.pause();
  let queued: number;
  let resumedAt = 0;
  try {
    const loop = async () => {
      while (next < o.calls) {
        next++;
        const id = await recordCall(o, { ...nextCall(), imminentThreat: false });
        if (id) acked.push(id);
        else errors++;
      }
    };
    await Promise.all(Array.from({ length: o.connections }, loop));
    queued = await queuedJobs(o.triageQueue);
  } finally {
    resumedAt = Date.now();
    await o.triageQueue.resume();
  }
  const recordSeconds = Math.round((resumedAt - recordStart) / 100) / 10;

  const sent = Date.now();
  const imminentId = await recordCall(o, { ...nextCall(), imminentThreat: true });
  const ack = Date.now();
  if (!imminentId) errors++;
  const reports = o.db.collection<ReportDoc>('reports');
  let decidedAt: number | null = null;
  while (imminentId && decidedAt === null && Date.now() - resumedAt < o.drainTimeoutMs) {
    // By _id: the one look-up FerretDB answers from an index.
    const doc = await reports.findOne({ _id: imminentId }, { projection: { triage: 1 } });
    if (doc?.triage) decidedAt = doc.triage.decidedAt.getTime();
    else await sleep(20);
  }

  let drained = false;
  while (!(drained = (await queuedJobs(o.triageQueue)) === 0) && Date.now() - resumedAt < o.drainTimeoutMs) await sleep(100);
  const drainSeconds = Math.round((Date.now() - resumedAt) / 100) / 10;

  // Two reads in all (every query but {_id} scans the collection on FerretDB): the phase's reports, and what was routed ahead.
  const docs = await reports.find({ 'recordedBy.id': o.handlerId, recordedAt: { $gte: since } }, { projection: { _id: 1, triage: 1 } }).toArray();
  const routedAhead =
    decidedAt === null ? null : await reports.countDocuments({ 'triage.decidedAt': { $gte: new Date(resumedAt), $lt: new Date(decidedAt) } });
  const backlog = new Set(acked);
  const stored = docs.filter((d) => backlog.has(d._id));
  return {
    reports: docs.length,
    calls: acked.length,
    errors,
    queued,
    recordSeconds,
    imminent: {
      intakeMs: ack - sent,
      toTriagedMs: decidedAt === null ? null : decidedAt - ack,
      routedAhead,
    },
    drainSeconds,
    drained,
    lost: acked.length - stored.length,
    untriaged: stored.filter((d) => !d.triage).length,
  };
}
