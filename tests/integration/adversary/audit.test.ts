/**
 * The database writer against the audit chain and the report histories (issue 12).
 * With the real app running, this test plays someone who can write to the
 * database with the raw driver but does not hold HOTLINE_AUDIT_KEY: it
 * deletes audit entries and recomputes the chain (with SHA-256, the old
 * unkeyed way, or with a guessed key), fixes the tip register, cuts the tail
 * after a checkpoint, rewrites an early entry, and rewrites a report's history.
 * Every attempt is caught: by the keyed chain, or by the signed checkpoints
 * kept outside the database. What remains out of reach (an attacker who
 * holds the key as well) is shown too: the checkpoints still bound it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/crypto/canonical.js';
import { GENESIS_HASH } from '../../../src/crypto/hash-chain.js';
import { entryBody } from '../../../src/audit/service.js';
import type { AuditEntry } from '../../../src/audit/types.js';
import { createIntegrity } from '../../../src/crypto/integrity.js';
import { loadSodium } from '../../../src/crypto/sodium.js';
import type { HistoryEntry, ReportDoc } from '../../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { createStaff } from '../../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../../support/payloads.js';
import { runScript } from '../../support/spawn.js';

type Stored = AuditEntry & { _id: number };
type Hasher = (data: string) => string;

const VERIFY = '{ verifyAuditLog { valid length brokenAt reason anchor anchorSeq anchoredAt firstDifference } }';
const VERIFY_HISTORY = 'query($id: ID!) { verifyReportHistory(id: $id) { valid length brokenAt } }';

const sha256: Hasher = (data) => createHash('sha256').update(data).digest('hex');
const sodium = await loadSodium();
/** A key the attacker guessed (any key but the real one). */
const guessed = createIntegrity(sodium, randomBytes(32));
const guessedAudit: Hasher = (data) => guessed.mac('auditChain', data);

let app: TestApp;
let auditor: { token: string };
let handler: { token: string };
let audit: Collection<Stored>;
let tips: Collection<{ _id: number; hash: string }>;

beforeAll(async () => {
  app = await bootApp();
  auditor = await createStaff(app, 'AUDITOR');
  handler = await createStaff(app, 'CALL_HANDLER');
  for (let i = 0; i < 3; i++) expect((await app.gql(RECORD_CALL, { input: hotlineCall(i) }, handler.token)).errors).toBeUndefined();
  audit = app.deps.database.db.collection<Stored>('audit');
  tips = app.deps.database.db.collection('audit_tips');
}, 60_000);
afterAll(() => app?.close());

const verifyAuditLog = async () => {
  const res = await app.gql(VERIFY, {}, auditor.token);
  expect(res.errors).toBeUndefined();
  return res.data.verifyAuditLog;
};
const chainOf = async () => (await audit.find({}).toArray()).sort((a, b) => a._id - b._id);
const admin = (args: string[]) => runScript('scripts/admin/admin.ts', args, app.env, undefined, 120_000);

/** What the writer does: re-links and rehashes `entries` from index `from` with `hash`, replaces the chain and fixes the tip register. */
async function rewriteChain(entries: Stored[], hash: Hasher, from = 0) {
  const out = entries.map((e) => ({ ...e }));
  for (let i = from; i < out.length; i++) {
    const e = out[i]!;
    e.seq = i + 1;
    e._id = i + 1;
    e.prevHash = i === 0 ? GENESIS_HASH : out[i - 1]!.hash;
    e.hash = hash(`${e.prevHash}\n${canonicalJson(entryBody(e))}`);
  }
  await audit.deleteMany({});
  if (out.length) await audit.insertMany(out);
  await tips.deleteMany({});
  const last = out.at(-1);
  if (last) await tips.insertOne({ _id: last.seq, hash: last.hash });
}

/** Puts the chain back as the app wrote it (so each attack starts from the real chain). */
const restore = (original: Stored[]) => rewriteChain(original, () => '', original.length);

