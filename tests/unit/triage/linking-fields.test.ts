/**
 * Linking compares exactly the fields encrypted-fields.ts marks for a blind
 * index: a field marked there but left out of the comparison (or of the
 * groups linking decrypts) fails here.
 */
import { describe, expect, it } from 'vitest';
import { ENCRYPTED_FIELDS } from '../../../src/crypto/encrypted-fields.js';
import type { ReportContent } from '../../../src/reports/model/content.js';
import type { ReportDoc } from '../../../src/reports/model/types.js';
import { createEnvelopeMac } from '../../../src/reports/model/envelope-mac.js';
import { linkableValuesOf } from '../../../src/triage/linking.js';
import { makeCrypto } from '../crypto/support.js';

const crypto = await makeCrypto();

/** A report whose only non-empty field is `path` (a pattern such as `subjects[].aliases`), holding `value`. */
function contentWithOnly(path: string, value: string | string[]): ReportContent {
  const content: Record<string, unknown> = { narrative: 'n/a', subjects: [], vehicles: [], locations: [], researchNotes: [] };
  const segments = path.split('.');
  let node = content;
  for (const segment of segments.slice(0, -1)) {
    const name = segment.replace(/\[\w*\]$/, '');
    const child: Record<string, unknown> = segment.endsWith('[id]') ? { id: 'x1' } : {};
    node[name] = segment.endsWith(']') ? [child] : child;
    node = child;
  }
  node[segments.at(-1)!] = value;
  return content as unknown as ReportContent;
}

/** Stores `content` as intake does (encrypted, with its blind-index terms, sealed: linking checks the envelope first). */
function stored(id: string, content: ReportContent): ReportDoc {
  const doc = crypto.cipher.withNewDataKey(id, (dataKey, wrapped) => ({
    _id: id,
    dataKey: wrapped,
    content: crypto.codec.encryptContent(dataKey, id, content),
    bidx: crypto.blindIndex.indexTermsFor(content),
  })) as ReportDoc;
  return { ...doc, ...createEnvelopeMac(crypto.integrity).seal(doc) };
}

const indexed = ENCRYPTED_FIELDS.filter((field) => field.blindIndex);

describe('linking reads the encrypted-field list', () => {
  it('has indexed fields to compare', () => {
    expect(indexed.length).toBeGreaterThan(0);
  });

  it.each(indexed.map((field) => [field.path, field] as const))('compares %s, the field indexed there', (path, field) => {
    const value = '020 7946 0000'; // normalises as every kind
    const doc = stored(`r-${path}`, contentWithOnly(path, field.type === 'string[]' ? [value] : value));
    const kind = field.blindIndex!;
    // The stored report is findable under the term, and linking sees the value behind it.
    expect(doc.bidx).toContain(crypto.blindIndex.termFor(kind, value));
    const values = linkableValuesOf(crypto, doc);
    expect(values[kind]).toEqual([value]);
    for (const other of Object.keys(values).filter((k) => k !== kind)) expect(values[other as typeof kind]).toEqual([]);
  });

  it('compares nothing from fields that are not indexed', () => {
    const doc = stored('r-plain', contentWithOnly('subjects[].description', 'AB12 CDE'));
    expect(doc.bidx).toEqual([]);
    expect(Object.values(linkableValuesOf(crypto, doc)).flat()).toEqual([]);
  });
});
