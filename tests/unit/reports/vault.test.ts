/**
 * The content module (src/reports/content/vault.ts) is the one door to report
 * content: nothing else in src opens a data key, and its audited read writes
 * the audit entry before any plaintext is returned, or returns nothing.
 */
import { storedReportDoc } from '../../support/report-doc.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEventInput } from '../../../src/audit/types.js';
import type { StaffPrincipal } from '../../../src/auth/types.js';
import { PROJECT_ROOT } from '../../../src/config.js';
import { createContentVault } from '../../../src/reports/content/vault.js';
import { createEnvelopeMac } from '../../../src/reports/model/envelope-mac.js';
import { INDEXED_GROUPS } from '../../../src/reports/model/indexed-content.js';
import type { ReportDoc } from '../../../src/reports/model/types.js';
import { fullReport, makeCrypto } from '../crypto/support.js';

const crypto = await makeCrypto();

/** Every .ts file under src (the web client aside: it never sees a key). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'web' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const staff = (roles: StaffPrincipal['roles'], desk: StaffPrincipal['desk'], userId = 'u-1'): StaffPrincipal => ({ kind: 'staff', userId, username: userId, roles, desk, sessionId: 's' });
const investigator = staff(['INVESTIGATOR'], 'SO13', 'inv-1');
const holder = staff(['INVESTIGATOR'], 'SO13', 'inv-2');

/** A report as intake stores it, sealed, held by `holder`. */
function stored(id = 'r-1', overrides: Partial<ReportDoc> = {}): ReportDoc {
  const sealed = createContentVault({ crypto, reports: { findById: async () => null }, audit: { record: async () => never() } }).sealNew(id, fullReport());
  const doc = storedReportDoc({
    _id: id,
    idempotencyKey: 'k',
    status: 'UNDER_RESEARCH',
    assignee: holder.userId,
    version: 3,
    content: sealed.content,
    dataKey: sealed.dataKey,
    bidx: sealed.bidx,
    indexKeyId: sealed.indexKeyId,
    ...overrides,
  });
  return { ...doc, ...createEnvelopeMac(crypto.integrity).seal(doc) };
}

function never(): never {
  throw new Error('not expected');
}

/** A vault over one stored report and an audit log that records in memory (or fails). */
function vaultOver(doc: ReportDoc | null, audit: { fail?: boolean } = {}) {
  const recorded: AuditEventInput[] = [];
  const vault = createContentVault({
    crypto,
    reports: { findById: async (id) => (doc && id === doc._id ? doc : null) },
    audit: {
      record: async (event) => {
        if (audit.fail) throw new Error('audit store down');
        recorded.push(event);
        return {} as never;
      },
    },
  });
  return { vault, recorded };
}

