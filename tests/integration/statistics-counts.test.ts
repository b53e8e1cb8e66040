/**
 * Statistics counts kept as reports change (src/reports/store/statistics.ts):
 * one insert-only entry per counted change, rolled up into per-day figures.
 * Exact under retried submissions, replayed changes and racing writers; a
 * roll-up cut short and run again is exact; entries a crash lost are put
 * back by the reconciliation from the reports themselves, which records the
 * drift it corrected as an audit event (appended by the next run when the
 * audit log refused it); erasure keeps the
 * counts and leaves nothing in them that names the report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statisticsEvents, utcDay, type StatisticsEvent } from '../../src/reports/model/statistics.js';
import { bootApp, type TestApp } from '../support/app.js';
import { buildReport, createStaff, type BuiltReport } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { auditEntries } from '../support/desk.js';
import type { AuditEventInput, RecordOptions } from '../../src/audit/types.js';
import { createTaskContext } from '../../src/tasks/context.js';
import { statisticsReconcileTask } from '../../src/tasks/statistics-reconcile.js';

let app: TestApp;
let built: BuiltReport[] = [];
const store = () => app.deps.reports.statistics;
const entries = () => app.deps.database.db.collection<{ _id: string }>('statistics_entries');
const today = () => utcDay(new Date());
/** The nightly reconciliation task, as the worker builds it. */
const reconcileTask = () => statisticsReconcileTask(createTaskContext(app.deps));

/** The figure of a measure and cell on a day, as rolled up (0 when absent). */
async function figure(day: string, measure: string, key = ''): Promise<number> {
  const doc = await store().dayFigures(day);
  return doc?.counts.find((c) => c.m === measure && c.k === key)?.n ?? 0;
}

/** Every event of the stored reports, derived from their history (the reconciliation's view). */
async function eventsOfReports(): Promise<StatisticsEvent[]> {
  const out: StatisticsEvent[] = [];
  for await (const doc of app.deps.reports.statisticsSources(new Date(0))) out.push(...statisticsEvents(doc, doc.history, null));
  return out;
}

beforeAll(async () => {
  app = await bootApp();
  built = [];
  for (const status of ['CLOSED', 'CLOSED', 'ASSIGNED', 'TRIAGED', 'RECEIVED'] as const) built.push(await buildReport(app, { status, desk: status === 'ASSIGNED' ? 'SO13' : 'SO12', priority: 'P2' }));
}, 120_000);
afterAll(async () => app?.close());

