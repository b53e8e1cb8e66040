/**
 * Intake under load, its baseline, and triage latency.
 *
 * - runIntake: `recordHotlineCall` over HTTP with autocannon at a fixed
 *   number of connections (closed loop), every request a different payload
 *   with its own idempotency key.
 * - runPaced: the same mutation at a fixed arrival rate (open loop, one
 *   request every 1000/rate ms whatever the answers), to read triage latency
 *   "at 100 intakes/s". autocannon's own rate limiter sends each second's
 *   quota in one burst at the start of the second, which would measure
 *   bursts of 100 instead.
 * - runBaseline: the same documents in plain text written with the plain
 *   driver (insertOne, { w: 'majority', j: true }) into a collection with
 *   the same indexes, plus one bull `add` each; no HTTP, GraphQL, encryption,
 *   audit, idempotency look-up or reference counter.
 *
 * After each intake run the bench checks the store: every acknowledged
 * report must be there, and the only stored reports not acknowledged may be
 * those in flight when the load stopped (at most one per connection).
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import type Queue from 'bull';
import type { Db } from 'mongodb';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { RECORD_CALL } from '../../tests/support/payloads.js';
import { benchCall, registration } from './payloads.js';
import { latency, sleep, type Child, type Latency } from './support.js';

/** Payload numbers are global to the run, so no two requests of the run share values or keys. */
let nextPayload = 0;
/** The run's next call payload (other phases take theirs from here too). */
export const nextCall = () => benchCall(nextPayload++);
const payloadBody = () => JSON.stringify({ query: RECORD_CALL, variables: { input: nextCall() } });
/** The next call with no value shared with any other call (the linking baseline: every term filed once). */
const distinctBody = () => {
  const n = nextPayload;
  const input = nextCall();
  return JSON.stringify({ query: RECORD_CALL, variables: { input: { ...input, vehicles: input.vehicles.map((v) => ({ ...v, registration: registration(5_000_000 + n) })) } } });
};
/** The next call, naming `postcode` as every location's (the hot-term phase: a station, a landmark). */
const hotBody = (postcode: string) => {
  const input = nextCall();
  return JSON.stringify({ query: RECORD_CALL, variables: { input: { ...input, locations: input.locations.map((l) => ({ ...l, postcode })) } } });
};

export interface IntakeErrors {
  /** Responses with a status other than 200. */
  non2xx: number;
  /** 200 responses whose body carries GraphQL `errors` (or no report). */
  graphql: number;
  /** Connection errors and time-outs. */
  transport: number;
  /** Acknowledged reports that are not in the store (must be 0). */
  lost: number;
  /** Stored reports never acknowledged beyond those in flight at the stop or timed out (must be 0). */
  unexplained: number;
  total: number;
}

export interface TriageLatency {
  /** Reports of the phase, and those still not TRIAGED when the bench stopped waiting. */
  reports: number;
  untriaged: number;
  /**
   * From the HTTP response reaching the bench to the 'triaged' history entry.
   * A report still untriaged counts with the time waited so far (a lower
   * bound): a percentile that falls on one is marked `atLeast`.
   */
  fromAck: Latency & { atLeast: boolean };
  /** From `recordedAt` (set at intake, before the answer) to the 'triaged' history entry. */
  fromRecorded: Latency & { atLeast: boolean };
  /** How long after the load stopped the triage queue took to empty (or the bound, if it did not). */
  drainSeconds: number;
  drained: boolean;
  /** Reports routed per second, from the phase's first intake to its last routing. */
  routedPerSecond: number;
}

export interface IntakeResult {
  concurrency: number;
  seconds: number;
  /** Requests sent; the API's answers to those still in flight when the load stopped came this long after (s). */
  sent: number;
  settleSeconds: number;
  /** Successful (acknowledged) requests. */
  ok: number;
  rps: number;
  latency: Latency;
  errors: IntakeErrors;
  triage: TriageLatency;
}

interface Target {
  url: string;
  token: string;
  /** The bench's handle on the service's database, for the checks. */
  db: Db;
  handlerId: string;
  /** The bench's handle on the triage queue: its counts tell when the worker has caught up. */
  triageQueue: Queue.Queue;
  /** The API child: its request log tells when it has answered everything sent (also what the load generator gave up on). */
  api: Pick<Child, 'answered'>;
  /** Longest wait for the API to answer what was still in flight when the load stopped. */
  settleTimeoutMs: number;
  /** Longest wait for the worker to route the phase's reports. */
  drainTimeoutMs: number;
}

interface Tally {
  sent: number;
  answeredBefore: number;
  acks: Map<string, number>;
  non2xx: number;
  graphql: number;
  transport: number;
}

