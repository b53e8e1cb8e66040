/** The phonetic index kind: spelling variants meet, and it never enters `bidx`. */
import { describe, expect, it } from 'vitest';
import { createBlindIndexer, phoneticCodes } from '../../../src/crypto/blind-index.js';
import { loadSodium } from '../../../src/crypto/sodium.js';
import { indexedValuesOf, indexTermsOf, searchTermsOf } from '../../../src/reports/model/indexed-content.js';

describe('phonetic name index', async () => {
  const sodium = await loadSodium();
  const indexer = createBlindIndexer(sodium, new Uint8Array(32).fill(7));

  it('gives spelling variants the same code and term', () => {
    expect(phoneticCodes('Mohammed Khan')).toEqual(phoneticCodes('Muhammad  KHAN'));
    expect(indexer.phoneticTermsFor('Mohamed')).toEqual(indexer.phoneticTermsFor('Muhammad'));
    expect(indexer.samePhonetic('Mohammed', 'Muhammad')).toBe(true);
    expect(indexer.samePhonetic('Mohammed', 'Jane')).toBe(false);
    expect(phoneticCodes('!!!')).toEqual([]);
  });

  it('keys phonetic terms apart from exact name terms, and keeps them out of bidx', () => {
    const content = { subjects: [{ name: 'Mohammed' }] };
    const [phonetic] = indexer.phoneticTermsFor('Mohammed');
    expect(phonetic).toMatch(/^np:[0-9a-f]{4}$/);
    expect(indexTermsOf(indexer, indexedValuesOf(content as never))).toEqual([indexer.termFor('name', 'Mohammed')]);
    expect(searchTermsOf(indexer, indexedValuesOf(content as never))).toEqual([indexer.termFor('name', 'Mohammed'), phonetic].sort());
  });
});