describe('counts kept as reports change', () => {
  it('writes one entry per counted change and rolls the day up exactly', async () => {
    const events = await eventsOfReports();
    expect(await entries().countDocuments()).toBe(events.length);
    await store().rollUp();
    const day = today();
    expect(await figure(day, 'RECEIVED')).toBe(5);
    expect(await figure(day, 'RECEIVED', 'CHANNEL=ANTI_TERRORIST_HOTLINE')).toBe(5);
    expect(await figure(day, 'TRIAGED')).toBe(4);
    expect(await figure(day, 'TRIAGED', 'DESK=SO12|PRIORITY=P2')).toBe(3);
    expect(await figure(day, 'CLAIMED')).toBe(3);
    expect(await figure(day, 'CLAIMED', 'SLA=MET')).toBe(3);
    expect(await figure(day, 'CLOSED', 'OUTCOME=NO_TRACE')).toBe(2);
    const doc = await store().dayFigures(day);
    const hist = doc!.histograms.find((c) => c.m === 'CLOSED' && c.k === '')!.h;
    expect(hist.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('counts a retried submission once', async () => {
    const handler = await createStaff(app, 'CALL_HANDLER');
    const input = hotlineCall(900);
    const first = await app.gql(RECORD_CALL, { input }, handler.token);
    expect(first.errors).toBeUndefined();
    const again = await Promise.all([1, 2, 3].map(() => app.gql(RECORD_CALL, { input }, handler.token)));
    for (const r of again) expect(r.data?.recordHotlineCall?.id).toBe(first.data.recordHotlineCall.id);
    await store().rollUp();
    expect(await figure(today(), 'RECEIVED')).toBe(6);
  });

  it('counts a replayed change once, however many writers replay it at once', async () => {
    const events = await eventsOfReports();
    const before = await entries().countDocuments();
    const stored = await Promise.all([1, 2, 3, 4].map(() => store().record(events)));
    expect(stored.every((n) => n === 0)).toBe(true);
    expect(await entries().countDocuments()).toBe(before);
    await store().rollUp();
    await store().rollUp();
    expect(await figure(today(), 'RECEIVED')).toBe(6);
    expect(await figure(today(), 'CLOSED')).toBe(2);
  });

  it('loses no count to racing writers of different changes (no $inc anywhere)', async () => {
    const day = '2020-01-01';
    const base = (await eventsOfReports())[0]!;
    const racing = Array.from({ length: 40 }, (_, i) => ({ ...base, key: `race-${i}`, day }));
    await Promise.all(racing.map((e) => store().record([e])));
    await store().rollUp();
    expect(await figure(day, base.measure)).toBe(40);
  });
});

describe('a roll-up cut short, then a reconciliation', () => {
  it('gives exact figures when a roll-up dies after one day write and runs again', async () => {
    const base = (await eventsOfReports()).find((e) => e.measure === 'RECEIVED')!;
    // Earlier than any other day of this file, so they are the first the roll-up writes (it goes in day order).
    const days = ['2019-03-01', '2019-03-02', '2019-03-03'];
    await store().record(days.flatMap((day, d) => Array.from({ length: d + 2 }, (_, i) => ({ ...base, key: `crash-${day}-${i}`, day }))));
    await expect(store().rollUp({ failAfterWrites: 1 })).rejects.toThrow(/injected/);
    expect(await figure(days[0]!, 'RECEIVED')).toBe(2);
    expect(await figure(days[2]!, 'RECEIVED')).toBe(0); // not written before the "crash"
    await store().rollUp();
    expect(await Promise.all(days.map((d) => figure(d, 'RECEIVED')))).toEqual([2, 3, 4]);
  });

  it('puts back entries a killed writer never wrote, and records the drift it corrected', async () => {
    const truth = Object.fromEntries(await Promise.all(['RECEIVED', 'TRIAGED', 'CLAIMED', 'CLOSED'].map(async (m) => [m, await figure(today(), m)] as const)));
    // A process killed between a change and its entry: the entries of two changes never landed.
    const events = (await eventsOfReports()).filter((e) => e.measure === 'CLOSED' || e.measure === 'CLAIMED');
    const lost = [events.find((e) => e.measure === 'CLOSED')!, events.find((e) => e.measure === 'CLAIMED')!];
    for (const e of lost) expect((await entries().deleteOne({ _id: app.deps.crypto.integrity.mac('statisticsEntry', e.key) })).deletedCount).toBe(1);
    // Rolled up meanwhile (entries are re-read since the watermark: force today's day to be recomputed).
    await app.deps.database.db.collection('statistics_meta').deleteMany({});
    await store().rollUp();
    expect(await figure(today(), 'CLOSED')).toBe(truth.CLOSED! - 1);
    const drifted = (await store().dayFigures(today()))!.counts;
    const auditedBefore = (await auditEntries(app, 'statistics.reconcile')).length;
    // The nightly task itself, as the worker runs it.
    const result = (await reconcileTask().perform()) as Awaited<ReturnType<ReturnType<typeof store>['reconcile']>>;
    expect(result.entriesAdded).toBe(2);
    expect(result.added).toEqual({ CLOSED: 1, CLAIMED: 1 });
    expect(result.daysChanged).toBe(1);
    for (const m of Object.keys(truth)) expect(await figure(today(), m), m).toBe(truth[m]);
    // The drift, counted here cell by cell from the figures before and after.
    const corrected = (await store().dayFigures(today()))!.counts;
    const cell = (c: { m: string; k: string }) => `${c.m}|${c.k}`;
    const was = new Map(drifted.map((c) => [cell(c), c.n]));
    const differing = corrected.filter((c) => (was.get(cell(c)) ?? 0) !== c.n);
    expect(drifted.every((c) => corrected.some((d) => cell(d) === cell(c)))).toBe(true); // no cell vanished: every difference shows in the corrected figures
    expect(differing.length).toBeGreaterThanOrEqual(2); // CLOSED and CLAIMED totals at least
    const absolute = differing.reduce((sum, c) => sum + Math.abs(c.n - (was.get(cell(c)) ?? 0)), 0);
    expect(result).toMatchObject({ cellsDiffered: differing.length, drift: absolute });
    // Recorded on the audit chain: the window and counts only.
    const audited = await auditEntries(app, 'statistics.reconcile');
    expect(audited.length).toBe(auditedBefore + 1);
    const entry = audited.find((e: any) => e.details.drift === absolute) as any;
    expect(entry).toMatchObject({
      outcome: 'success',
      actor: { type: 'system', id: 'statistics-reconcile' },
      target: { type: 'system', id: 'statistics' },
      details: { from: result.window.from, to: today(), daysChanged: 1, cellsDiffered: differing.length, drift: absolute, entriesAdded: 2 },
    });
    expect(Object.keys(entry.details).sort()).toEqual(['cellsDiffered', 'daysChanged', 'drift', 'entriesAdded', 'from', 'to']);
    const raw = JSON.stringify(entry);
    for (const b of built) {
      expect(raw).not.toContain(b.id);
      expect(raw).not.toContain(b.reference);
    }
    // Nothing left to correct, and nothing recorded for it.
    const again = (await reconcileTask().perform()) as typeof result;
    expect(again).toMatchObject({ entriesAdded: 0, daysChanged: 0, cellsDiffered: 0, drift: 0 });
    expect((await auditEntries(app, 'statistics.reconcile')).length).toBe(auditedBefore + 1);
  });

  it('a correction whose audit append is refused is appended by the next run, once', async () => {
    const truth = await figure(today(), 'CLOSED');
    const lost = (await eventsOfReports()).find((e) => e.measure === 'CLOSED')!;
    expect((await entries().deleteOne({ _id: app.deps.crypto.integrity.mac('statisticsEntry', lost.key) })).deletedCount).toBe(1);
    await app.deps.database.db.collection('statistics_meta').deleteMany({});
    await store().rollUp();
    expect(await figure(today(), 'CLOSED')).toBe(truth - 1);
    const auditedBefore = (await auditEntries(app, 'statistics.reconcile')).length;
    const audit = app.deps.services.audit;
    const record = audit.record;
    // The audit log refuses the reconciliation's append (down, or its tail-cut alarm raised).
    audit.record = ((event: AuditEventInput, options?: RecordOptions) =>
      event.action === 'statistics.reconcile' ? Promise.reject(new Error('audit log refuses appends')) : record.call(audit, event, options)) as typeof record;
    try {
      await expect(reconcileTask().perform()).rejects.toThrow(/refuses/);
    } finally {
      audit.record = record;
    }
    // The days were corrected, and the event waits in the store.
    expect(await figure(today(), 'CLOSED')).toBe(truth);
    expect((await auditEntries(app, 'statistics.reconcile')).length).toBe(auditedBefore);
    expect(await store().pendingReconcile()).toMatchObject({ details: { to: today(), daysChanged: 1, entriesAdded: 1 } });
    // The next run finds no drift, and appends the leftover first.
    const next = (await reconcileTask().perform()) as { entriesAdded: number; daysChanged: number };
    expect(next).toMatchObject({ entriesAdded: 0, daysChanged: 0 });
    const audited = await auditEntries(app, 'statistics.reconcile');
    expect(audited.length).toBe(auditedBefore + 1);
    const leftover = audited.filter((e: any) => e.details.entriesAdded === 1) as any[];
    expect(leftover).toHaveLength(1);
    expect(leftover[0].details).toMatchObject({ to: today(), daysChanged: 1, entriesAdded: 1 });
    expect(leftover[0].details.drift).toBeGreaterThanOrEqual(1);
    expect(await store().pendingReconcile()).toBeNull();
    // Once only.
    await reconcileTask().perform();
    expect((await auditEntries(app, 'statistics.reconcile')).length).toBe(auditedBefore + 1);
  });
});

describe('erasure', () => {
  it('keeps the counts (a count is not content) and leaves no entry naming the report', async () => {
    const sup = await createStaff(app, 'SUPERVISOR');
    const victim = built[0]!;
    const received = await figure(today(), 'RECEIVED');
    const res = await app.gql(`mutation($id: ID!) { eraseReport(id: $id, reason: "statistics test erasure") { id status } }`, { id: victim.id }, sup.token);
    expect(res.errors).toBeUndefined();
    await store().rollUp();
    expect(await figure(today(), 'RECEIVED')).toBe(received);
    expect(await figure(today(), 'OTHER_STATUS', 'STATUS=ERASED')).toBe(1);
    expect(await figure(today(), 'CLOSED', 'OUTCOME=NO_TRACE')).toBe(2);
    const raw = JSON.stringify(await entries().find({}).toArray());
    expect(raw).not.toContain(victim.id);
    expect(raw).not.toContain(victim.reference);
    const result = await store().reconcile(app.deps.reports.statisticsSources(new Date(Date.now() - 7 * 24 * 3600_000)), { windowDays: 7 });
    expect(result).toMatchObject({ entriesAdded: 0, daysChanged: 0 });
  });
});