/** Reads one answer: an acknowledged report id (with the time it arrived), or an error. */
function tallyResponse(t: Tally, status: number, body: string) {
  if (status !== 200) {
    t.non2xx++;
    return;
  }
  try {
    const parsed = JSON.parse(body) as { data?: { recordHotlineCall?: { id?: string } }; errors?: unknown[] };
    const id = parsed.data?.recordHotlineCall?.id;
    if (parsed.errors?.length || !id) t.graphql++;
    else t.acks.set(id, Date.now());
  } catch {
    t.graphql++;
  }
}

/** recordHotlineCall with autocannon, `connections` requests in flight for `seconds`; every call naming `postcode` when given. */
export async function runIntake(o: Target & { connections: number; seconds: number; postcode?: string; distinct?: boolean }): Promise<IntakeResult> {
  const t: Tally = { sent: 0, answeredBefore: o.api.answered(), acks: new Map(), non2xx: 0, graphql: 0, transport: 0 };
  const times: number[] = [];
  const since = new Date();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        duration: o.seconds,
        // Longer than any answer we expect: a time-out would leave the request running in the API.
        timeout: 120,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
        requests: [
          {
            setupRequest: (req) => {
              t.sent++;
              return { ...req, body: o.postcode ? hotBody(o.postcode) : o.distinct ? distinctBody() : payloadBody() };
            },
            onResponse: (status, body) => tallyResponse(t, status, body),
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  });
  t.transport = result.errors;
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000 || o.seconds;
  return finishPhase(o, t, since, times, o.connections, seconds);
}

