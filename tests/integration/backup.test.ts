/**
 * `backup`, `restore` and `backup:verify` (docs/backup.md) as an operator
 * runs them: the admin CLI as a child process, against a FerretDB of this
 * file's own (its state directory is what a backup reads) with the service
 * running on it.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, testEnv, type TestApp } from '../support/app.js';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { startServices } from '../../scripts/stack/services.js';
import type { StaffPrincipal } from '../../src/auth/types.js';
import { createContentVault } from '../../src/reports/content/vault.js';
import { buildReport, createStaff, type BuiltReport } from '../support/factories.js';
import { startOwnServices, type OwnServices } from '../support/own-services.js';
import { runScript } from '../support/spawn.js';

const ERASE = 'mutation($id: ID!, $reason: String!) { eraseReport(id: $id, reason: $reason) { id status } }';

let services: OwnServices;
let app: TestApp;
let work: string;
let backupDir: string;
const reports: BuiltReport[] = [];
/** The audit chain's end in the backup, as `backup` printed it. */
let backupTip = 0;
const BACKUP_KEY = randomBytes(32).toString('base64');
/** The service's own environment, plus the backup key: what an operator's shell holds. */
let env: Record<string, string>;
const admin = (args: string[], extra: Record<string, string> = {}) => runScript('scripts/admin/admin.ts', args, { ...env, ...extra }, undefined, 120_000);
const ferretDir = () => join(services.dir, 'ferretdb');

beforeAll(async () => {
  services = await startOwnServices('backup');
  work = mkdtempSync(join(tmpdir(), 'hotline-backup-test-'));
  app = await bootApp({ env: { MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl } });
  env = { ...app.env, HOTLINE_BACKUP_KEY: BACKUP_KEY };
  for (const status of ['RECEIVED', 'TRIAGED', 'ASSIGNED'] as const) reports.push(await buildReport(app, { status }));
  await app.deps.services.audit.checkpoint();
  backupDir = join(work, 'b1');
}, 120_000);

afterAll(async () => {
  await app?.close();
  await services?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (env) rmSync(env.HOTLINE_AUDIT_ANCHOR_DIR!, { recursive: true, force: true });
});

/** Every file under `dir`, with its path. */
const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));

