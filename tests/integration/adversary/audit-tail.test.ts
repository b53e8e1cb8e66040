/**
 * The database writer against the audit tail after the last checkpoint
 * (trust review 2, item 6). The app writes entries after a checkpoint; the
 * writer deletes them and their tips from the database and leaves the tip
 * register pointing at the checkpoint's entry, so the keyed chain and the
 * checkpoint both still agree. Before this, `verifyAuditLog` and
 * `audit:verify` said OK and a restarted process appended at the cut
 * positions. Now every group commit's end is signed into a tip file outside
 * the database: verification says TRUNCATED, and a restarted process
 * refuses to append (DATA_INTEGRITY, an alarm in its log) until the entries
 * are put back, while a hotline call is still recorded.
 */
import type { Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/audit/types.js';
import { loadConfig } from '../../../src/config.js';
import { createDeps, type Deps } from '../../../src/deps.js';
import { startApi, type ApiServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logger.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { createStaff } from '../../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../../support/payloads.js';
import { runScript } from '../../support/spawn.js';

type Stored = AuditEntry & { _id: number };

const VERIFY = '{ verifyAuditLog { valid length brokenAt reason anchor anchorSeq firstDifference } }';

let app: TestApp;
let auditor: { token: string };
let handler: { token: string };
let audit: Collection<Stored>;
let tips: Collection<{ _id: number; hash: string }>;

beforeAll(async () => {
  app = await bootApp();
  auditor = await createStaff(app, 'AUDITOR');
  handler = await createStaff(app, 'CALL_HANDLER');
  audit = app.deps.database.db.collection<Stored>('audit');
  tips = app.deps.database.db.collection('audit_tips');
}, 60_000);
afterAll(() => app?.close());

const verifyAuditLog = async () => {
  const res = await app.gql(VERIFY, {}, auditor.token);
  expect(res.errors).toBeUndefined();
  return res.data.verifyAuditLog;
};
const recordCall = async (i: number, gql = app.gql) => {
  const res = await gql(RECORD_CALL, { input: hotlineCall(i) }, handler.token);
  expect(res.errors).toBeUndefined();
  return res;
};
const chainOf = async () => (await audit.find({}).toArray()).sort((a, b) => a._id - b._id);

describe('the audit tail after the last checkpoint against a database writer', () => {
  it('cutting the entries after a checkpoint and their tips is TRUNCATED, and a restarted process does not reuse the positions', async () => {
    await recordCall(1);
    const checkpoint = (await app.deps.services.audit.checkpoint())!;
    for (let i = 2; i <= 4; i++) await recordCall(i);
    const full = await chainOf();
    const tail = full.filter((e) => e._id > checkpoint.seq);
    expect(tail.length).toBeGreaterThanOrEqual(3);
    const savedTips = await tips.find({ _id: { $gt: checkpoint.seq } }).toArray();
    expect(await verifyAuditLog()).toMatchObject({ valid: true, length: full.length, anchor: 'OK', anchorSeq: checkpoint.seq });

    // The writer: the tail goes, with its tips; the register ends at the checkpoint's entry, which still matches.
    await audit.deleteMany({ _id: { $gt: checkpoint.seq } });
    await tips.deleteMany({ _id: { $gte: checkpoint.seq } });
    await tips.insertOne({ _id: checkpoint.seq, hash: checkpoint.hash });

    const v = await verifyAuditLog();
    expect(v).toMatchObject({ valid: false, length: checkpoint.seq, anchor: 'TRUNCATED', anchorSeq: checkpoint.seq, firstDifference: checkpoint.seq + 1, brokenAt: checkpoint.seq + 1 });
    // The first signed record the cut contradicts is named: a tip of the app's process, above the checkpoint.
    expect(v.reason).toMatch(new RegExp(`^the chain is shorter than the signed tip of \\S+ \\(seq \\d+\\) says: entries from seq ${checkpoint.seq + 1} are missing$`));

    const cli = await runScript('scripts/admin/admin.ts', ['audit:verify'], app.env, undefined, 120_000);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`checkpoints: TRUNCATED (latest ${checkpoint.at}, seq ${checkpoint.seq}); first entry that differs: seq ${checkpoint.seq + 1}`);

    // A restarted process (same database, same anchor directory): the alarm at start-up, and no append at the cut positions.
    const lines: string[] = [];
    const config = loadConfig(app.env);
    const restarted: Deps = await createDeps(config, createLogger('warn', { write: (line: string) => void lines.push(line) }));
    let api: ApiServer | null = null;
    try {
      expect(lines.some((l) => l.includes('ALARM') && l.includes('"state":"TRUNCATED"') && l.includes(`"outsideSeq":${full.length}`))).toBe(true);
      await expect(
        restarted.services.audit.record({ action: 'keys.rotate', actor: { type: 'system' }, outcome: 'success', details: {} }),
      ).rejects.toMatchObject({ code: 'DATA_INTEGRITY', name: 'AuditTailCutError' });
      // Through its API: the hotline call is still recorded (its events wait in the report), but nothing is chained.
      api = await startApi(restarted, { port: 0, host: '127.0.0.1' });
      const url = api.url;
      const viaRestarted: TestApp['gql'] = async (query, variables, token) => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
        const body = await res.json();
        return { status: res.status, data: body.data ?? null, errors: body.errors };
      };
      await recordCall(5, viaRestarted);
      expect((await chainOf()).map((e) => e._id)).toEqual(full.filter((e) => e._id <= checkpoint.seq).map((e) => e._id));
      // Nothing signed outside moved backwards: verification still names the cut.
      expect(await verifyAuditLog()).toMatchObject({ anchor: 'TRUNCATED', firstDifference: checkpoint.seq + 1 });

      // The entries put back (a restore from backup): the same process appends again, after them.
      await audit.insertMany(tail);
      await tips.insertMany(savedTips.filter((t) => t._id !== checkpoint.seq));
      await new Promise((r) => setTimeout(r, 5_200)); // a cut is looked at again after 5 s
      const entry = await restarted.services.audit.record({ action: 'keys.rotate', actor: { type: 'system' }, outcome: 'success', details: {} });
      expect(entry.seq).toBe(full.length + 1);
      expect(await verifyAuditLog()).toMatchObject({ valid: true, anchor: 'OK' });
    } finally {
      await api?.close(2_000);
      await restarted.close();
    }
  }, 180_000);
});
