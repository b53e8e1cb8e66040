import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blindIndexBitsRange,
  createBlindIndexer,
  DEFAULT_BLIND_INDEX_BITS,
  INDEX_KINDS,
  type IndexKind,
  normaliseName,
  normalisePostcode,
  normaliseRegistration,
  normaliseUkPhone,
} from '../../../src/crypto/blind-index.js';
import { loadSodium } from '../../../src/crypto/sodium.js';
import { fixedKey, fullReport } from './support.js';
import { indexedValuesOf, indexTermsOf } from '../../../src/reports/model/indexed-content.js';

const sodium = await loadSodium();
// The kinds that index a field; the phonetic kind's normal form is a code of one, tested in phonetic.test.ts.
const KINDS = (Object.keys(INDEX_KINDS) as IndexKind[]).filter((kind) => kind !== 'namePhonetic' && kind !== 'namePartPhonetic');

describe('normalisers', () => {
  it('registrations: upper-case, letters and digits only', () => {
    for (const plate of ['AB12 CDE', 'ab12cde', ' ab-12 c.d.e ', 'Ab12\tCde']) expect(normaliseRegistration(plate)).toBe('AB12CDE');
    expect(normaliseRegistration('ＡＢ１２ ＣＤＥ')).toBe('AB12CDE'); // full-width input
    expect(normaliseRegistration('AB12 CDF')).not.toBe(normaliseRegistration('AB12 CDE'));
    expect(normaliseRegistration(' - ')).toBeNull();
  });

  it('UK phones: every usual writing of a number is one canonical form', () => {
    const forms = [
      '+44 20 7946 0000',
      '020 7946 0000',
      '02079460000',
      '0044 20 7946 0000',
      '(020) 7946-0000',
      '+44 (0)20 7946 0000',
      '+442079460000',
      '442079460000',
      '020.7946.0000',
      '０２０ ７９４６ ００００',
    ];
    for (const form of forms) expect(normaliseUkPhone(form), form).toBe('+442079460000');
    expect(normaliseUkPhone('07700 900123')).toBe('+447700900123');
    expect(normaliseUkPhone('+44 7700 900123')).toBe('+447700900123');
    expect(normaliseUkPhone('020 7946 0001')).not.toBe(normaliseUkPhone('020 7946 0000'));
  });

  it('UK phones: other countries keep their code, local numbers their digits', () => {
    expect(normaliseUkPhone('+33 1 23 45 67 89')).toBe('+33123456789');
    expect(normaliseUkPhone('0033 1 23 45 67 89')).toBe('+33123456789');
    expect(normaliseUkPhone('7946 0000')).toBe('79460000');
  });

  it.each(['', 'hello', 'call me', '123', '12-34', '0123', 'AB12 CDE', 'me@example.org', '+44 20', '020 7946 0000 ext 12', '+44 20 7946 0000 0000 0000', '++44 20 7946 0000'])(
    'UK phones: %j is not a phone number',
    (value) => {
      expect(normaliseUkPhone(value)).toBeNull();
    },
  );

  it('postcodes: upper-case without spaces', () => {
    for (const postcode of ['SW1A 1AA', 'sw1a1aa', ' Sw1A  1aA ']) expect(normalisePostcode(postcode)).toBe('SW1A1AA');
    expect(normalisePostcode('   ')).toBeNull();
  });

  it('names: accents, case, punctuation and spaces folded', () => {
    expect(normaliseName("José  O'Neill")).toBe('jose o neill');
    for (const name of ['JOSE O NEILL', 'jose o’neill', '  José\tO-Neill ', 'Jose\u0301 O.Neill']) expect(normaliseName(name)).toBe('jose o neill');
    expect(normaliseName('Zoë Brontë')).toBe('zoe bronte');
    expect(normaliseName('Łukasz')).toBe('łukasz');
    // NFKD also splits Cyrillic й into и + breve: folded alike on both sides, so it still matches.
    expect(normaliseName('Дмитрий')).toBe('дмитрии');
    expect(normaliseName('ДМИТРИЙ')).toBe(normaliseName('дмитрий'));
    expect(normaliseName("'--'")).toBeNull();
  });

  it('gives the same term for its own output where one round of NFKC is not enough', () => {
    // Found by the property test below: the space kept two conjoining jamo apart; stripped, NFKC composes them.
    for (const kind of KINDS) {
      const normalise = INDEX_KINDS[kind].normalise;
      const once = normalise('ㄷ ￂ');
      if (once !== null) expect(normalise(once)).toBe(once);
    }
    expect(INDEX_KINDS.vehicle.normalise('ㄷ ￂ')).toBe('\uB2E4');
  });

  it('every normaliser is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (value) => {
        for (const kind of KINDS) {
          const normalise = INDEX_KINDS[kind].normalise;
          const once = normalise(value);
          if (once !== null) expect(normalise(once)).toBe(once);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('term length', () => {
  it("follows CipherSweet's rule 2 <= R/2^L < sqrt(R) for R = 10^6", () => {
    expect(blindIndexBitsRange(1e6)).toEqual({ min: 10, max: 18 });
    const coincidences = 1e6 / 2 ** DEFAULT_BLIND_INDEX_BITS;
    expect(coincidences).toBeGreaterThanOrEqual(2);
    expect(coincidences).toBeLessThan(Math.sqrt(1e6));
    expect(Math.round(coincidences)).toBe(15);
  });

  it('truncates to the configured number of bits', () => {
    const term = (bits: number) => createBlindIndexer(sodium, fixedKey(1), { bits }).termFor('vehicle', 'AB12CDE')!;
    expect(term(16)).toMatch(/^v:[0-9a-f]{4}$/);
    expect(term(32)).toMatch(/^v:[0-9a-f]{8}$/);
    expect(term(32).startsWith(term(16))).toBe(true);
    const ten = term(10).slice(2);
    expect(ten).toHaveLength(4);
    expect(parseInt(ten, 16) & 0x3f).toBe(0); // the 6 unused low bits are zero
    expect(() => createBlindIndexer(sodium, fixedKey(1), { bits: 4 })).toThrow(/bits/);
    expect(() => createBlindIndexer(sodium, new Uint8Array(16))).toThrow(/32 bytes/);
  });
});

describe('blind indexer', () => {
  const indexer = createBlindIndexer(sodium, fixedKey(1), { bits: 16 });
  const wide = createBlindIndexer(sodium, fixedKey(1), { bits: 32 });

  it('gives one term to values that normalise alike', () => {
    expect(indexer.termFor('vehicle', 'ab12 cde')).toBe(indexer.termFor('vehicle', 'AB12CDE'));
    expect(indexer.termFor('phone', '(020) 7946-0000')).toBe(indexer.termFor('phone', '+44 20 7946 0000'));
    expect(indexer.termFor('postcode', 'sw1a 1aa')).toBe(indexer.termFor('postcode', 'SW1A1AA'));
    expect(indexer.termFor('name', "José  O'Neill")).toBe(indexer.termFor('name', 'jose o neill'));
    expect(wide.termFor('vehicle', 'AB12 CDE')).not.toBe(wide.termFor('vehicle', 'AB12 CDF'));
    expect(indexer.termFor('phone', 'not a phone')).toBeNull();
  });

  it('gives different terms to different kinds, even for equal input', () => {
    const input = '02079460000'; // valid for every kind here
    const terms = KINDS.map((kind) => wide.termFor(kind, input)!);
    expect(new Set(terms).size).toBe(KINDS.length);
    expect(new Set(terms.map((t) => t.split(':')[1])).size).toBe(KINDS.length);
  });

  it('gives different terms under different index keys', () => {
    const other = createBlindIndexer(sodium, fixedKey(2), { bits: 32 });
    for (const kind of KINDS) expect(other.termFor(kind, '02079460000')).not.toBe(wide.termFor(kind, '02079460000'));
  });

  it('uses a key derived per kind with crypto_kdf (context "hotlnidx")', () => {
    const subkey = sodium.crypto_kdf_derive_from_key(32, 1, 'hotlnidx', fixedKey(1));
    const expected = sodium.to_hex(sodium.crypto_generichash(32, 'AB12CDE', subkey).subarray(0, 4));
    expect(wide.termFor('vehicle', 'ab12 cde')).toBe(`v:${expected}`);
  });

  it("indexes a report's searchable fields, deduplicated, and never its plaintext", () => {
    const report = fullReport();
    report.subjects.push({ name: 'ZEBEDEE  quorndon', phone: '020 7946 0000' }); // same as subject 0
    const terms = indexTermsOf(indexer, indexedValuesOf(report)); // the report model's indexed fields (indexed-content.ts)
    const expected = new Set([
      indexer.termFor('name', 'Zebedee Quorndon'),
      indexer.termFor('name', 'Zeb'),
      indexer.termFor('name', 'The Quorn'),
      indexer.termFor('name', "José O'Neill"),
      indexer.termFor('phone', '+44 20 7946 0000'),
      indexer.termFor('vehicle', 'AB12 CDE'),
      indexer.termFor('postcode', 'RM10 8AA'),
    ]);
    expect(terms).toEqual([...expected].sort());
    expect(new Set(terms).size).toBe(terms.length);
    for (const term of terms) expect(term).toMatch(/^(v|ph|pc|n):[0-9a-f]{4}$/);
    const joined = terms.join(' ').toLowerCase();
    for (const plain of ['zebedee', 'quorn', 'ab12', 'rm10', '7946', 'jose']) expect(joined).not.toContain(plain);
  });

  it('does not index the caller (linking callers is what the index key must not allow)', () => {
    const report = fullReport();
    const withoutCaller = { ...report, caller: null };
    expect(indexTermsOf(wide, indexedValuesOf(report))).toEqual(indexTermsOf(wide, indexedValuesOf(withoutCaller)));
  });

  it('confirms candidates by normalised equality', () => {
    expect(indexer.sameNormalised('name', 'José O’Neill', 'JOSE O NEILL')).toBe(true);
    expect(indexer.sameNormalised('phone', '020 7946 0000', '+44 20 7946 0000')).toBe(true);
    expect(indexer.sameNormalised('phone', '020 7946 0000', '020 7946 0001')).toBe(false);
    expect(indexer.sameNormalised('phone', 'unknown', 'unknown')).toBe(false);
    expect(indexer.sameNormalised('vehicle', 'ab12 cde', 'AB12CDE')).toBe(true);
  });
});