describe('the content module', () => {
  it('is the only code in src that opens a data key or builds the report codec', () => {
    const src = join(PROJECT_ROOT, 'src');
    const opening = sourceFiles(src)
      .filter((path) => /\bwith(New)?DataKey\(|createReportCodec\(/.test(readFileSync(path, 'utf8')))
      .map((path) => relative(PROJECT_ROOT, path))
      .sort();
    // src/partners/org-keys.ts opens an organisation's own key (never a report's), under its own one-place rule (tests/unit/partner-org-keys.test.ts).
    expect(opening).toEqual(['src/crypto/field-cipher.ts', 'src/partners/org-keys.ts', 'src/reports/content/vault.ts', 'src/reports/model/report-codec.ts']);
    expect(readFileSync(join(src, 'partners/org-keys.ts'), 'utf8')).not.toMatch(/reports\//);
    // The codec's own file only defines it; the field cipher only defines the key scope.
    expect(readFileSync(join(src, 'reports/model/report-codec.ts'), 'utf8')).not.toMatch(/withDataKey\(|withNewDataKey\(/);
  });

  it('seals a new report with its terms, and opens what it sealed', async () => {
    const doc = stored();
    expect(doc.bidx.length).toBeGreaterThan(0);
    expect(JSON.stringify(doc.content)).not.toContain('Zebedee');
    const { vault, recorded } = vaultOver(doc);
    const read = await vault.openForReading(investigator, doc._id, 'view');
    expect(read.content!.narrative).toBe(fullReport().narrative);
    expect(read.content).not.toHaveProperty('caller'); // the caller's identity only on reveal
    expect(recorded).toEqual([
      { action: 'report.read', actor: { type: 'user', id: investigator.userId, name: investigator.username }, target: { type: 'report', id: doc._id }, outcome: 'success', details: { reference: doc.reference, desk: 'SO13', status: 'UNDER_RESEARCH', fields: expect.not.arrayContaining(['caller']) } },
    ]);
  });

  it('returns nothing when the audit entry cannot be written (confidentiality over availability)', async () => {
    const doc = stored();
    const { vault } = vaultOver(doc, { fail: true });
    await expect(vault.openForReading(investigator, doc._id, 'view')).rejects.toThrow(/audit store down/);
    await expect(vault.openForReading(investigator, doc._id, 'reveal-caller', { reason: 'needed to recontact' })).rejects.toThrow(/audit store down/);
  });

  it("applies each purpose's access rule before decrypting, and audits nothing refused", async () => {
    const doc = stored();
    const { vault, recorded } = vaultOver(doc);
    await expect(vault.openForReading(staff(['INVESTIGATOR'], 'SO12'), doc._id, 'view')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(vault.openForReading(investigator, doc._id, 'export')).rejects.toMatchObject({ code: 'FORBIDDEN' }); // reads it, does not hold it
    await expect(vault.openForReading(staff(['CALL_HANDLER'], null), doc._id, 'view')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(vault.openForReading(investigator, 'no-such-report', 'view')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(recorded).toEqual([]);
    const exported = await vault.openForReading(holder, doc._id, 'export', { details: () => ({ signer: 'k1', historyValid: true }) });
    expect(exported.content!.narrative).toBe(fullReport().narrative);
    expect(recorded.map((e) => e.details)).toEqual([expect.objectContaining({ purpose: 'export', signer: 'k1', historyValid: true })]);
  });

  it('reveals the caller with the reason sealed into its audit entry, and an erased report is NOT_FOUND', async () => {
    const doc = stored();
    const { vault, recorded } = vaultOver(doc);
    const { content } = await vault.openForReading(investigator, doc._id, 'reveal-caller', { reason: 'needed to recontact' });
    expect(content!.caller!.name).toBe(fullReport().caller!.name);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.action).toBe('report.reveal_caller');
    const sealed = recorded[0]!.details!.reasonSealed as string;
    expect(sealed).toMatch(/^sealed:v1:/);
    expect(vault.openReason(doc, sealed)).toBe('needed to recontact');
    const erased = stored('r-2', { status: 'ERASED', content: null, dataKey: null });
    const tombstone = vaultOver(erased);
    await expect(tombstone.vault.openForReading(investigator, erased._id, 'reveal-caller', { reason: 'needed to recontact' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Its view opens nothing, so it is not recorded as a read.
    expect((await tombstone.vault.openForReading(investigator, erased._id, 'view')).content).toBeNull();
    expect(tombstone.recorded).toEqual([]);
  });

  it('opens the indexed groups for a comparison and records that read with them', async () => {
    const doc = stored();
    const { vault, recorded } = vaultOver(doc);
    const read = vault.openIndexed(doc);
    expect(read.values.vehicle).toEqual(['AB12 CDE']);
    expect(recorded).toEqual([]);
    await read.record({ type: 'system', id: 'key-rotation' }, { purpose: 'key-rotation' });
    expect(recorded).toEqual([{ action: 'report.read', actor: { type: 'system', id: 'key-rotation' }, target: { type: 'report', id: doc._id }, outcome: 'success', details: { purpose: 'key-rotation', fields: [...INDEXED_GROUPS] } }]);
  });

  it('refuses a report whose envelope fails before anything is decrypted', async () => {
    const doc = { ...stored(), desk: 'SO12' as const }; // moved without its MAC
    const { vault, recorded } = vaultOver(doc);
    await expect(vault.openForReading(staff(['SUPERVISOR'], null), doc._id, 'view')).rejects.toMatchObject({ code: 'DATA_INTEGRITY' });
    expect(recorded).toEqual([]);
  });
});
