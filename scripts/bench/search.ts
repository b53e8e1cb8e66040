/**
 * searchReports at scale. After the desk phase has filled `reports` to a
 * scale, adds `findable` reports with real, distinct encrypted content (each
 * under its own id and data key, stored through the repository, which seals
 * its envelope) filed in `search_terms` as intake files them; their subject
 * names come from a pool where each name is held by about four reports and
 * spelled two ways, so searches meet exact and phonetic matches and the
 * truncated terms' collisions, all confirmed by decryption. Then times, as an
 * SO12 investigator over HTTP, `searchReports(filter: { subjectName }, first: 20)`
 * sequentially (one investigator's latency), bounded in count and time.
 * The desk phase's copies are not filed: their envelopes are bound to the
 * template's id and would not decrypt (desk.ts); search reads `reports` by
 * `_id` only, so their number weighs only on the B-tree depth.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { createCrypto } from '../../src/crypto/index.js';
import { createReportRepository } from '../../src/reports/store/repository.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { createEnvelopeMac } from '../../src/reports/model/envelope-mac.js';
import { gql, latency, type Latency } from './support.js';
import { createContentSeal } from '../../src/reports/content/vault.js';

export interface SearchResult {
  reports: number;
  findable: number;
  seedSeconds: number;
  searchHttp: Latency;
  /** Mean hits per search (exact + phonetic, confirmed). */
  hitsPerSearch: number;
}

const SEARCH = `query($filter: ReportSearchInput!) { searchReports(filter: $filter, first: 20) { edges { node { reference desk matches } } pageInfo { hasNextPage } deconfliction { desk } } }`;
const FIRST = ['Mohammed', 'Muhammad', 'Jon', 'John', 'Stephen', 'Steven', 'Catherine', 'Katherine', 'Sean', 'Shaun'];

/** The i-th name of the pool: a family name per pair of reports, a first name spelled two ways. */
const nameOf = (i: number, pool: number) => `${FIRST[i % FIRST.length]} Surname${(i >> 1) % pool}`;

export async function runSearch(o: { url: string; token: string; db: Db; env: Record<string, string>; reportsBefore: number; findableBefore: number; findable: number; searches: number; loopBudgetMs: number }): Promise<SearchResult> {
  const key = (name: string) => Buffer.from(o.env[name]!, 'base64');
  const crypto = await createCrypto({ masterKey: key('HOTLINE_MASTER_KEY'), indexKey: key('HOTLINE_INDEX_KEY'), auditKey: key('HOTLINE_AUDIT_KEY') });
  const repo = createReportRepository(o.db, crypto.integrity, crypto);
  const envelope = createEnvelopeMac(crypto.integrity);
  const seal = createContentSeal(crypto);
  const template = await o.db.collection<ReportDoc>('reports').findOne({ status: 'TRIAGED', links: { $size: 0 } }, { sort: { recordedAt: 1 } });
  if (!template) throw new Error('no triaged report to copy (the intake phases store them)');
  const pool = Math.max(1, Math.floor((o.findableBefore + o.findable) / 4));
  const started = performance.now();
  const total = o.findableBefore + o.findable;
  for (let i = o.findableBefore; i < total; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, total - i) }, async (_, j) => {
        const n = i + j;
        const id = `search-${n}-${randomBytes(4).toString('hex')}`;
        const content = { narrative: `Bench report ${n}`, subjects: [{ name: nameOf(n, pool), phone: `0207946${String(n % 10_000).padStart(4, '0')}` }], vehicles: [{ registration: `BX${n % 100} ${String.fromCharCode(65 + (n % 26))}QR` }], locations: [{ postcode: `E${1 + (n % 20)} 6AN` }], researchNotes: [] };
        const { searchTerms, ...encrypted } = seal.sealNew(id, content); // as intake seals a report (reports/content/vault.ts)
        await repo.fileSearchTerms(id, searchTerms);
        const receivedAt = new Date(Date.now() - Math.floor(Math.random() * 30 * 86_400_000));
        const doc = { ...template, ...encrypted, _id: id, reference: `SRCH-${n}`, idempotencyKey: `search:${id}`, fingerprint: randomBytes(16).toString('hex'), desk: n % 2 ? 'SO12' : 'SO13', status: n % 3 ? 'CLOSED' : 'UNDER_RESEARCH', assignee: null, receivedAt, recordedAt: receivedAt, links: [], auditPending: [] } as ReportDoc;
        // Sealed as the repository seals a report (its envelope MAC), stored directly: a seeded copy, not an intake.
        await o.db.collection<ReportDoc>('reports').insertOne({ ...doc, ...envelope.seal(doc) });
      }),
    );
  }
  const seedSeconds = Math.round((performance.now() - started) / 100) / 10;
  await gql(o.url, SEARCH, { filter: { subjectName: nameOf(0, pool) } }, o.token); // untimed: connections
  const times: number[] = [];
  let hits = 0;
  const end = performance.now() + o.loopBudgetMs;
  for (let i = 0; i < o.searches && (i === 0 || performance.now() < end); i++) {
    const t = performance.now();
    const r = await gql(o.url, SEARCH, { filter: { subjectName: nameOf(Math.floor(Math.random() * total), pool) } }, o.token);
    times.push(performance.now() - t);
    if (r.errors) throw new Error(`searchReports failed: ${JSON.stringify(r.errors)}`);
    hits += r.data?.searchReports?.edges?.length ?? 0;
  }
  return { reports: o.reportsBefore + o.findable, findable: total, seedSeconds, searchHttp: latency(times), hitsPerSearch: Math.round((hits / times.length) * 10) / 10 };
}