describe('backup', () => {
  it('takes an online backup of the store and the anchors, encrypted: no plaintext of a known field in any file', async () => {
    const r = await admin(['backup', '--out', backupDir, '--ferretdb-dir', ferretDir()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`database ${env.MONGODB_DB}: 3 report(s)`);
    expect(r.stdout).toMatch(/last checkpoint: seq \d+/);
    backupTip = Number(/audit chain end: seq (\d+)/.exec(r.stdout)![1]);
    const files = filesUnder(backupDir);
    expect(files.map((f) => f.slice(backupDir.length + 1)).sort()).toEqual(
      expect.arrayContaining(['manifest.json.enc', `store/${env.MONGODB_DB}.sqlite.enc`, expect.stringMatching(/^anchors\/checkpoints-.*\.jsonl\.enc$/)]),
    );
    // The reference is stored in clear in the database (it is how staff name a report): the backup must not show it.
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const { reference, id } of reports) {
        expect(bytes.includes(Buffer.from(reference))).toBe(false);
        expect(bytes.includes(Buffer.from(id))).toBe(false);
      }
      expect(bytes.includes(Buffer.from('_ferretdb_sjson'))).toBe(false);
    }
  }, 120_000);

  it('refuses an --out directory that is not empty, and names mongodump against MongoDB', async () => {
    const again = await admin(['backup', '--out', backupDir, '--ferretdb-dir', ferretDir()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not empty');
    const mongo = await admin(['backup', '--out', join(work, 'never')]);
    expect(mongo.code).toBe(2);
    expect(mongo.stderr).toContain('mongodump --oplog');
    expect(existsSync(join(work, 'never'))).toBe(false);
    const keyless = await admin(['backup', '--out', join(work, 'keyless'), '--ferretdb-dir', ferretDir()], { HOTLINE_BACKUP_KEY: '' });
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toContain('HOTLINE_BACKUP_KEY is required');
  }, 60_000);
});

describe('restore', () => {
  it('refuses a store that is not empty, and changes nothing', async () => {
    const before = readdirSync(ferretDir()).sort();
    const r = await admin(['restore', '--from', backupDir, '--ferretdb-dir', ferretDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the store is not empty');
    expect(r.stderr).toContain('stopped FerretDB');
    expect(readdirSync(ferretDir()).sort()).toEqual(before);
  }, 60_000);

  it('restores into an empty state directory: the database file holds the reports, the anchors are back', async () => {
    const target = join(work, 'restored');
    const anchors = join(work, 'restored-anchors');
    const r = await admin(['restore', '--from', backupDir, '--ferretdb-dir', join(target, 'ferretdb')], { HOTLINE_AUDIT_ANCHOR_DIR: anchors });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('every file matched its checksum');
    expect(r.stdout).toMatch(/restored to \S+: the audit chain ends at seq \d+, as signed/);
    const db = readFileSync(join(target, 'ferretdb', `${env.MONGODB_DB}.sqlite`));
    for (const { reference } of reports) expect(db.includes(Buffer.from(reference))).toBe(true);
    expect(readdirSync(anchors).some((n) => n.startsWith('checkpoints-'))).toBe(true);
  }, 60_000);

  it('fails with a wrong key, and on a file altered after the backup (its checksum)', async () => {
    const wrong = await admin(['restore', '--from', backupDir, '--ferretdb-dir', join(work, 'wrong-key')], { HOTLINE_BACKUP_KEY: randomBytes(32).toString('base64') });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('does not open under HOTLINE_BACKUP_KEY');
    const damaged = join(work, 'damaged');
    cpSync(backupDir, damaged, { recursive: true });
    const file = join(damaged, 'store', `${env.MONGODB_DB}.sqlite.enc`);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1]! ^= 0x01;
    writeFileSync(file, bytes);
    const r = await admin(['restore', '--from', damaged, '--ferretdb-dir', join(work, 'from-damaged')], { HOTLINE_AUDIT_ANCHOR_DIR: join(work, 'from-damaged-anchors') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`store/${env.MONGODB_DB}.sqlite: checksum does not match the manifest`);
    expect(existsSync(join(work, 'from-damaged', `${env.MONGODB_DB}.sqlite`))).toBe(false);
  }, 60_000);
});

describe('backup:verify', () => {
  it('passes on a good backup: checksums, the audit chain and its tip, every report opened with the configured keys', async () => {
    const r = await admin(['backup:verify', backupDir]);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('audit chain verifies');
    expect(r.stdout).toContain('audit chain tip matches the manifest');
    expect(r.stdout).toContain('3 report(s) verify and decrypt with the configured keys');
    expect(r.stdout).toContain('verified: restorable');
  }, 120_000);

  it('fails on a damaged backup and with another deployment\'s keys', async () => {
    const damaged = await admin(['backup:verify', join(work, 'damaged')]);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toContain('FAIL store/');
    const otherKeys = await admin(['backup:verify', backupDir], { HOTLINE_MASTER_KEY: randomBytes(32).toString('base64'), HOTLINE_AUDIT_KEY: randomBytes(32).toString('base64') });
    expect(otherKeys.code).toBe(1);
    expect(otherKeys.stdout).toContain('FAIL audit chain');
    expect(otherKeys.stdout).toContain('FAIL reports: 3 do not verify or do not decrypt');
  }, 240_000);
});

describe('a backup older than the signed record', () => {
  it('says plainly how many signed audit entries are not in it, and keeps the newer anchor lines', async () => {
    // The service carries on after the backup and signs a newer checkpoint; the anchor directory survives the store.
    await buildReport(app, { status: 'TRIAGED' });
    // A report in the backup is erased after it: its erasure is signed into the anchor directory, report id and minute only.
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const gone = reports[1]!;
    const erased = await app.gql(ERASE, { id: gone.id, reason: 'Erasure ordered after the backup' }, supervisor.token);
    expect(erased.errors).toBeUndefined();
    expect(erased.data.eraseReport.status).toBe('ERASED');
    const records = readFileSync(join(env.HOTLINE_AUDIT_ANCHOR_DIR!, 'erasures.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toEqual([{ reportId: gone.id, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/), seq: expect.any(Number), keyId: expect.any(String), sig: expect.any(String) }]);
    expect(JSON.stringify(records)).not.toContain(gone.reference);
    const newest = await app.deps.services.audit.checkpoint();
    expect(newest!.seq).toBeGreaterThan(backupTip);
    const surviving = join(work, 'surviving-anchors');
    cpSync(env.HOTLINE_AUDIT_ANCHOR_DIR!, surviving, { recursive: true });
    const r = await admin(['restore', '--from', backupDir, '--ferretdb-dir', join(work, 'older', 'ferretdb')], { HOTLINE_AUDIT_ANCHOR_DIR: surviving });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const missing = /restored to (\S+): (\d+) audit entries after it are not in this backup/.exec(r.stdout);
    expect(missing).not.toBeNull();
    expect(Number(missing![2])).toBeGreaterThanOrEqual(newest!.seq - backupTip);
    expect(r.stdout).toMatch(/anchor files: \d+ written, [1-9]\d* already there with more lines \(kept\)/);
    expect(r.stdout).not.toMatch(/tamper|TRUNCATED|REWRITTEN/);
    // The restore is signed into the anchor directory (audit/anchor.ts, restore events).
    expect(r.stdout).toContain('restore event signed into restores.jsonl');
    const events = readFileSync(join(surviving, 'restores.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ seq: backupTip, backupAt: missing![1], missing: Number(missing![2]), sig: expect.any(String) });

    // The restored store, started with the surviving anchors: the chain reads RESTORED (not TRUNCATED), and appends go on.
    const older = await startServices({ dataDir: join(work, 'older'), appendOnly: false });
    const lines: string[] = [];
    let restored: TestApp | null = null;
    try {
      const keys = Object.fromEntries(['HOTLINE_MASTER_KEY', 'HOTLINE_INDEX_KEY', 'HOTLINE_AUDIT_KEY', 'MONGODB_DB'].map((k) => [k, env[k]!]));
      restored = await bootApp({ env: { ...keys, MONGODB_URI: older.mongoUri, REDIS_URL: older.redisUrl, HOTLINE_AUDIT_ANCHOR_DIR: surviving, LOG_LEVEL: 'warn' }, logDestination: { write: (l: string) => void lines.push(l) } });
      expect(lines.some((l) => l.includes('ALARM'))).toBe(false);
      expect(lines.some((l) => l.includes(`audit chain restored to ${missing![1]}: ${missing![2]} audit entries after it are not in this backup`))).toBe(true);
      const auditor = await createStaff(restored, 'AUDITOR');
      const res = await restored.gql('{ verifyAuditLog { valid length anchor firstDifference restored { seq missing backupAt summary } } }', {}, auditor.token);
      expect(res.errors).toBeUndefined();
      const v = res.data.verifyAuditLog;
      expect(v).toMatchObject({ valid: true, anchor: 'RESTORED', firstDifference: null, restored: { seq: backupTip, missing: Number(missing![2]) } });
      expect(v.restored.summary).toBe(`restored to ${missing![1]}: ${missing![2]} audit entries after it are not in this backup`);
      expect(v.length).toBeGreaterThan(backupTip); // the auditor's creation chained on from the backup's end
      const cli = await runScript('scripts/admin/admin.ts', ['audit:verify'], restored.env, undefined, 120_000);
      expect(cli.code).toBe(0);
      expect(cli.stdout).toContain(`checkpoints: RESTORED`);
      // The report erased after the backup did not come back: erased again at start-up, shredded, audited as re-applied.
      const doc = await restored.deps.database.db.collection('reports').findOne({ _id: gone.id as never });
      expect(doc).toMatchObject({ status: 'ERASED', content: null, dataKey: null, bidx: [] });
      const vault = createContentVault({ crypto: restored.deps.crypto, reports: restored.deps.reports, audit: restored.deps.services.audit });
      const reader: StaffPrincipal = { kind: 'staff', userId: 'backup-test', username: 'backup-test', roles: ['SUPERVISOR'], desk: null, sessionId: 'backup-test' };
      expect((await vault.openForReading(reader, gone.id, 'view')).content).toBeNull();
      expect((await vault.openForReading(reader, reports[0]!.id, 'view')).content).not.toBeNull(); // the others are intact
      const reapplied = await restored.deps.services.audit.query({ action: 'report.erasure_reapplied' }, { first: 10 });
      expect(reapplied.entries.map((e) => [e.target?.id, e.actor.type, e.actor.id])).toEqual([[gone.id, 'system', 'restore']]);
      expect(reapplied.entries[0]!.details).toMatchObject({ reference: gone.reference, toStatus: 'ERASED', backupAt: missing![1] });
      expect(lines.some((l) => l.includes('erasures made after the restored backup was taken were re-applied') && l.includes('"reapplied":1'))).toBe(true);
      // A second start re-applies nothing (the report is already erased).
      const again = await createDeps(loadConfig(testEnv({ ...keys, MONGODB_URI: older.mongoUri, REDIS_URL: older.redisUrl, HOTLINE_AUDIT_ANCHOR_DIR: surviving })), createLogger('silent'));
      await again.close(); // (not bootApp's close: that drops the database)
      expect((await restored.deps.services.audit.query({ action: 'report.erasure_reapplied' }, { first: 10 })).entries).toHaveLength(1);
      expect(await restored.deps.services.audit.verify()).toMatchObject({ valid: true, anchor: 'RESTORED' });

      // A checkpoint after the restore ends the notice.
      await restored.deps.services.audit.checkpoint();
      expect((await restored.deps.services.audit.verify()).anchor).toBe('OK');
    } finally {
      await restored?.close();
      await older.stop();
    }
  }, 240_000);
});

describe('an erasure whose record cannot be written outside the database', () => {
  it('stands, but answers SERVICE_UNAVAILABLE (as an audit append whose signed tip fails), and the failure is logged', async () => {
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const file = join(env.HOTLINE_AUDIT_ANCHOR_DIR!, 'erasures.jsonl');
    const aside = `${file}.aside`;
    renameSync(file, aside);
    mkdirSync(file); // the append cannot open it
    try {
      const target = reports[2]!;
      const r = await app.gql(ERASE, { id: target.id, reason: 'Erasure with the anchor directory broken' }, supervisor.token);
      expect(r.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(r.errors?.[0]?.message).toContain('The report was erased, but the record of the erasure outside the database could not be written');
      expect(await app.deps.database.db.collection('reports').findOne({ _id: target.id as never })).toMatchObject({ status: 'ERASED', content: null });
    } finally {
      rmSync(file, { recursive: true, force: true });
      renameSync(aside, file);
    }
  }, 60_000);
});
