/**
 * No plaintext left behind (issue 12, "No plaintext left behind"): after a
 * scenario of linked hotline calls and a partner referral, staff acting on
 * them with typed reasons, and one erasure, a RAW dump of everything the
 * service stores (every document of every collection, every Redis key and
 * value, Redis's append-only and snapshot files) and everything it logged
 * holds none of the erased report's content, no typed reason of any report,
 * and nothing that links to the erased report but its tombstone and its own
 * audit entries; a reader who may read a report still sees its reasons.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_COLLECTION } from '../../../src/audit/repository.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { createPartner, createStaff } from '../../support/factories.js';
import { closingOutcome, findReport, Q, recordCall, waitForStatus } from '../../support/desk.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../../support/payloads.js';
import { startOwnServices, type OwnServices } from '../../support/own-services.js';
import { rawDump } from '../../support/raw-dump.js';

let services: OwnServices;
let app: TestApp;
const logs: string[] = [];

beforeAll(async () => {
  services = await startOwnServices('residue', { appendOnly: true });
  app = await bootApp({
    worker: true,
    env: { MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl, LOG_LEVEL: 'debug' },
    logDestination: { write: (line: string) => void logs.push(line) },
  });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await services?.stop();
});

// Distinctive values: each must be findable if it were stored anywhere in plaintext.
const ERASED = {
  narrative: 'Residue narrative: a man photographs the bridge supports at dawn every Tuesday QZXNARR',
  subject: 'Ozymandias Quarrelton',
  plate: 'RX19KLM',
  phone: '07700 900 481',
  caller: 'Callerina Residuova',
};
const REASONS = {
  erasedRelease: 'Residue release reason QZX-A1 handing back',
  erasedRefer: 'Residue refer reason QZX-A2 for the other desk',
  erasedReveal: 'Residue reveal reason QZX-A3 recontact the caller',
  erase: 'Residue erase reason QZX-A4 malicious report',
  keptRelease: 'Residue release reason QZX-B1 end of shift',
  keptReveal: 'Residue reveal reason QZX-B2 confirm the plate',
  keptClose: 'Residue close reason QZX-B3 nothing further',
};

/** Everything stored, as text: every document, every Redis key and value, Redis's files. */
const dumpAll = async () => {
  const dump = await rawDump(app.deps, join(services.dir, 'redis'));
  return { ...dump, redis: [...dump.redis.values()].join('\n') };
};

