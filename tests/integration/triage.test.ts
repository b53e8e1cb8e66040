import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyHistory } from '../../src/reports/model/history.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { startWorker, type Worker } from '../../src/worker.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createPartner, createStaff } from '../support/factories.js';
import { hotlineCall, partnerReferral, RECORD_CALL, SUBMIT_REFERRAL } from '../support/payloads.js';
import { waitFor } from '../support/spawn.js';

let app: TestApp;
let handler: { token: string };

beforeAll(async () => {
  app = await bootApp({ worker: true, env: { SLA_P4_SECONDS: '1', SLA_P3_SECONDS: '3600', OUTBOX_SWEEP_MS: '200', OUTBOX_STALE_MS: '100', TRIAGE_ATTEMPTS: '2', TRIAGE_BACKOFF_MS: '50' } });
  handler = await createStaff(app, 'CALL_HANDLER');
});
afterAll(() => app?.close());

const find = (id: string) => app.deps.reports.findById(id) as Promise<ReportDoc>;
async function record(input: Record<string, unknown>): Promise<string> {
  const res = await app.gql(RECORD_CALL, { input }, handler.token);
  expect(res.errors).toBeUndefined();
  return res.data.recordHotlineCall.id;
}
async function routed(id: string): Promise<ReportDoc> {
  await waitFor(async () => (await find(id))?.status === 'TRIAGED', 15_000, `report ${id} triaged`);
  return find(id);
}

