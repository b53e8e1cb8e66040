/**
 * Names in other scripts meet their Latin spellings (issue 26, item 3): real
 * name pairs, each written as people write it, through the phonetic index
 * (transliteration by any-ascii, then Double Metaphone and the consonant
 * skeleton: src/crypto/blind-index.ts). Each pair must meet both ways: the
 * terms one name looks up hold a term the other is filed under (so search and
 * linking find it) AND they confirm (`samePhonetic`, so it becomes a hit).
 */
import { describe, expect, it } from 'vitest';
import { createBlindIndexer, isNonLatinName, scriptedSkeletonCode, skeletonCode, transliterateName } from '../../../src/crypto/blind-index.js';
import { loadSodium } from '../../../src/crypto/sodium.js';

const indexer = createBlindIndexer(await loadSodium(), new Uint8Array(32).fill(7));
/** Does looking up `a` walk a term `b` is filed under? */
const walks = (a: string, b: string) => indexer.phoneticLookupTermsFor(a).some((t) => indexer.phoneticTermsFor(b).includes(t));
const meet = (a: string, b: string) => indexer.samePhonetic(a, b) && walks(a, b);

describe('transliteration before the phonetic index', () => {
  it.each([
    // Arabic
    ['محمد', 'Mohammed'],
    ['محمد', 'Muhammad'],
    ['أحمد', 'Ahmed'],
    ['حسن', 'Hassan'],
    ['يوسف', 'Yusuf'],
    ['خالد', 'Khalid'],
    ['عمر', 'Omar'],
    ['فاطمة', 'Fatima'],
    // Urdu
    ['عمران خان', 'Imran Khan'],
    ['محمد علی', 'Muhammad Ali'],
    // Bengali
    ['মোহাম্মদ', 'Mohammed'],
    ['রহমান', 'Rahman'],
    // Gujarati
    ['મોહમ્મદ', 'Mohammed'],
    ['પટેલ', 'Patel'],
    // Hebrew
    ['משה', 'Moshe'],
    ['דוד כהן', 'David Cohen'],
    // Cyrillic
    ['Мухаммед', 'Mohammed'],
    ['Владимир Путин', 'Vladimir Putin'],
    ['Юсуф', 'Yusuf'],
    ['Тарик Хасан', 'Tarik Hasan'],
  ])('%s meets %s', (other, latin) => {
    expect(meet(other, latin)).toBe(true);
    expect(meet(latin, other)).toBe(true);
  });

  it('keeps different names apart, and does not loosen matches between two Latin spellings', () => {
    expect(meet('محمد', 'Ahmed')).toBe(false);
    expect(meet('Mohammed', 'Jane')).toBe(false);
    expect(meet('Юсуф', 'Hassan')).toBe(false);
    // Ahmed and Hamid share a consonant skeleton, but both are Latin: the skeleton does not confirm them.
    expect(skeletonCode('Ahmed')).toBe(skeletonCode('Hamid'));
    expect(indexer.samePhonetic('Ahmed', 'Hamid')).toBe(false);
  });

  it('transliterates with any-ascii, and knows which names are not Latin', () => {
    expect(transliterateName('محمد')).toBe('mhmd');
    expect(transliterateName('Владимир')).toBe('Vladimir');
    expect(transliterateName('মোহাম্মদ')).toBe('mohammd');
    expect(transliterateName('José')).toBe('Jose');
    expect(isNonLatinName('محمد')).toBe(true);
    expect(isNonLatinName('José Müller')).toBe(false);
  });
});

describe('the skeleton, filed under its script', () => {
  it('a Latin name never looks up the Latin names that share only its skeleton: they could never confirm', () => {
    // Ahmed and Hamid share the skeleton `~hmd` and no Double Metaphone code.
    expect(skeletonCode('Ahmed')).toBe(skeletonCode('Hamid'));
    expect(scriptedSkeletonCode('Ahmed')).toBe('~L:hmd');
    expect(walks('Ahmed', 'Hamid')).toBe(false);
    expect(walks('Hamid', 'Ahmed')).toBe(false);
    // The same holds for name parts: a one-word query looks up a part as it looks up a name.
    const part = indexer.partQueryTermsFor('Ahmed').phonetic;
    expect(part.some((t) => indexer.namePartTermsFor('Hamid Khan').phonetic.includes(t))).toBe(false);
  });

  it('a name in another script is filed under the non-Latin code, and looks up both', () => {
    expect(scriptedSkeletonCode('محمد')).toBe('~N:mhmd');
    expect(scriptedSkeletonCode('محمد Smith')).toBe('~N:mhmd smt'); // a letter of another script makes the name non-Latin, as `samePhonetic` judges it
    // محمد and Mohammed share no Double Metaphone code (MMT, MHMT): only the skeleton makes them meet, both ways.
    expect(walks('Mohammed', 'محمد') && walks('محمد', 'Mohammed')).toBe(true);
    expect(walks('حامد', 'Ahmed') && walks('Ahmed', 'حامد')).toBe(true);
    // Two names in other scripts meet by skeleton too (أحمد and حامد: Arabic, same consonants).
    expect(walks('أحمد', 'حامد')).toBe(true);
    // Parts: "Mohammed" alone finds "محمد علی" by its part محمد.
    expect(indexer.partQueryTermsFor('Mohammed').phonetic.some((t) => indexer.namePartTermsFor('محمد علی').phonetic.includes(t))).toBe(true);
  });

  it('a Latin name the Double Metaphone leaves without a code still finds itself', () => {
    // "H" has no Double Metaphone code: search walks its phonetic terms in place of its exact term.
    expect(indexer.phoneticTermsFor('H')).toHaveLength(1);
    expect(walks('H', 'H')).toBe(true);
  });

  it('files none of the bare `~` terms of the release before; migration 4 removes them', () => {
    for (const name of ['Ahmed Rashid', 'محمد', 'Tarik Hasan']) {
      const retired = indexer.retiredSkeletonTermsFor(name);
      expect(retired.length).toBeGreaterThan(0);
      const filed = [...indexer.phoneticTermsFor(name), ...indexer.namePartTermsFor(name).phonetic];
      const looked = [...indexer.phoneticLookupTermsFor(name), ...indexer.partQueryTermsFor(name).phonetic];
      // 16-bit terms: a fixed key, checked here to collide with none of them.
      expect(retired.filter((t) => filed.includes(t) || looked.includes(t))).toEqual([]);
    }
  });
});