describe('raw dump after a scenario with erasure', () => {
  let erasedId = '';
  let erasedDoc: Awaited<ReturnType<typeof findReport>>;
  let keptId = '';
  let partnerId = '';
  let supervisor: Awaited<ReturnType<typeof createStaff>>;
  const idempotencyKeys: string[] = [];

  beforeAll(async () => {
    const handler = await createStaff(app, 'CALL_HANDLER');
    const inv = { SO12: await createStaff(app, 'INVESTIGATOR', 'SO12'), SO13: await createStaff(app, 'INVESTIGATOR', 'SO13') };
    supervisor = await createStaff(app, 'SUPERVISOR');
    const partner = await createPartner(app);
    const as = (doc: { desk: string | null }) => inv[doc.desk as 'SO12' | 'SO13'].token;
    const ok = (res: { errors?: unknown }) => expect(res.errors).toBeUndefined();

    // A: the report to be erased (SO13 by its category); B shares its plate, C (a partner's) its phone.
    const aKey = `call-residue-a-${Date.now()}`;
    idempotencyKeys.push(aKey);
    erasedId = await recordCall(app, handler.token, 1, {
      idempotencyKey: aKey,
      narrative: ERASED.narrative,
      categories: ['HOSTILE_RECONNAISSANCE'],
      caller: { name: ERASED.caller, mayRecontact: true },
      subjects: [{ name: ERASED.subject, phone: ERASED.phone }],
      vehicles: [{ registration: ERASED.plate }],
      locations: [],
    });
    await waitForStatus(app, erasedId, 'TRIAGED');
    keptId = await recordCall(app, handler.token, 2, {
      categories: ['FINANCE'],
      caller: { name: 'Kept Caller', mayRecontact: true },
      subjects: [],
      vehicles: [{ registration: 'rx19 klm' }],
      locations: [],
    });
    await waitForStatus(app, keptId, 'TRIAGED');
    const referral = partnerReferral(3, { categories: ['TRANSPORT'], subjects: [{ name: 'Someone Else', phone: ERASED.phone }], vehicles: [], locations: [] });
    idempotencyKeys.push(referral.idempotencyKey);
    ok(await app.gql(SUBMIT_REFERRAL, { input: referral }, partner.apiKey));
    partnerId = partner.partner.id;
    for (let i = 0; i < 150; i++) {
      const found = await app.deps.database.db.collection('reports').find({ 'recordedBy.id': partnerId }).toArray();
      if (found[0]?.status === 'TRIAGED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await app.deps.reports.linksOf(await findReport(app, erasedId))).length).toBe(2);

    // Staff act on A with typed reasons: release, refer to the other desk, reveal the caller.
    let a = await findReport(app, erasedId);
    ok(await app.gql(Q.claim, { id: erasedId }, as(a)));
    ok(await app.gql(Q.release, { id: erasedId, reason: REASONS.erasedRelease }, as(a)));
    ok(await app.gql(Q.reveal, { id: erasedId, reason: REASONS.erasedReveal }, as(a)));
    ok(await app.gql(Q.refer, { id: erasedId, desk: a.desk === 'SO13' ? 'SO12' : 'SO13', reason: REASONS.erasedRefer }, as(a)));
    // ...and on B: release, reveal, then close through the workflow.
    let b = await findReport(app, keptId);
    ok(await app.gql(Q.claim, { id: keptId }, as(b)));
    ok(await app.gql(Q.release, { id: keptId, reason: REASONS.keptRelease }, as(b)));
    ok(await app.gql(Q.reveal, { id: keptId, reason: REASONS.keptReveal }, as(b)));
    ok(await app.gql(Q.claim, { id: keptId }, as(b)));
    for (const [to, reason] of [['UNDER_RESEARCH', ''], ['NO_FURTHER_ACTION', 'No link to any threat'], ['CLOSED', REASONS.keptClose]] as const) {
      b = await findReport(app, keptId);
      ok(await app.gql(Q.transition, { id: keptId, to, reason, v: b.version, ...closingOutcome(to) }, as(b)));
    }
    // What names A outside it before its erasure, besides what the scenario made (links, SLA job, chained marks):
    // a notification, through the service's own path, and a webhook dead letter as the delivery task leaves one.
    a = await findReport(app, erasedId);
    await app.deps.services.notifications.notify(supervisor.user.id, `${erasedId}:residue`, { kind: 'REASSIGNED', reportId: erasedId, reference: a.reference, at: new Date() });
    await app.deps.database.db.collection('webhook_dead_letters').insertOne({
      _id: 'residue-delivery' as never, endpointId: 'residue-endpoint', event: 'p1_intake', reportId: erasedId, desk: a.desk, priority: a.priority,
      at: new Date().toISOString(), attempts: 3, lastError: 'timeout', failedAt: new Date(),
    });
    // A supervisor erases A.
    erasedDoc = a;
    ok(await app.gql(Q.erase, { id: erasedId, reason: REASONS.erase }, supervisor.token));
    await app.deps.services.audit.query({}, { first: 1 }); // the chain is written by now (the erasure awaited it)
  }, 120_000);

  it('finds no content, reason, fingerprint or idempotency key of the erased report, nor any typed reason, anywhere', async () => {
    const { mongo, redis, files } = await dumpAll();
    const everything = [...[...mongo.values()].flat(), redis, files, logs.join('')].join('\n');
    const forbidden = [
      ERASED.narrative, ERASED.subject, ERASED.plate, 'RX19 KLM', ERASED.phone, '07700900481', ERASED.caller,
      ...Object.values(REASONS),
      erasedDoc.fingerprint,
      ...idempotencyKeys,
    ];
    for (const value of forbidden) expect(everything.includes(value), `found in the dump: ${value}`).toBe(false);
    // The scoped idempotency key is stored only keyed-hashed, and the erased report's not at all.
    expect(erasedDoc.idempotencyKey).toMatch(/^[0-9a-f]{64}$/);
    expect(everything.includes(erasedDoc.idempotencyKey)).toBe(false);
  });

  it('keeps the erased id only in its tombstone and its audit entries: no link, edge, term or slot names it', async () => {
    const { mongo } = await dumpAll();
    for (const [collection, docs] of mongo) {
      if (collection === 'reports') {
        for (const d of docs) if (!d.includes(`"_id":"${erasedId}"`)) expect(d.includes(erasedId), `another report names it: ${d.slice(0, 80)}`).toBe(false);
        continue;
      }
      if (collection === AUDIT_COLLECTION) continue; // its audit entries
      for (const d of docs) expect(d.includes(erasedId), `${collection} names the erased report`).toBe(false);
    }
    expect(mongo.get(AUDIT_COLLECTION)?.length).toBeGreaterThan(0);
    for (const d of mongo.get(AUDIT_COLLECTION) ?? []) {
      const entry = JSON.parse(d) as { target?: { id?: string } | null };
      if (d.includes(erasedId)) expect(entry.target?.id, 'an audit entry about another report names it').toBe(erasedId);
    }
    expect(mongo.get('report_links') ?? []).toHaveLength(0); // B and C were linked through A only
    expect(await app.deps.reports.linksOf(await findReport(app, keptId))).toEqual([]);
  });

  it('keeps the erased id and reference in no other collection, Redis key or value (trust review 2, item 9): only the audit log and the tombstone', async () => {
    const { mongo, redis } = await dumpAll();
    const reference = erasedDoc.reference;
    const tombstone = mongo.get('reports')!.filter((d) => d.includes(`"_id":"${erasedId}"`));
    expect(tombstone).toHaveLength(1);
    const naming: string[] = [];
    for (const [collection, docs] of mongo) {
      if (collection === AUDIT_COLLECTION) continue; // the audit log's record of the report and its erasure
      for (const d of docs) {
        if (collection === 'reports' && d.includes(`"_id":"${erasedId}"`)) continue; // the tombstone
        if (d.includes(erasedId) || d.includes(reference)) naming.push(`${collection}: ${d.slice(0, 160)}`);
      }
    }
    for (const line of redis.split('\n')) if (line.includes(erasedId) || line.includes(reference)) naming.push(`redis: ${line.slice(0, 160)}`);
    expect(naming, 'what still names the erased report').toEqual([]);
  });

  it('shows the reasons of a report that was not erased to a reader who may read it, opened from their sealed form', async () => {
    const res = await app.gql(Q.report, { id: keptId }, supervisor.token);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const reasons = res.data.report.history.map((h: { reason: string | null }) => h.reason);
    expect(reasons).toEqual(expect.arrayContaining([REASONS.keptRelease, REASONS.keptClose]));
    const reveals = await app.gql(Q.callerReveals, { first: 10 }, supervisor.token);
    const byReport = new Map(reveals.data.callerReveals.edges.map((e: { node: { reportId: string; reason: string | null } }) => [e.node.reportId, e.node.reason]));
    expect(byReport.get(keptId)).toBe(REASONS.keptReveal);
    expect(byReport.get(erasedId)).toBeNull(); // shredded with the erased report's data key
    expect((await app.gql(Q.verify, { id: erasedId }, supervisor.token)).data.verifyReportHistory.valid).toBe(true);
  });
});