describe('the audit chain against a database writer', () => {
  it('deleting entries and recomputing the chain with SHA-256 (the unkeyed way), tips fixed: invalid', async () => {
    const original = await chainOf();
    // No checkpoint yet, but every group commit's end is signed outside the database (a tip): they agree.
    expect(await verifyAuditLog()).toMatchObject({ valid: true, length: original.length, anchor: 'OK', anchorSeq: null });
    // The handler's intake entries go, the rest is renumbered and re-chained.
    const kept = original.filter((e) => e.action !== 'report.create');
    expect(kept.length).toBeLessThan(original.length);
    await rewriteChain(kept, sha256);
    expect(await verifyAuditLog()).toMatchObject({ valid: false, brokenAt: 1, reason: 'content does not match its hash' });

    // The same rewrite with a guessed key: invalid as well.
    await rewriteChain(kept, guessedAudit);
    expect(await verifyAuditLog()).toMatchObject({ valid: false, brokenAt: 1, reason: 'content does not match its hash' });

    // The same forgery with the real key passes the keyed chain, but not the tips signed outside the database:
    // the chain is shorter than they say (trust review 2, item 6; before, with no checkpoint yet, it passed).
    await rewriteChain(kept, (data) => app.deps.crypto.integrity.mac('auditChain', data));
    expect(await verifyAuditLog()).toMatchObject({ valid: false, length: kept.length, anchor: 'TRUNCATED', anchorSeq: null, firstDifference: kept.length + 1 });
    await restore(original);
    expect(await verifyAuditLog()).toMatchObject({ valid: true, length: original.length });
  });

  it('audit:checkpoint writes a signed line outside the database that verifies with the public key', async () => {
    const original = await chainOf();
    const run = await admin(['audit:checkpoint']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`checkpoint written: seq ${original.length}`);

    const dir = app.config.audit.anchorDir;
    const files = readdirSync(dir).filter((f) => /^checkpoints-\d{4}-\d{2}-\d{2}\.jsonl$/.test(f)).sort();
    const lines = readFileSync(join(dir, files.at(-1)!), 'utf8').trim().split('\n');
    const cp = JSON.parse(lines.at(-1)!);
    expect(cp).toMatchObject({ seq: original.length, count: original.length, hash: original.at(-1)!.hash, keyId: app.deps.crypto.integrity.keyId });
    const signed = (c: typeof cp) => `hotline-audit-checkpoint/1\n${canonicalJson({ seq: c.seq, hash: c.hash, count: c.count, at: c.at, keyId: c.keyId })}`;
    const sig = sodium.from_base64(cp.sig, sodium.base64_variants.ORIGINAL);
    const publicKey = app.deps.crypto.integrity.signing.publicKey;
    expect(sodium.crypto_sign_verify_detached(sig, signed(cp), publicKey)).toBe(true);
    // An edited line no longer verifies.
    expect(sodium.crypto_sign_verify_detached(sig, signed({ ...cp, seq: cp.seq - 1 }), publicKey)).toBe(false);

    expect(await verifyAuditLog()).toMatchObject({ valid: true, anchor: 'OK', anchorSeq: original.length, anchoredAt: cp.at, firstDifference: null });
    const ok = await admin(['audit:verify']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`checkpoints: OK (latest ${cp.at}, seq ${original.length})`);
  }, 180_000);

  it('deleting the last entries after a checkpoint, tips fixed, is reported as TRUNCATED naming the checkpoint', async () => {
    const original = await chainOf();
    const anchored = await app.deps.services.audit.checkpoint();
    expect(anchored).toMatchObject({ seq: original.length });
    const cut = original.slice(0, -2);
    await rewriteChain(cut, () => '', cut.length); // entries deleted, nothing rehashed
    const v = await verifyAuditLog();
    expect(v).toMatchObject({ valid: false, length: cut.length, anchor: 'TRUNCATED', anchorSeq: original.length, firstDifference: cut.length + 1, brokenAt: cut.length + 1 });
    // Earlier checkpoints may stand at the same seq (the previous test's, a minute apart): any of them is named.
    expect(v.reason).toMatch(new RegExp(`checkpoint of \\S+ \\(seq ${original.length}\\)`));

    const cli = await admin(['audit:verify']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`checkpoints: TRUNCATED (latest ${anchored!.at}, seq ${original.length}); first entry that differs: seq ${cut.length + 1}`);
    // Nothing is anchored over a truncated chain.
    const refused = await admin(['audit:checkpoint']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('no checkpoint written');
    await restore(original);
    expect(await verifyAuditLog()).toMatchObject({ valid: true, anchor: 'OK' });
  }, 180_000);

  it('rewriting an early entry and re-chaining everything after it with a guessed key is REWRITTEN, naming that entry', async () => {
    const original = await chainOf();
    const forged = original.map((e) => ({ ...e }));
    forged[1]!.details = { ...forged[1]!.details, forged: true };
    await rewriteChain(forged, guessedAudit, 1);
    expect(await verifyAuditLog()).toMatchObject({ valid: false, brokenAt: 2, anchor: 'REWRITTEN', anchorSeq: original.length, firstDifference: 2 });
    const cli = await admin(['audit:verify']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/checkpoints: REWRITTEN \(latest .*\); first entry that differs: seq 2/);
    await restore(original);
  }, 120_000);

  it('even with the key, a rewrite before a checkpoint is caught, and located between two checkpoints', async () => {
    const first = await app.deps.services.audit.checkpoint();
    expect((await app.gql(RECORD_CALL, { input: hotlineCall(9) }, handler.token)).errors).toBeUndefined();
    const second = await app.deps.services.audit.checkpoint();
    expect(second!.seq).toBeGreaterThan(first!.seq);
    const original = await chainOf();
    const forged = original.map((e) => ({ ...e }));
    forged[first!.seq]!.details = { ...forged[first!.seq]!.details, forged: true }; // entry first.seq + 1
    await rewriteChain(forged, (data) => app.deps.crypto.integrity.mac('auditChain', data), first!.seq);
    expect(await verifyAuditLog()).toMatchObject({ valid: false, anchor: 'REWRITTEN', anchorSeq: second!.seq, firstDifference: first!.seq + 1 });
    await restore(original);
    expect(await verifyAuditLog()).toMatchObject({ valid: true, anchor: 'OK', anchorSeq: second!.seq });
  }, 60_000);

  it('a forged anchor line (edited, not re-signed) is ignored', async () => {
    const dir = app.config.audit.anchorDir;
    const file = join(dir, readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().at(-1)!);
    const before = readFileSync(file, 'utf8');
    const last = JSON.parse(before.trim().split('\n').at(-1)!);
    writeFileSync(file, `${before}${JSON.stringify({ ...last, seq: last.seq + 50, count: last.count + 50 })}\n`);
    expect(await verifyAuditLog()).toMatchObject({ valid: true, anchor: 'OK', anchorSeq: last.seq });
    writeFileSync(file, before);
  });
});

describe('a report history chain against a database writer', () => {
  const bodyOf = (e: HistoryEntry) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, from: e.from, to: e.to, reason: e.reason });
  const rehash = (history: HistoryEntry[], hash: Hasher) => {
    let prev = GENESIS_HASH;
    return history.map((e) => {
      const next = { ...e, prevHash: prev };
      next.hash = hash(`${prev}\n${canonicalJson(bodyOf(next))}`);
      prev = next.hash;
      return next;
    });
  };

  it('an entry edited (reason and to) and the chain recomputed unkeyed answers invalid', async () => {
    const reports = app.deps.database.db.collection<ReportDoc>('reports');
    const doc = (await reports.find({}).limit(1).toArray())[0]!;
    expect((await app.gql(VERIFY_HISTORY, { id: doc._id }, auditor.token)).data.verifyReportHistory).toMatchObject({ valid: true });
    const edited = doc.history.map((e, i) => (i === 0 ? { ...e, to: { status: 'CLOSED' }, reason: 'nothing to see' } : e));

    await reports.updateOne({ _id: doc._id }, { $set: { history: rehash(edited, sha256) } });
    expect((await app.gql(VERIFY_HISTORY, { id: doc._id }, auditor.token)).data.verifyReportHistory).toMatchObject({ valid: false, brokenAt: 1 });
    await reports.updateOne({ _id: doc._id }, { $set: { history: rehash(edited, (d) => guessed.mac('historyChain', d)) } });
    expect((await app.gql(VERIFY_HISTORY, { id: doc._id }, auditor.token)).data.verifyReportHistory).toMatchObject({ valid: false, brokenAt: 1 });
    // An audit-chain hash does not pass for a history hash either (one subkey per purpose).
    await reports.updateOne({ _id: doc._id }, { $set: { history: rehash(edited, (d) => app.deps.crypto.integrity.mac('auditChain', d)) } });
    expect((await app.gql(VERIFY_HISTORY, { id: doc._id }, auditor.token)).data.verifyReportHistory).toMatchObject({ valid: false, brokenAt: 1 });
    // Control: the same forgery with the real key verifies, so the key is what stops it.
    await reports.updateOne({ _id: doc._id }, { $set: { history: rehash(edited, (d) => app.deps.crypto.integrity.mac('historyChain', d)) } });
    expect((await app.gql(VERIFY_HISTORY, { id: doc._id }, auditor.token)).data.verifyReportHistory).toMatchObject({ valid: true });
    await reports.updateOne({ _id: doc._id }, { $set: { history: doc.history } });
  });
});

describe('readiness and the anchor directory', () => {
  it('/readyz fails, saying why without the path, when the anchor directory cannot be created', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'anchor-')), 'not-a-directory');
    writeFileSync(file, '');
    const unusable = join(file, 'anchors');
    const other = await bootApp({ env: { HOTLINE_AUDIT_ANCHOR_DIR: unusable } });
    try {
      const res = await fetch(new URL('/readyz', other.url));
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.failed).toContain('audit-anchors');
      expect(body.reasons['audit-anchors']).toMatch(/audit anchor directory \(HOTLINE_AUDIT_ANCHOR_DIR\) cannot be written \(ENOTDIR\)/);
      expect(JSON.stringify(body)).not.toContain(file);
      const ok = await fetch(new URL('/readyz', app.url));
      expect(ok.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