describe('triage worker', () => {
  it('routes an imminent threat to SO13 at P1 within seconds, recording why', async () => {
    const started = Date.now();
    const id = await record(hotlineCall(1, { imminentThreat: true, categories: ['SUSPICIOUS_ITEM'] }));
    const doc = await routed(id);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(doc).toMatchObject({ desk: 'SO13', priority: 'P1', triagePending: false });
    expect(doc.triage!.reasons).toEqual(['rule:imminent-threat', 'rule:suspicious-item']);
    expect(doc.triage!.ruleSetVersion).toBe(app.deps.rules.current().versionId);
    expect(doc.history.map((h) => h.action)).toEqual(['received', 'triaged']);
    expect(verifyHistory(app.deps.crypto.integrity, doc.history).valid).toBe(true);
  });

  it('routes community information to SO12', async () => {
    const doc = await routed(await record(hotlineCall(2, { categories: ['RECRUITMENT_OR_BEHAVIOUR_CHANGE'], vehicles: [], subjects: [], locations: [] })));
    expect(doc).toMatchObject({ desk: 'SO12', priority: 'P3' });
  });

  it('links a partner referral to a hotline call by vehicle registration, on both reports', async () => {
    const callId = await record(
      hotlineCall(3, { categories: ['HOSTILE_RECONNAISSANCE'], vehicles: [{ registration: 'KX19 ZZT', make: 'Ford' }], subjects: [], locations: [] }),
    );
    const call = await routed(callId);
    expect(call).toMatchObject({ desk: 'SO13', priority: 'P2' });
    const partner = await createPartner(app);
    const ref = await app.gql(
      SUBMIT_REFERRAL,
      { input: partnerReferral(4, { categories: ['FINANCE'], vehicles: [{ registration: 'kx19zzt' }], subjects: [], locations: [] }) },
      partner.apiKey,
    );
    expect(ref.errors).toBeUndefined();
    const referral = await app.deps.database.db.collection<ReportDoc>('reports').findOne({ 'recordedBy.id': partner.partner.id });
    const linked = await routed(referral!._id);
    // FINANCE alone would go to SO12 at P3: the link sends it to the call's desk, at the call's priority.
    expect(linked).toMatchObject({ desk: 'SO13', priority: 'P2' });
    expect(linked.links).toEqual([]); // links are sealed edges of their own (reports/store/links.ts), read from either end
    expect(await app.deps.reports.linksOf(linked)).toEqual([expect.objectContaining({ reportId: callId, reasons: ['vehicle'], desk: 'SO13' })]);
    expect(linked.triage!.reasons).toContain('linked-desk:SO13');
    // The call is not written to: the link is an edge of its own, read from the call's end too.
    const callAfter = await find(callId);
    expect(callAfter.links).toEqual([]);
    expect(callAfter.version).toBe(call.version);
    expect(await app.deps.reports.linksOf(callAfter)).toEqual([expect.objectContaining({ reportId: linked._id, reference: linked.reference, reasons: ['vehicle'], desk: 'SO13' })]);
    expect(verifyHistory(app.deps.crypto.integrity, callAfter.history).valid).toBe(true);
  });

  it('does not link on a blind-index coincidence that decryption does not confirm', async () => {
    const a = await routed(await record(hotlineCall(5, { vehicles: [{ registration: 'AB12 CDE' }], subjects: [], locations: [] })));
    // Force a shared index term with a different plate: a candidate that must be rejected.
    // This worker holds off meanwhile: on FerretDB a raw update racing the routing update can undo it.
    await app.deps.triageQueues.triage.pause(true);
    const b = await record(hotlineCall(6, { vehicles: [{ registration: 'ZZ99 ZZZ' }], subjects: [], locations: [] }));
    await app.deps.database.db.collection<ReportDoc>('reports').updateOne({ _id: b }, { $set: { bidx: a.bidx } });
    await app.deps.triageQueues.triage.resume(true);
    const doc = await routed(b);
    expect(doc.links).toEqual([]);
  });

  it('escalates a report left unclaimed past its deadline', async () => {
    const id = await record(hotlineCall(7, { categories: ['OTHER'], vehicles: [], subjects: [], locations: [] }));
    const doc = await routed(id);
    expect(doc.priority).toBe('P4');
    await waitFor(async () => (await find(id)).escalated, 15_000, 'escalation');
    const after = await find(id);
    expect(after.priority).toBe('P3');
    expect(after.history.at(-1)).toMatchObject({ action: 'escalated', from: { priority: 'P4', escalated: false }, to: { priority: 'P3', escalated: true } });
    expect(verifyHistory(app.deps.crypto.integrity, after.history).valid).toBe(true);
  });

  it('raises priorities when the threat level is SEVERE, and audits the change', async () => {
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const set = await app.gql('mutation { setThreatLevel(level: SEVERE, reason: "JTAC raised the level") { level } }', {}, supervisor.token);
    expect(set.data.setThreatLevel.level).toBe('SEVERE');
    const doc = await routed(await record(hotlineCall(8, { categories: ['TRAVEL'], vehicles: [], subjects: [], locations: [] })));
    expect(doc.priority).toBe('P2');
    expect(doc.triage!.reasons).toContain('threat-level:SEVERE');
    const audit = await app.deps.database.db.collection('audit').findOne({ action: 'threat_level.set' });
    expect(audit).toMatchObject({ details: { from: 'SUBSTANTIAL', to: 'SEVERE' } });
    const forbidden = await app.gql('mutation { setThreatLevel(level: LOW, reason: "just because") { level } }', {}, handler.token);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const back = await app.gql('mutation { setThreatLevel(level: SUBSTANTIAL, reason: "back to normal") { level history { level reason } } }', {}, supervisor.token);
    // The history is written in the same update as the change, newest first.
    expect(back.data.setThreatLevel.history.slice(0, 2)).toEqual([
      { level: 'SUBSTANTIAL', reason: 'back to normal' },
      { level: 'SEVERE', reason: 'JTAC raised the level' },
    ]);
  });

  it('follows a threat-level change made by another process through its announcement, reading the store only then', async () => {
    // Another process's wiring (its own follower, subscribed on its own connection), as a separate worker has.
    const other = await createDeps(app.config, createLogger('silent'));
    const supervisor = await createStaff(app, 'SUPERVISOR');
    try {
      let reads = 0;
      const get = other.services.threatLevel.get.bind(other.services.threatLevel);
      other.services.threatLevel.get = () => {
        reads++;
        return get();
      };
      const before = await other.threatLevel.level();
      // Once subscribed (the subscription's confirmation makes it read once more), the copy is kept: no read per decision.
      await waitFor(async () => {
        const r = reads;
        await new Promise((res) => setTimeout(res, 300));
        return (await other.threatLevel.level()) === before && reads === r;
      }, 10_000, 'follower settled');
      const settled = reads;
      for (let i = 0; i < 20; i++) expect(await other.threatLevel.level()).toBe(before);
      expect(reads).toBe(settled);
      const next = before === 'CRITICAL' ? 'SEVERE' : 'CRITICAL';
      const set = await app.gql(`mutation { setThreatLevel(level: ${next}, reason: "announcement reaches other processes") { level } }`, {}, supervisor.token);
      expect(set.errors).toBeUndefined();
      // Its copy would be trusted for 60 s: only the announcement explains seeing the change within seconds.
      await waitFor(async () => (await other.threatLevel.level()) === next, 5_000, 'the other process follows the change');
      expect(reads).toBeGreaterThan(settled);
      const back = await app.gql(`mutation { setThreatLevel(level: ${before}, reason: "back to where it was") { level } }`, {}, supervisor.token);
      expect(back.errors).toBeUndefined();
      await waitFor(async () => (await other.threatLevel.level()) === before, 5_000, 'the other process follows the change back');
    } finally {
      await other.close();
    }
  });

  it('routes each report exactly once with a second worker and duplicate jobs', async () => {
    const otherDeps = await createDeps(app.config, createLogger('silent'));
    const second: Worker = await startWorker(otherDeps);
    try {
      const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => record(hotlineCall(20 + i, { vehicles: [], subjects: [], locations: [] }))));
      // Duplicate hand-offs, as the outbox sweep or a retry would cause.
      await Promise.all(ids.map((id) => otherDeps.triageQueues.enqueueTriage({ _id: id })));
      for (const id of ids) await routed(id);
      for (const id of ids) {
        const doc = await find(id);
        expect(doc.history.filter((h) => h.action === 'triaged')).toHaveLength(1);
        // The audit entry follows the routing update: wait for it, then there must be exactly one.
        const count = () => app.deps.database.db.collection('audit').countDocuments({ action: 'report.triage', 'target.id': id });
        await waitFor(async () => (await count()) >= 1, 10_000, 'triage audit entry');
        expect(await count()).toBe(1);
      }
    } finally {
      await second.close();
      await otherDeps.close();
    }
  });

  it('marks a report that keeps failing as TRIAGE_FAILED instead of dropping it', async () => {
    await routed(await record(hotlineCall(9, { vehicles: [{ registration: 'FA11 URE' }], subjects: [], locations: [] })));
    const triage = app.deps.triageQueues.triage;
    await triage.pause(true);
    let broken: string;
    try {
      broken = await record(hotlineCall(10, { vehicles: [{ registration: 'FA11URE' }], subjects: [], locations: [] }));
      // Its data key no longer opens: confirming the link candidate must fail on every attempt.
      const foreign = app.deps.crypto.cipher.newDataKey('someone-else').wrapped;
      await app.deps.database.db.collection<ReportDoc>('reports').updateOne({ _id: broken }, { $set: { dataKey: foreign } });
    } finally {
      await triage.resume(true);
    }
    await waitFor(async () => (await find(broken)).status === 'TRIAGE_FAILED', 30_000, 'TRIAGE_FAILED');
    const doc = await find(broken);
    expect(doc.triagePending).toBe(false);
    expect(doc.history.at(-1)).toMatchObject({ action: 'triage_failed', from: { status: 'RECEIVED' }, to: { status: 'TRIAGE_FAILED' } });
    // The swapped data key fails the envelope MAC before any decryption: not retried (src/reports/model/envelope-mac.ts).
    expect(doc.history.at(-1)!.reason).toMatch(/after 1 attempts \(ReportIntegrityError\)/);
    expect(verifyHistory(app.deps.crypto.integrity, doc.history).valid).toBe(true);
  });
});
