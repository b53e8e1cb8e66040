/**
 * The statistics roll-up's reads of its entries (src/reports/store/statistics.ts `touchedSince`): one read of the
 * entries table a run, which finds the days touched since the watermark and holds the entries of the days events
 * written now can fall on. Before, a run read the table twice (the touched days, then each touched day's entries),
 * and the store pushes no filter but `_id` down: two scans of the whole table a minute, under every desk's reads. A
 * day touched by an entry for an older day is still read on its own, and every figure is the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statisticsEvents, utcDay, type StatisticsEvent } from '../../src/reports/model/statistics.js';
import { bootMonitored, commandOf, type TestApp } from '../support/app.js';
import { buildReport } from '../support/factories.js';

let app: TestApp;
let commands: string[] = [];
const store = () => app.deps.reports.statistics;

/** The figure of a measure on a day, as rolled up (0 when absent). */
async function figure(day: string, measure: string): Promise<number> {
  const doc = await store().dayFigures(day);
  return doc?.counts.find((c) => c.m === measure && c.k === '')?.n ?? 0;
}

/** A roll-up, and how many times it started a read of the entries table. */
async function rollUpCounted() {
  commands = [];
  await store().rollUp();
  return commands.filter((c) => c === 'find statistics_entries').length;
}

let received: StatisticsEvent;

beforeAll(async () => {
  app = await bootMonitored((e) => commands.push(commandOf(e)));
  for (const status of ['CLOSED', 'TRIAGED', 'RECEIVED'] as const) await buildReport(app, { status, desk: 'SO12', priority: 'P3' });
  for await (const doc of app.deps.reports.statisticsSources(new Date(0))) {
    const e = statisticsEvents(doc, doc.history, null).find((x) => x.measure === 'RECEIVED');
    if (e) received = e;
  }
}, 120_000);
afterAll(() => app?.close());

describe('the statistics roll-up reads its entries once a run', () => {
  it("rolls today's entries up from one read of the table, with the same figures", async () => {
    // The first run has no watermark: every day is touched since then, and each is read on its own (today: two reads).
    expect(await rollUpCounted()).toBe(2);
    expect(await figure(utcDay(new Date()), 'RECEIVED')).toBe(3);
    // Again, nothing new: today is touched still (the watermark's overlap), and rolled up from the same one read.
    expect(await rollUpCounted()).toBe(1);
    expect(await figure(utcDay(new Date()), 'CLOSED')).toBe(1);
    // New entries since: again one read, and they are counted.
    await store().record(Array.from({ length: 4 }, (_, i) => ({ ...received, key: `rollup-reads-today-${i}`, day: utcDay(new Date()) })));
    expect(await rollUpCounted()).toBe(1);
    expect(await figure(utcDay(new Date()), 'RECEIVED')).toBe(7);
  });

  it('reads a day the events written now cannot fall on by itself, and counts it exactly', async () => {
    const old = '2021-06-15';
    await store().record(Array.from({ length: 3 }, (_, i) => ({ ...received, key: `rollup-reads-old-${i}`, day: old })));
    expect(await rollUpCounted()).toBe(2);
    expect(await figure(old, 'RECEIVED')).toBe(3);
    expect(await figure(utcDay(new Date()), 'RECEIVED')).toBe(7);
  });
});
