/**
 * The statistics events derived from a report's history (src/reports/model/statistics.ts):
 * which change counts as what, the duration buckets and SLA, and a day's cells.
 */
import { describe, expect, it } from 'vitest';
import { DURATION_EDGES_MINUTES, durationBucket, figuresOf, statisticsEvents } from '../../../src/reports/model/statistics.js';
import type { HistoryEntry } from '../../../src/reports/model/types.js';
import { storedReportDoc } from '../../support/report-doc.js';

const min = 60_000;
let seq = 0;
const entry = (atMin: number, to: Record<string, unknown> | null, from: Record<string, unknown> | null = null): HistoryEntry => ({
  seq: ++seq, at: new Date(Date.UTC(2026, 0, 5) + atMin * min), actor: { type: 'system', id: 's' }, action: 'x', from, to, reason: null, prevHash: '', hash: '',
});

describe('statistics events', () => {
  const doc = storedReportDoc({
    content: null, dataKey: null, receivedAt: new Date(Date.UTC(2026, 0, 5)), categories: ['STORAGE', 'FINANCE'],
    triage: { ruleSetVersion: 'v', reasons: [], decidedAt: new Date(0), dueBy: new Date(Date.UTC(2026, 0, 5) + 60 * min) }, outcome: 'ARREST',
  });
  const history = [
    entry(0, { status: 'RECEIVED' }),
    entry(3, { link: 'l1' }),
    entry(3, { status: 'TRIAGED', desk: 'SO12', priority: 'P1' }),
    entry(90, { status: 'ASSIGNED', assignee: 'u' }),
    entry(95, { priority: 'P2' }),
    entry(100, { status: 'UNDER_RESEARCH' }),
    entry(200, { status: 'TRIAGED', assignee: null }),
    entry(300, { status: 'ASSIGNED' }),
    entry(1500, { status: 'ACTIONED' }),
    entry(1600, { status: 'CLOSED', outcome: 'ARREST' }),
  ];

  it('counts each move into a status once, as what it is', () => {
    const events = statisticsEvents(doc, history, null);
    expect(events.map((e) => e.measure)).toEqual(['RECEIVED', 'TRIAGED', 'CLAIMED', 'OTHER_STATUS', 'REQUEUED', 'CLAIMED', 'OTHER_STATUS', 'CLOSED']);
    expect(new Set(events.map((e) => e.key)).size).toBe(events.length);
    expect(events[0]).toMatchObject({ day: '2026-01-05', desk: null, priority: null, bucket: null });
    expect(events[1]).toMatchObject({ desk: 'SO12', priority: 'P1', bucket: durationBucket(3 * min) });
    expect(events[2]).toMatchObject({ sla: 'MISSED', bucket: durationBucket(90 * min) });
    expect(events.at(-1)).toMatchObject({ day: '2026-01-06', outcome: 'ARREST', bucket: durationBucket(1600 * min) });
  });

  it('derives the same events from a change alone as from the whole history (the live writer and the reconciliation agree)', () => {
    const whole = statisticsEvents(doc, history, null);
    const piecewise = history.flatMap((e, i) => statisticsEvents(doc, [e], i === 0 ? null : (whole.filter((w) => Number(w.key.split('#')[1]) < e.seq).at(-1)?.status ?? null)));
    expect(piecewise.map((e) => e.key)).toEqual(whole.map((e) => e.key));
  });

  it('puts a duration in the first bucket whose edge is above it, the last bucket open-ended', () => {
    expect(durationBucket(0)).toBe(0);
    expect(durationBucket(59_999)).toBe(0);
    expect(durationBucket(60_000)).toBe(1);
    expect(durationBucket(DURATION_EDGES_MINUTES.at(-1)! * min)).toBe(DURATION_EDGES_MINUTES.length);
  });

  it('keeps every single dimension and pair, each category counted', () => {
    const { counts } = figuresOf(statisticsEvents(doc, history, null));
    const n = (m: string, k: string) => counts.find((c) => c.m === m && c.k === k)?.n;
    expect(n('RECEIVED', '')).toBe(1);
    expect(n('RECEIVED', 'CATEGORY=STORAGE')).toBe(1);
    expect(n('RECEIVED', 'CATEGORY=FINANCE')).toBe(1);
    expect(n('RECEIVED', 'CATEGORY=FINANCE|BOROUGH=CAMDEN')).toBe(1);
    expect(n('CLAIMED', '')).toBe(2);
    // Neither claim's entry names a desk or priority: both take the report's (the live writer passes the report as that change left it).
    expect(n('CLAIMED', 'DESK=SO13|PRIORITY=P3')).toBe(2);
    expect(n('CLOSED', 'OUTCOME=ARREST')).toBe(1);
  });
});
