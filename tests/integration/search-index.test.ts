/**
 * The search index's slot counting on real FerretDB: a term's count starts
 * from its hint (`<term>#n`) and probes above it, so it must stay exact
 * whatever the hint says: absent, behind, or forged too high.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await bootApp();
});
afterAll(() => app?.close());

const terms = () => app.deps.database.db.collection<{ _id: string; n?: number }>('search_terms');

/** Files `n` reports under a fresh term, `parallel` at a time (concurrent filers race for the same slots). */
async function fileUnder(term: string, n: number, parallel = 1) {
  for (let i = 0; i < n; i += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, (_, j) => app.deps.reports.fileSearchTerms(`r-${term}-${i + j}`, [term])));
  }
}

describe('search index counts', () => {
  it('counts exactly, and keeps a hint that is a true lower bound, under concurrent filing', async () => {
    const term = `t1-${Date.now()}`;
    await fileUnder(term, 37, 6);
    expect(await app.deps.reports.search.count(term)).toBe(37);
    const hint = await terms().findOne({ _id: `${term}#n` });
    expect(hint?.n).toBeGreaterThanOrEqual(8);
    expect(hint!.n! % 8).toBe(0);
    expect(hint!.n!).toBeLessThanOrEqual(37);
    // Every slot 0..36 is taken, none above: the count is what a walk starts below.
    const slots = await app.deps.reports.search.read(term, 37, 37);
    expect(slots.map((s) => s.slot)).toEqual(Array.from({ length: 37 }, (_, i) => 36 - i));
    expect(new Set(slots.map((s) => s.reportId)).size).toBe(37);
  });

  it('counts without a hint, with a hint far behind, and ignores a hint forged too high', async () => {
    const term = `t2-${Date.now()}`;
    await fileUnder(term, 41);
    await terms().deleteOne({ _id: `${term}#n` });
    expect(await app.deps.reports.search.count(term)).toBe(41);
    await terms().insertOne({ _id: `${term}#n`, n: 2 });
    expect(await app.deps.reports.search.count(term)).toBe(41);
    await terms().replaceOne({ _id: `${term}#n` }, { n: 1_000_000 });
    expect(await app.deps.reports.search.count(term)).toBe(41);
    await terms().replaceOne({ _id: `${term}#n` }, { n: 'eight' as never });
    expect(await app.deps.reports.search.count(term)).toBe(41);
    // Filing goes on from the true count, and the hint is raised again.
    await app.deps.reports.fileSearchTerms(`r-${term}-extra`, [term]);
    expect(await app.deps.reports.search.count(term)).toBe(42);
  });

  it('counts an empty term as 0 and a one-report term as 1', async () => {
    const term = `t3-${Date.now()}`;
    expect(await app.deps.reports.search.count(term)).toBe(0);
    await fileUnder(term, 1);
    expect(await app.deps.reports.search.count(term)).toBe(1);
  });
});
