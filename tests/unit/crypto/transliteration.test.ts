/**
 * Names in other scripts meet their Latin spellings (issue 26, item 3): real
 * name pairs, each written as people write it, through the phonetic index
 * (transliteration by any-ascii, then Double Metaphone and the consonant
 * skeleton: src/crypto/blind-index.ts). Each pair must share a phonetic term
 * (so search finds it) AND confirm (`samePhonetic`, so it becomes a hit).
 */
import { describe, expect, it } from 'vitest';
import { createBlindIndexer, isNonLatinName, skeletonCode, transliterateName } from '../../../src/crypto/blind-index.js';
import { loadSodium } from '../../../src/crypto/sodium.js';

const indexer = createBlindIndexer(await loadSodium(), new Uint8Array(32).fill(7));
const meet = (a: string, b: string) => indexer.samePhonetic(a, b) && indexer.phoneticTermsFor(a).some((t) => indexer.phoneticTermsFor(b).includes(t));

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
