/**
 * The restore drill (docs/backup.md): intake and triage under load, a backup
 * taken while they run, more load after it, then the backup restored into a
 * fresh stack (its own FerretDB and Redis, and a copy of the anchor directory
 * as it survived the store) and the service started on it. Every report
 * acknowledged before the backup began is there and opens, but the one
 * erased after the backup, which is erased again at start-up; backup:verify passes; nothing half-written stays so (a report
 * still pending triage is queued again by the reconciliation, an audit event
 * not yet chained is chained by the recovery) and the audit chain verifies.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffPrincipal } from '../../src/auth/types.js';
import { createContentVault } from '../../src/reports/content/vault.js';
import { startServices, type Services } from '../../scripts/stack/services.js';
import { bootApp, type TestApp } from '../support/app.js';
import { until } from '../support/chaos-cluster.js';
import { createStaff } from '../support/factories.js';
import { startOwnServices, type OwnServices } from '../support/own-services.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { runScript } from '../support/spawn.js';

let live: OwnServices;
let app: TestApp;
let restored: TestApp | null = null;
let fresh: Services | null = null;
let work: string;
const BACKUP_KEY = randomBytes(32).toString('base64');

beforeAll(async () => {
  live = await startOwnServices('drill');
  work = mkdtempSync(join(tmpdir(), 'hotline-drill-'));
  app = await bootApp({ worker: true, env: { MONGODB_URI: live.mongoUri, REDIS_URL: live.redisUrl, TRIAGE_BACKOFF_MS: '100' } });
});

afterAll(async () => {
  await restored?.close();
  await fresh?.stop();
  await app?.close();
  await live?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (app) rmSync(app.env.HOTLINE_AUDIT_ANCHOR_DIR!, { recursive: true, force: true });
});

describe('backup and restore drill', () => {
  it('restores every report acknowledged before the backup began, verified, with nothing half-written left', async () => {
    const { token } = await createStaff(app, 'CALL_HANDLER');
    const acked: { id: string; at: number }[] = [];
    let stop = false;
    let sent = 0;
    const loader = async (lane: number) => {
      while (!stop && sent < 2_000) {
        const i = ++sent;
        const res = await app.gql(RECORD_CALL, { input: hotlineCall(lane * 10_000 + i) }, token);
        if (!res.errors && res.data?.recordHotlineCall?.id) acked.push({ id: res.data.recordHotlineCall.id, at: Date.now() });
      }
    };
    const lanes = [0, 1, 2, 3].map(loader);
    await until(async () => acked.length >= 40, 60_000, 'load before the backup');

    const env = { ...app.env, HOTLINE_BACKUP_KEY: BACKUP_KEY };
    const backupDir = join(work, 'backup');
    const began = Date.now();
    const before = acked.filter((a) => a.at < began).map((a) => a.id);
    const taken = await runScript('scripts/admin/admin.ts', ['backup', '--out', backupDir, '--ferretdb-dir', join(live.dir, 'ferretdb')], env, undefined, 120_000);
    expect(taken.stderr).toBe('');
    expect(taken.code).toBe(0);
    const afterBackup = acked.length;
    // A report in the backup is erased after it, under load: the restore must not bring it back.
    const supervisorStaff = await createStaff(app, 'SUPERVISOR');
    const erasedId = before[0]!;
    const erased = await app.gql('mutation($id: ID!, $reason: String!) { eraseReport(id: $id, reason: $reason) { status } }', { id: erasedId, reason: 'Drill: erased after the backup' }, supervisorStaff.token);
    expect(erased.errors).toBeUndefined();
    await until(async () => acked.length >= afterBackup + 20, 60_000, 'load after the backup');
    stop = true;
    await Promise.all(lanes);
    console.log(`drill: ${before.length} reports acknowledged before the backup began, ${acked.length - before.length} during and after it`);

    const verified = await runScript('scripts/admin/admin.ts', ['backup:verify', backupDir], env, undefined, 180_000);
    expect(verified.stdout).not.toContain('FAIL');
    expect(verified.code).toBe(0);

    // A fresh stack: its own state directory, the same keys, and a copy of the anchor directory as it survived the store
    // (signed tips and the erasure record from after the backup: the restore is signed, the erasure re-applied).
    const stackDir = join(work, 'fresh');
    const anchors = join(work, 'surviving-anchors');
    cpSync(app.env.HOTLINE_AUDIT_ANCHOR_DIR!, anchors, { recursive: true });
    const put = await runScript('scripts/admin/admin.ts', ['restore', '--from', backupDir, '--ferretdb-dir', join(stackDir, 'ferretdb')], { ...env, HOTLINE_AUDIT_ANCHOR_DIR: anchors }, undefined, 120_000);
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    expect(put.stdout).toMatch(/restored to \S+: \d+ audit entries after it are not in this backup/);
    expect(put.stdout).toContain('restore event signed');
    fresh = await startServices({ dataDir: stackDir, appendOnly: false });
    // What the backup caught half-done (measured, printed): reports still waiting for triage, in a store whose queues are gone.
    const peek = await new MongoClient(fresh.mongoUri).connect();
    const pendingAtRestore = await peek.db(app.env.MONGODB_DB).collection('reports').countDocuments({ triagePending: true });
    const inBackup = await peek.db(app.env.MONGODB_DB).collection('reports').countDocuments({});
    await peek.close();
    console.log(`drill: the backup holds ${inBackup} reports, ${pendingAtRestore} of them still pending triage (Redis not restored)`);
    const keys = Object.fromEntries(['HOTLINE_MASTER_KEY', 'HOTLINE_INDEX_KEY', 'HOTLINE_AUDIT_KEY', 'MONGODB_DB'].map((k) => [k, app.env[k]!]));
    restored = await bootApp({
      worker: true,
      env: { ...keys, MONGODB_URI: fresh.mongoUri, REDIS_URL: fresh.redisUrl, HOTLINE_AUDIT_ANCHOR_DIR: anchors, OUTBOX_RECONCILE_MS: '1000', AUDIT_RECOVERY_GRACE_MS: '0', TRIAGE_BACKOFF_MS: '100' },
    });

    // Every report acknowledged before the backup began is there, and its envelope verifies and its content opens.
    const vault = createContentVault({ crypto: restored.deps.crypto, reports: restored.deps.reports, audit: restored.deps.services.audit });
    const supervisor: StaffPrincipal = { kind: 'staff', userId: 'drill', username: 'drill', roles: ['SUPERVISOR'], desk: null, sessionId: 'drill' };
    const missing: string[] = [];
    for (const id of before.filter((b) => b !== erasedId)) {
      const read = await vault.openForReading(supervisor, id, 'view').catch(() => null);
      if (!read?.content) missing.push(id);
    }
    expect(missing).toEqual([]);
    // The report erased after the backup was erased again at start-up: nothing opens, and the re-application is audited.
    expect((await vault.openForReading(supervisor, erasedId, 'view')).content).toBeNull();
    const reapplied = await restored.deps.services.audit.query({ action: 'report.erasure_reapplied' }, { first: 5 });
    expect(reapplied.entries.map((e) => e.target?.id)).toEqual([erasedId]);

    // Half-written work is finished by the restored service's own reconciliation: Redis came back empty.
    const reports = restored.deps.database.db.collection('reports');
    await until(async () => (await reports.countDocuments({ triagePending: true })) === 0, 90_000, 'every restored report routed again');
    // A report keeps its last change's events (`auditPending`) until its next change: each must be in the chain.
    const unchained = async () => {
      const keys = (await reports.find({}, { projection: { auditPending: 1 } }).toArray()).flatMap((d) => (d.auditPending ?? []).map((e: { key: string }) => e.key));
      const chained = await restored!.deps.services.audit.chainedKeys(keys);
      return keys.filter((k) => !chained.has(k));
    };
    await until(async () => (await unchained()).length === 0, 90_000, 'every audit event carried by a report chained');
    expect(await reports.countDocuments({ status: 'RECEIVED' })).toBe(0);
    const chain = await restored.deps.services.audit.verify();
    expect(chain.valid).toBe(true);
    // The restore is signed: the chain reads RESTORED (OK once the restored worker has written a checkpoint), never a cut.
    expect(chain.anchor === 'RESTORED' || chain.anchor === 'OK').toBe(true);
    expect(chain.restored?.missing).toBeGreaterThan(0);
  });
});
