/**
 * The store commands one routed report costs the triage worker, counted by collection (the driver's command
 * monitoring, switched on through the connection string of a second app on the same database: a worker process of
 * its own, as deployed, so nothing the API process learnt at intake is known to it). Linking reads its report's
 * terms in `link_terms` and, for a subject name, the sound-alike terms in `search_terms` (src/triage/linking.ts);
 * the report's own slots under its terms bound what is read. What linking finds is linking.test.ts's; these
 * bounds keep a routed report cheap on FerretDB, where every command waits for the one before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootMonitored, commandOf, bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { findReport, Q, recordCall } from '../support/desk.js';
import { triageProcessorOf } from '../../src/worker.js';
import { ReportRollbackError } from '../../src/reports/store/freshness.js';
import { edgeOf } from '../../src/reports/store/links.js';

let api: TestApp;
let worker: TestApp;
let handler: { token: string };
let commands: string[] = [];

beforeAll(async () => {
  api = await bootApp();
  // The same database, keys and queue prefix: a second process, as a deployed worker is. Its commands alone are counted.
  worker = await bootMonitored((e) => commands.push(commandOf(e)), { env: api.env });
  handler = await createStaff(api, 'CALL_HANDLER');
});
afterAll(async () => {
  await worker?.close();
  await api?.close();
});

/** The worker's commands while routing `id`, by `command collection`. */
async function routeCounted(id: string) {
  const p = triageProcessorOf(worker.deps);
  commands = [];
  expect(await p.route(id)).toBe('routed');
  const by: Record<string, number> = {};
  for (const c of commands) by[c] = (by[c] ?? 0) + 1;
  const of = (collection: string) => Object.entries(by).filter(([k]) => k.endsWith(` ${collection}`)).reduce((s, [, n]) => s + n, 0);
  return { by, total: commands.length, of };
}

const postcode = { locations: [{ address: 'Market Square', postcode: 'N1 9GU' }] };
/** Two names per call: one all of them share the sound of (Double Metaphone TRK HSN), and one of its own. */
const SOUND_ALIKE = ['Tariq Hassan', 'Tarik Hasan', 'Tarick Hassan', 'Tarique Hasan', 'Tareq Hassen', 'Tariq Hasan'];
const OWN = ['Ewa Kowalska', 'Gareth Jones', 'Chloe Dubois', 'Darren Neill', 'Farid Haddad', 'Bilal Hussain'];

