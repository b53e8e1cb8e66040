/**
 * The search index's slot counting on real FerretDB: a term's count starts
 * from its hint (`<term>#n`) and probes above it, so it must stay exact
 * whatever the hint says: absent, behind, or forged too high. And concurrent
 * syncs of one process sharing terms (intake's race) keep slots contiguous,
 * list every slot in their manifests, and write once each (counted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandStartedEvent } from 'mongodb';
import { bootMonitored, type TestApp } from '../support/app.js';
import { createSearchIndex } from '../../src/reports/store/search-index.js';

let app: TestApp;
beforeAll(async () => {
  // Command monitoring on, to count a count's lookups.
  app = await bootMonitored();
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

  it("blanks only the report's own slots, even when its manifest lists another report's (a crash before its rewrite)", async () => {
    const term = `t6-${Date.now()}`;
    const [a, b] = [`r-${term}-a`, `r-${term}-b`];
    await app.deps.reports.fileSearchTerms(a, [term]);
    await app.deps.reports.fileSearchTerms(b, [term]);
    // A's manifest as a batch that lost its slot to B left it, had its writer died before the rewrite: naming B's slot too.
    const manifest = `@${a}`;
    await terms().replaceOne({ _id: manifest }, { slots: app.deps.crypto.linkIds.seal(`search_terms/${manifest}`, JSON.stringify([`${term}#0`, `${term}#1`])) } as never);
    await elsewhere().remove(a);
    const slots = await elsewhere().read(term, 2, 2);
    expect(slots).toEqual([
      { slot: 1, reportId: b },
      { slot: 0, reportId: '' },
    ]);
  });

  it('counts an empty term as 0 and a one-report term as 1', async () => {
    const term = `t3-${Date.now()}`;
    expect(await app.deps.reports.search.count(term)).toBe(0);
    await fileUnder(term, 1);
    expect(await app.deps.reports.search.count(term)).toBe(1);
  });

  it('files concurrent reports sharing terms in contiguous slots, each listed in its manifest, with one write a report', async () => {
    const t = `t5-${Date.now()}`;
    const shared = [`${t}-name`, `${t}-sound`];
    const index = elsewhere(); // one process's index, shared by its concurrent intakes
    // The shared terms already hold reports this process filed (it knows their counts), as in a running intake.
    for (let i = 0; i < 3; i++) await index.sync(`r-${t}-old-${i}`, shared);
    const writes: string[] = [];
    const finds: string[] = [];
    const watch = (e: CommandStartedEvent) => {
      const collection = e.command[e.commandName];
      if (collection !== 'search_terms') return;
      if (e.commandName === 'find') finds.push(String(e.command.filter?._id));
      else writes.push(e.commandName);
    };
    const n = 8;
    const ids = Array.from({ length: n }, (_, i) => `r-${t}-new-${i}`);
    app.deps.database.client.on('commandStarted', watch);
    try {
      await Promise.all(ids.map((id, i) => index.sync(id, [...shared, `${t}-own-${i}`])));
    } finally {
      app.deps.database.client.off('commandStarted', watch);
    }
    // Before, each report but one per term lost its shared slots to the others and re-filed them one insert at a
    // time (each loser trying every slot the others took), then rewrote its manifest: 68 writes for these 8 in a run
    // of that code (2026-12-07).
    // Now each report's slots and manifest go in one insert, and no shared term's count is read (this process knows them).
    expect(writes).toEqual(Array.from({ length: n }, () => 'insert'));
    expect(finds.filter((id) => shared.some((term) => id.startsWith(`${term}#`)))).toEqual([]);
    for (const term of shared) {
      expect(await index.count(term)).toBe(3 + n);
      const slots = await index.read(term, 3 + n, 3 + n);
      // Contiguous 0..n+2, each report once.
      expect(slots.map((s) => s.slot)).toEqual(Array.from({ length: 3 + n }, (_, i) => 3 + n - 1 - i));
      expect(new Set(slots.map((s) => s.reportId)).size).toBe(3 + n);
      expect(slots.map((s) => s.reportId)).toEqual(expect.arrayContaining(ids));
    }
    // Every report's manifest lists exactly the slots holding it.
    for (const [i, id] of ids.entries()) {
      const manifest = await terms().findOne({ _id: `@${id}` });
      const listed = JSON.parse(app.deps.crypto.linkIds.open(`search_terms/@${id}`, (manifest as { slots?: unknown } | null)?.slots)) as string[];
      expect(listed.map((key) => key.slice(0, key.lastIndexOf('#'))).sort()).toEqual([...shared, `${t}-own-${i}`].sort());
      for (const key of listed) {
        const [term, slot] = [key.slice(0, key.lastIndexOf('#')), Number(key.slice(key.lastIndexOf('#') + 1))];
        expect((await index.read(term, slot + 1, 1))[0]).toEqual({ slot, reportId: id });
      }
    }
  });

  it('files a slot another process took meanwhile one slot up, listed so in its manifest, and writes nothing when nothing changed', async () => {
    const t = `t6-${Date.now()}`;
    const index = elsewhere();
    await index.sync(`r-${t}-a`, [t]); // this process knows the count: 1
    await elsewhere().sync(`r-${t}-b`, [t]); // another process takes slot 1
    await index.sync(`r-${t}-c`, [t, `${t}-own`]);
    const slots = await index.read(t, 3, 3);
    expect(slots.map((s) => s.slot)).toEqual([2, 1, 0]);
    expect(slots[0]!.reportId).toBe(`r-${t}-c`);
    const manifest = await terms().findOne({ _id: `@r-${t}-c` });
    const listed = JSON.parse(app.deps.crypto.linkIds.open(`search_terms/@r-${t}-c`, (manifest as { slots?: unknown } | null)?.slots)) as string[];
    expect(listed.sort()).toEqual([`${t}#2`, `${t}-own#0`].sort());
    // Nothing changed: nothing written.
    const writes: string[] = [];
    const watch = (e: CommandStartedEvent) => void (e.command[e.commandName] === 'search_terms' && e.commandName !== 'find' && writes.push(e.commandName));
    app.deps.database.client.on('commandStarted', watch);
    try {
      expect(await index.sync(`r-${t}-c`, [t, `${t}-own`])).toBe(0);
    } finally {
      app.deps.database.client.off('commandStarted', watch);
    }
    expect(writes).toEqual([]);
  });
});
