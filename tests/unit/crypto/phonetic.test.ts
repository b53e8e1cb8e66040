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
    expect(searchTermsOf(indexer, indexedValuesOf(content as never))).toEqual([indexer.termFor('name', 'Mohammed'), ...indexer.phoneticTermsFor('Mohammed')].sort());
  });

  it('files a name of several words under each word too, exact and by sound, and keeps those out of bidx', () => {
    const content = { subjects: [{ name: 'Ahmed Rashid' }] };
    const parts = indexer.namePartTermsFor('Ahmed Rashid');
    expect(parts.exact).toEqual([indexer.termFor('namePart', 'ahmed'), indexer.termFor('namePart', 'Rashid')]);
    expect(parts.exact.every((t) => /^nw:[0-9a-f]{4}$/.test(t))).toBe(true);
    expect(parts.phonetic.every((t) => /^nwp:[0-9a-f]{4}$/.test(t))).toBe(true);
    // A one-word query looks up those terms: a surname alone, or a given name misspelt (by its Double Metaphone code), meets the filed name.
    expect(parts.exact).toContain(indexer.partQueryTermsFor('RASHID').exact[0]);
    const tarek = indexer.partQueryTermsFor('Tarek').phonetic;
    expect(indexer.namePartTermsFor('Tarik Hasan').phonetic.filter((t) => tarek.includes(t))).toEqual([indexer.termFor('namePartPhonetic', 'Tarek')]);
    expect(indexer.partMatch('Ahmed Rashid', 'rashid')).toBe('EXACT');
    expect(indexer.partMatch('Tarik Hasan', 'Tarek')).toBe('PHONETIC');
    expect(indexer.partMatch('Tarik Hasan', 'Jones')).toBeNull();
    expect(indexer.partQueryTermsFor('Tarik Hasan')).toEqual({ exact: [], phonetic: [] }); // several words: a full name, not a part
    expect(indexer.namePartTermsFor('Rashid')).toEqual({ exact: [], phonetic: [] }); // one word: its full-name terms say it
    const values = indexedValuesOf(content as never);
    expect(indexTermsOf(indexer, values)).toEqual([indexer.termFor('name', 'Ahmed Rashid')]);
    expect(searchTermsOf(indexer, values)).toEqual(expect.arrayContaining([...parts.exact, ...parts.phonetic]));
  });
});