describe('a routed report in store commands', () => {
  it('links a report with a shared postcode, a sound-alike name and a name of its own within a bounded number of commands', async () => {
    const ids: string[] = [];
    const costs: Awaited<ReturnType<typeof routeCounted>>[] = [];
    for (let i = 0; i < SOUND_ALIKE.length; i++) {
      ids.push(await recordCall(api, handler.token, 900 + i, { categories: ['STORAGE'], subjects: [{ name: SOUND_ALIKE[i] }, { name: OWN[i] }], vehicles: [], ...postcode }));
      costs.push(await routeCounted(ids[i]!));
    }
    // Every report is linked to every earlier one (the postcode; the names only sound alike, so they add nothing).
    const last = await findReport(api, ids.at(-1)!);
    const linked = (await api.deps.reports.linksOf(last)).map((l) => l.reportId).sort();
    expect(linked).toEqual(ids.slice(0, -1).sort());
    expect(last.triage!.reasons.filter((r) => r.startsWith('shared-by'))).toEqual([]);

    const sixth = costs.at(-1)!;
    console.info(`triage-reads: the sixth report: ${sixth.total} commands`, JSON.stringify(sixth.by));
    console.info(`triage-reads: all six: ${costs.map((c) => c.total).join(', ')}`);
    // A report sharing nothing (the bench's usual call): a name and a postcode of its own.
    const alone = await recordCall(api, handler.token, 990, { categories: ['STORAGE'], subjects: [{ name: 'Ottilie Brackenbury' }], vehicles: [], locations: [{ address: 'Quay Lane', postcode: 'SE16 4RR' }] });
    const single = await routeCounted(alone);
    console.info(`triage-reads: a report sharing nothing: ${single.total} commands`, JSON.stringify(single.by));

    // Sharing nothing: its search manifest and, per sound-alike term (two), one lookup above its own slot and that
    // slot (was 8: the count hint and its probes); per link term (two) the first free slot, from slot 0 (was 4, with
    // a backref lookup under a term that has none), and the two claims; its own freshness checked once (the
    // tombstone again at the change, not the claim: was 2 and 2), and its version claimed. A Latin name looks up
    // the non-Latin skeleton term (`~N:`), which holds no slot of its own: one lookup there, not two (5 before that).
    expect(single.of('search_terms')).toBe(4);
    expect(single.by['find link_terms']).toBe(2);
    expect(single.by['insert link_terms']).toBe(2);
    expect(single.by['find report_versions']).toBe(1);
    expect(single.by['find report_tombstones']).toBe(2);
    expect(single.of('reports')).toBe(2); // its read and its update
    expect(single.total).toBeLessThanOrEqual(27); // was 33
    // The sixth under a shared postcode and a shared sound: its terms counted from what the worker knew (was 24 and 16).
    expect(sixth.of('search_terms')).toBeLessThanOrEqual(19);
    expect(sixth.by['find link_terms']).toBeLessThanOrEqual(9);
    expect(sixth.of('report_versions')).toBeLessThanOrEqual(1 + 1 + 5); // its own check and claim, each candidate's check
    // Its candidates: the four the fifth's triage read are kept by this worker (report-cache.ts), each checked by its
    // version claim alone; only the fifth, never a candidate before, is read whole (was all five).
    expect(sixth.by['find reports']).toBe(1 + 1); // its own read, and the fifth
    // Its five edges filed under both ends from the slot counts the worker knew: the insert is the probe (was 45 finds and 9 inserts).
    expect(sixth.of('report_link_slots')).toBeLessThanOrEqual(7);
  });

  it('checks a report read by findById once before routing it, and still refuses to change it once it was erased or changed since', async () => {
    const sup = await createStaff(api, 'SUPERVISOR');
    const change = (doc: Awaited<ReturnType<typeof findReport>>) =>
      worker.deps.reports.applyChange(doc, {
        where: { triagePending: true },
        set: { status: 'TRIAGED', desk: 'SO12', priority: 'P3', triagePending: false },
        history: [{ at: new Date(), actor: { type: 'system', id: 'test-triage' }, action: 'triaged', from: { status: 'RECEIVED' }, to: { status: 'TRIAGED' }, reason: 'test' }],
        checkedAtRead: true,
      });
    // Erased between the read and the change: the tombstone is still looked up (the erasure deleted the version claims).
    const erased = await recordCall(api, handler.token, 995, { subjects: [], vehicles: [], locations: [] });
    const read = (await worker.deps.reports.findById(erased))!;
    expect((await api.gql(Q.erase, { id: erased, reason: 'Erased while awaiting triage' }, sup.token)).errors).toBeUndefined();
    await expect(change(read)).rejects.toBeInstanceOf(ReportRollbackError);
    expect((await findReport(api, erased)).status).toBe('ERASED');
    // Changed between the read and the change: its claim fails, nothing is written.
    const moved = await recordCall(api, handler.token, 996, { subjects: [], vehicles: [], locations: [] });
    const before = (await worker.deps.reports.findById(moved))!;
    expect(await triageProcessorOf(api.deps).route(moved)).toBe('routed');
    expect(await change(before)).toBeNull();
    // A copy of a checked document is not the checked document: it is checked whole (one more claim lookup).
    const fresh = await recordCall(api, handler.token, 997, { subjects: [], vehicles: [], locations: [] });
    const original = (await worker.deps.reports.findById(fresh))!;
    commands = [];
    expect(await change({ ...original })).not.toBeNull();
    expect(commands.filter((c) => c === 'find report_versions')).toHaveLength(1);
  });

  it('files edges under one report from two processes at once, each from the slot count it knew: none lost, none twice, no gap', async () => {
    const at = Date.now();
    const report = (n: number) => ({ _id: `tr-${at}-${n}`, recordedAt: new Date(at + n), reference: `ATH-2026-${800000 + n}`, desk: 'SO12' as const });
    const hub = report(0);
    const others = Array.from({ length: 14 }, (_, i) => report(1 + i));
    const edges = others.map((o) => edgeOf(api.deps.crypto, hub, o, ['postcode'], new Date()));
    // Each process files one edge first, so each knows a count of the hub's slots, soon stale for one of them.
    await api.deps.reports.recordLink(edges[0]!);
    await worker.deps.reports.recordLink(edges[1]!);
    await Promise.all(edges.slice(2).map((e, i) => (i % 2 ? api : worker).deps.reports.recordLink(e)));
    // Read up to the first missing slot: every edge is there, so no slot was skipped.
    const linked = (await api.deps.reports.linksOf({ _id: hub._id, links: [] })).map((l) => l.reportId).sort();
    expect(linked).toEqual(others.map((o) => o._id).sort());
    const slots = await api.deps.database.db.collection('report_link_slots').find({ edge: { $in: edges.map((e) => e._id) } }).toArray();
    expect(slots).toHaveLength(2 * edges.length); // once under each end
  });

  it('routes a report under a postcode filed by more reports than a window holds reading only its newest few', async () => {
    const hot = { locations: [{ address: 'Olympic Park', postcode: 'E20 1EJ' }] };
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await recordCall(api, handler.token, 1100 + i, { categories: ['STORAGE'], subjects: [], vehicles: [], ...hot }));
    const term = (await findReport(api, ids[0]!)).bidx.find((t) => t.startsWith('pc:'))!;
    // 85 earlier filings (more than the threshold's window times its dead reads: 20 × 4), then six reports routed by the worker.
    for (let n = 0; n < 85; n++) await api.deps.reports.fileLinkTerms(`earlier-${Date.now()}-${n}`, [term]);
    for (const id of ids.slice(0, -1)) expect(await triageProcessorOf(worker.deps).route(id)).toBe('routed');
    const seventh = await routeCounted(ids.at(-1)!);
    console.info(`triage-reads: the seventh under a crowded postcode: ${seventh.total} commands`, JSON.stringify(seventh.by));
    // What linking promises a crowded term: its five most recent reports compared (here all linked), and the note.
    const doc = await findReport(api, ids.at(-1)!);
    expect((await api.deps.reports.linksOf(doc)).map((l) => l.reportId).sort()).toEqual(ids.slice(1, -1).sort());
    expect(doc.triage!.reasons).toContain('shared-by-more-than:postcode:20:5');
    // Known crowded from the count the worker knew: no window of the threshold's 21 slots, only the five newest and one more
    // (was 23: the first free slot, the backref, 21 slots); one claim and one backref, no slot lost to a race.
    expect(seventh.by['find link_terms']).toBeLessThanOrEqual(8);
    expect(seventh.by['insert link_terms']).toBe(2);
  });

  it('routes reports sharing a postcode at once in one worker without racing each other for its slots', async () => {
    const hot = { locations: [{ address: 'Station forecourt', postcode: 'N1C 4QP' }] };
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await recordCall(api, handler.token, 1000 + i, { categories: ['STORAGE'], subjects: [], vehicles: [], ...hot }));
    const p = triageProcessorOf(worker.deps);
    commands = [];
    expect(await Promise.all(ids.map((id) => p.route(id)))).toEqual(ids.map(() => 'routed'));
    const inserts = commands.filter((c) => c === 'insert link_terms').length;
    const finds = commands.filter((c) => c === 'find link_terms').length;
    console.info(`triage-reads: eight at once on one postcode: link_terms ${finds} finds, ${inserts} inserts; all ${commands.length}`);
    // Every pair linked once, by the later in slot order.
    const linked = await Promise.all(ids.map(async (id) => (await api.deps.reports.linksOf({ _id: id, links: [] })).length));
    expect(linked).toEqual(ids.map(() => ids.length - 1));
  });
});

