/**
 * The search index's slot counting on real FerretDB: a term's count starts
 * from its hint (`<term>#n`) and probes above it, so it must stay exact
 * whatever the hint says: absent, behind, or forged too high.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CommandStartedEvent } from 'mongodb';
import { bootApp, type TestApp } from '../support/app.js';
import { createSearchIndex } from '../../src/reports/store/search-index.js';

let app: TestApp;
beforeAll(async () => {
  const uri = inject('mongoUri');
  // Command monitoring on, to count a count's lookups.
  app = await bootApp({ env: { MONGODB_URI: `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true` } });
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
    expect(hint?.n).toBeGreaterThanOrEqual(32);
    expect(hint!.n! % 32).toBe(0);
    expect(hint!.n!).toBeLessThanOrEqual(37);
    // Every slot 0..36 is taken, none above: the count is what a walk starts below.
    const slots = await app.deps.reports.search.read(term, 37, 37);
    expect(slots.map((s) => s.slot)).toEqual(Array.from({ length: 37 }, (_, i) => 36 - i));
    expect(new Set(slots.map((s) => s.reportId)).size).toBe(37);
  });

  /** The index as another process has it: no count of its own yet, so it starts from the hint. */
  const elsewhere = () => createSearchIndex(app.deps.database.db, app.deps.crypto.linkIds);

  it('counts without a hint, with a hint far behind, and ignores a hint forged too high', async () => {
    const term = `t2-${Date.now()}`;
    await fileUnder(term, 41);
    await terms().deleteOne({ _id: `${term}#n` });
    expect(await elsewhere().count(term)).toBe(41);
    await terms().insertOne({ _id: `${term}#n`, n: 2 });
    expect(await elsewhere().count(term)).toBe(41);
    await terms().replaceOne({ _id: `${term}#n` }, { n: 1_000_000 });
    expect(await elsewhere().count(term)).toBe(41);
    await terms().replaceOne({ _id: `${term}#n` }, { n: 'eight' as never });
    expect(await elsewhere().count(term)).toBe(41);
    // Filing goes on from the true count, and the hint is raised again.
    await app.deps.reports.fileSearchTerms(`r-${term}-extra`, [term]);
    expect(await app.deps.reports.search.count(term)).toBe(42);
  });

  it('counts a term it has counted before with one lookup, and exactly after other processes filed under it', async () => {
    const term = `t4-${Date.now()}`;
    await fileUnder(term, 20);
    const index = elsewhere();
    expect(await index.count(term)).toBe(20);
    const lookups: string[] = [];
    const watch = (e: CommandStartedEvent) => void (e.commandName === 'find' && e.command.find === 'search_terms' && lookups.push(String(e.command.filter?._id)));
    app.deps.database.client.on('commandStarted', watch);
    try {
      expect(await index.count(term)).toBe(20);
      // From the hint (none yet at 20) it costs a gallop from #0 (#0, #n, then about ten one after another); a known count one.
      expect(lookups).toEqual([`${term}#20`]);
      // Another process files three more: still exact, found from the known count.
      for (let i = 0; i < 3; i++) await app.deps.reports.fileSearchTerms(`r-${term}-more-${i}`, [term]);
      lookups.length = 0;
      expect(await index.count(term)).toBe(23);
      expect(lookups.length).toBeLessThanOrEqual(5);
    } finally {
      app.deps.database.client.off('commandStarted', watch);
    }
  });

  it('counts an empty term as 0 and a one-report term as 1', async () => {
    const term = `t3-${Date.now()}`;
    expect(await app.deps.reports.search.count(term)).toBe(0);
    await fileUnder(term, 1);
    expect(await app.deps.reports.search.count(term)).toBe(1);
  });
});