/** recordHotlineCall at a fixed arrival rate (open loop), for triage latency at that rate. */
export async function runPaced(o: Target & { rate: number; seconds: number; maxInFlight: number }): Promise<IntakeResult & { rate: number; late: number }> {
  const t: Tally = { sent: 0, answeredBefore: o.api.answered(), acks: new Map(), non2xx: 0, graphql: 0, transport: 0 };
  const times: number[] = [];
  const since = new Date();
  const total = Math.round(o.rate * o.seconds);
  const start = performance.now();
  const end = start + o.seconds * 1000;
  const inFlight = new Set<Promise<void>>();
  /** Requests sent more than 50 ms after their time, because `maxInFlight` were still unanswered. */
  let late = 0;
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    // Bounded: if the service falls behind, wait for a slot rather than pile up sockets.
    while (inFlight.size >= o.maxInFlight && performance.now() < end) await Promise.race([...inFlight, sleep(end - performance.now())]);
    if (performance.now() >= end) break;
    if (performance.now() - due > 50) late++;
    const body = payloadBody();
    const sent = performance.now();
    t.sent++;
    const request: Promise<void> = fetch(o.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
      body,
      signal: AbortSignal.timeout(120_000),
    })
      .then(async (res) => {
        const text = await res.text();
        times.push(performance.now() - sent);
        tallyResponse(t, res.status, text);
      })
      .catch(() => {
        t.transport++;
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(inFlight);
  const r = await finishPhase(o, t, since, times, 0, seconds);
  return { ...r, rate: o.rate, late };
}

/** Waits (bounded) for triage, then checks the store against the answers and gathers the phase's figures. */
async function finishPhase(o: Target, t: Tally, since: Date, times: number[], maxInFlight: number, seconds: number): Promise<IntakeResult> {
  const settleSeconds = await waitForAnswers(o, t);
  const drain = await waitForTriage(o);
  // One read of the phase's reports (on FerretDB every query but {_id} scans the collection: keep them few).
  const docs = await o.db
    .collection<ReportDoc>('reports')
    .find({ 'recordedBy.id': o.handlerId, recordedAt: { $gte: since } }, { projection: { _id: 1, recordedAt: 1, history: 1 } })
    .toArray();
  const found = docs.filter((d) => t.acks.has(d._id)).length;
  const errors: IntakeErrors = {
    non2xx: t.non2xx,
    graphql: t.graphql,
    transport: t.transport,
    lost: t.acks.size - found,
    unexplained: Math.max(0, docs.length - found - maxInFlight - t.transport),
    total: 0,
  };
  errors.total = errors.non2xx + errors.graphql + errors.transport + errors.lost + errors.unexplained;
  return {
    concurrency: maxInFlight,
    seconds: Math.round(seconds * 10) / 10,
    sent: t.sent,
    settleSeconds,
    ok: t.acks.size,
    rps: Math.round((t.acks.size / seconds) * 10) / 10,
    latency: latency(times),
    errors,
    triage: triageLatency(docs, t.acks, drain),
  };
}

/**
 * Waits (bounded) until the API has answered every request sent, including
 * those the load generator stopped waiting for, so that the next phase does
 * not run against the tail of this one; returns how long that took.
 */
async function waitForAnswers(o: Target, t: Tally): Promise<number> {
  const start = Date.now();
  while (o.api.answered() - t.answeredBefore < t.sent && Date.now() - start < o.settleTimeoutMs) await sleep(100);
  return Math.round((Date.now() - start) / 100) / 10;
}

/** Waits until the triage queue is empty (nothing waiting, active, delayed or paused), at most drainTimeoutMs. */
async function waitForTriage(o: Target): Promise<{ seconds: number; drained: boolean; at: number }> {
  const start = Date.now();
  for (;;) {
    const c = await o.triageQueue.getJobCounts();
    const drained = c.waiting + c.active + c.delayed + ((c as { paused?: number }).paused ?? 0) === 0;
    if (drained || Date.now() - start >= o.drainTimeoutMs) return { seconds: Math.round((Date.now() - start) / 100) / 10, drained, at: Date.now() };
    await sleep(200);
  }
}

/** Percentiles where some values are only lower bounds (reports not yet routed when the bench stopped waiting). */
function censoredLatency(known: number[], lowerBounds: number[]): Latency & { atLeast: boolean } {
  const all = [...known.map((ms) => ({ ms, bound: false })), ...lowerBounds.map((ms) => ({ ms, bound: true }))].sort((a, b) => a.ms - b.ms);
  const at = (p: number) => all[Math.min(all.length - 1, Math.max(0, Math.ceil((p / 100) * all.length) - 1))];
  const base = latency(all.map((x) => x.ms));
  return { ...base, atLeast: !!(at(50)?.bound || at(95)?.bound || at(99)?.bound) };
}

function triageLatency(docs: Pick<ReportDoc, '_id' | 'recordedAt' | 'history'>[], acks: Map<string, number>, drain: { seconds: number; drained: boolean; at: number }): TriageLatency {
  const fromAck: number[] = [];
  const fromRecorded: number[] = [];
  const ackBounds: number[] = [];
  const recordedBounds: number[] = [];
  let first = Infinity;
  let last = -Infinity;
  for (const d of docs) {
    const triaged = d.history.find((h) => h.action === 'triaged')?.at.getTime();
    const ack = acks.get(d._id);
    first = Math.min(first, d.recordedAt.getTime());
    if (triaged === undefined) {
      recordedBounds.push(drain.at - d.recordedAt.getTime());
      if (ack !== undefined) ackBounds.push(drain.at - ack);
      continue;
    }
    fromRecorded.push(triaged - d.recordedAt.getTime());
    if (ack !== undefined) fromAck.push(triaged - ack);
    last = Math.max(last, triaged);
  }
  return {
    reports: docs.length,
    untriaged: recordedBounds.length,
    fromAck: censoredLatency(fromAck, ackBounds),
    fromRecorded: censoredLatency(fromRecorded, recordedBounds),
    drainSeconds: drain.seconds,
    drained: drain.drained,
    routedPerSecond: fromRecorded.length > 1 ? Math.round((fromRecorded.length / ((last - first) / 1000)) * 10) / 10 : 0,
  };
}

export interface BaselineResult {
  concurrency: number;
  seconds: number;
  ok: number;
  rps: number;
  latency: Latency;
  errors: number;
}

/** The floor: the same documents in plain text, insertOne + one bull add, `concurrency` loops for `seconds`. */
export async function runBaseline(o: { db: Db; queue: Queue.Queue<{ reportId: string }>; concurrency: number; seconds: number }): Promise<BaselineResult> {
  const col = o.db.collection<{ _id: string }>('reports');
  const times: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + o.seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const doc = baselineDoc(nextPayload++);
      const t0 = performance.now();
      try {
        await col.insertOne(doc);
        await o.queue.add({ reportId: doc._id }, { jobId: doc._id });
        times.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  return {
    concurrency: o.concurrency,
    seconds: Math.round(seconds * 10) / 10,
    ok: times.length,
    rps: Math.round((times.length / seconds) * 10) / 10,
    latency: latency(times),
    errors,
  };
}

/** A new report as intake stores it, but with its content in plain text and no history chain. */
function baselineDoc(i: number) {
  const { idempotencyKey, caller, narrative, subjects, vehicles, locations, categories, imminentThreat, borough, channel, callDurationSeconds } = benchCall(i);
  const now = new Date();
  const id = randomUUID();
  return {
    _id: id,
    reference: `BASE-${i}`,
    source: 'HOTLINE_CALL',
    channel,
    receivedAt: now,
    recordedAt: now,
    callDurationSeconds,
    recordedBy: { type: 'user', id: 'baseline' },
    idempotencyKey: `baseline:${idempotencyKey}`,
    fingerprint: id,
    receiptHash: null,
    categories,
    imminentThreat,
    borough,
    anonymous: !caller,
    callerMayRecontact: caller ? caller.mayRecontact : null,
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
    content: { narrative, caller, subjects, vehicles, locations, researchNotes: [] },
    dataKey: null,
    bidx: [],
  };
}
