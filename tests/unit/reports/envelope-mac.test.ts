import { Binary } from 'mongodb';
import { storedReportDoc } from '../../support/report-doc.js';
import { describe, expect, it } from 'vitest';
import { slotsOf } from '../../../src/reports/model/content-paths.js';
import { ENCRYPTED_FIELDS, PLAINTEXT_DOCUMENT_FIELDS } from '../../../src/reports/model/encrypted-fields.js';
import { createIntegrity } from '../../../src/crypto/integrity.js';
import { loadSodium } from '../../../src/crypto/sodium.js';
import {
  afterChange,
  createEnvelopeMac,
  ENVELOPE_EXCLUDED_ROOTS,
  ENVELOPE_PLAINTEXT_FIELDS,
  envelopeOf,
  ReportIntegrityError,
} from '../../../src/reports/model/envelope-mac.js';
import type { ReportContent } from '../../../src/reports/model/content.js';
import type { ReportDoc } from '../../../src/reports/model/types.js';
import { fixedKey, fullReport, makeCrypto } from '../crypto/support.js';
import { createContentSeal } from '../../../src/reports/content/vault.js';

/** fullReport() with every optional group too (follow-ups, questions, answers), so the drift check sees every encrypted field. */
function everyGroup(): ReportContent {
  const at = new Date(0);
  const base = fullReport();
  return {
    ...base,
    addenda: [{ id: 'add-1', at, source: 'HOTLINE_CALL', fingerprint: 'f'.repeat(64), narrative: 'The caller rang back.', subjects: base.subjects, vehicles: base.vehicles, locations: base.locations }],
    questions: [{ id: 'q-1', at, text: 'Which door did they use?' }],
    answers: [{ id: 'q-1', at, text: 'The back door.' }],
  };
}

async function storedReport(): Promise<ReportDoc> {
  const crypto = await makeCrypto();
  const id = 'r-1';
  const { content, dataKey } = createContentSeal(crypto).sealNew(id, everyGroup());
  return storedReportDoc({ _id: id, content, dataKey });
}

const integrity = async (seed = 1, previous: number[] = []) => createIntegrity(await loadSodium(), fixedKey(seed), previous.map(fixedKey));

describe('what the envelope covers', () => {
  it('covers every slot of every field in ENCRYPTED_FIELDS (drift check), and the wrapped data key', async () => {
    const doc = await storedReport();
    const parts = Object.keys(envelopeOf(doc).parts);
    const content = doc.content as unknown as Record<string, unknown>;
    for (const spec of ENCRYPTED_FIELDS) {
      const slots = [...slotsOf(content, spec.path)].filter((slot) => slot.parent[slot.key] != null);
      expect(slots.length, `fullReport() populates ${spec.path}`).toBeGreaterThan(0);
      for (const slot of slots) expect(parts).toContain(`content.${slot.path}`);
    }
    expect(parts).toContain('dataKey.wrapped');
  });

  it('names only stored plaintext fields, and never leaves `content` or `dataKey` out', () => {
    const documentFields = new Set<string>(PLAINTEXT_DOCUMENT_FIELDS.map((f) => f.path));
    for (const path of ENVELOPE_PLAINTEXT_FIELDS) expect(documentFields).toContain(path.split('.')[0]);
    for (const root of ENVELOPE_EXCLUDED_ROOTS) expect(documentFields).toContain(root);
    expect(ENVELOPE_EXCLUDED_ROOTS).not.toContain('dataKey');
    expect(ENVELOPE_EXCLUDED_ROOTS as readonly string[]).not.toContain('content');
  });

  it('covers an envelope stored anywhere else in the document (e.g. an encrypted value added later)', async () => {
    const doc = await storedReport();
    const withExtra = { ...doc, triage: { sealedReason: new Binary(Buffer.from('ciphertext')) } } as unknown as ReportDoc;
    expect(Object.keys(envelopeOf(withExtra).parts)).toContain('triage.sealedReason');
  });
});

describe('seal and check', () => {
  it('accepts the sealed report and names what a writer changed, dropped or added, never values', async () => {
    const mac = createEnvelopeMac(await integrity());
    const doc = await storedReport();
    Object.assign(doc, mac.seal(doc));
    expect(mac.problems(doc)).toBeNull();
    expect(mac.problems({ ...doc, anonymous: true })).toEqual(['anonymous']);
    expect(mac.problems({ ...doc, version: 3 })).toEqual(['version']);
    const dropped = { ...doc, content: { ...doc.content!, narrative: null as never } };
    expect(mac.problems(dropped)).toEqual(['content.narrative (missing)']);
    expect(mac.problems({ ...doc, envelopeMac: undefined })).toEqual(['envelopeMac (missing)']);
    expect(mac.problems({ ...doc, envelopeMac: 'f'.repeat(64) })).toEqual(['envelopeMac']);
    expect(() => mac.assert({ ...doc, desk: 'SO12' })).toThrow(ReportIntegrityError);
    try {
      mac.assert({ ...doc, desk: 'SO12' });
    } catch (err) {
      expect((err as ReportIntegrityError).code).toBe('DATA_INTEGRITY');
      expect((err as Error).message).toContain('desk');
      expect((err as Error).message).not.toContain('SO12');
    }
  });

  it('is keyed: another key fails, a previous key is accepted during a rotation', async () => {
    const doc = await storedReport();
    Object.assign(doc, createEnvelopeMac(await integrity(1)).seal(doc));
    expect(createEnvelopeMac(await integrity(2)).problems(doc)).not.toBeNull();
    expect(createEnvelopeMac(await integrity(2, [1])).problems(doc)).toBeNull();
  });
});

describe('afterChange (the report as an update leaves it)', () => {
  it('applies $set, a pushed value at a dotted path and $each, with the next version', async () => {
    const doc = await storedReport();
    const note = { id: 'n3', text: new Binary(Buffer.from('x')) };
    const link = { reportId: 'r-2', reference: 'R2', reasons: ['vehicle'], desk: null, at: new Date(0) };
    const next = afterChange(doc, { status: 'ASSIGNED' }, { 'content.researchNotes': note, links: { $each: [link] } });
    expect(next.version).toBe(3);
    expect(next.status).toBe('ASSIGNED');
    expect(next.content!.researchNotes.at(-1)).toBe(note);
    expect(next.links).toEqual([link]);
    expect(doc.content!.researchNotes).toHaveLength(2); // the report as read is untouched
  });

  it('refuses update shapes it does not model, rather than seal a wrong envelope', async () => {
    const doc = await storedReport();
    expect(() => afterChange(doc, {}, { links: { $each: [], $position: 0 } })).toThrow(/unsupported/);
    expect(() => afterChange(doc, {}, { status: 'x' })).toThrow(/not an array/);
  });
});
