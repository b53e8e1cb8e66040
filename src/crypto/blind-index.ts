/**
 * Blind indexes: equality search over encrypted fields without decrypting
 * every report. A value is normalised, hashed with a key derived per index
 * kind, and truncated to a few bits so that each term matches many records
 * (CipherSweet's design). A match is therefore only a candidate: decrypt it
 * and confirm with {@link BlindIndexer.sameNormalised} before linking.
 *
 * Generic over what is indexed: which fields of a report feed which kind is
 * the report model's (src/reports/model/indexed-content.ts).
 *
 * Phone numbers and plates have small input spaces: anyone holding the index
 * key can brute-force terms. Keep the key apart from the database and never
 * expose terms through the API.
 */
import anyAscii from 'any-ascii';
import { doubleMetaphone } from 'double-metaphone';
import { KEY_BYTES } from './keyring.js';
import type { Sodium } from './sodium.js';

/**
 * Applies `step` until the value stops changing (a few rounds at most): a
 * normaliser must give the same term for its own output, or a value typed
 * twice would index differently. One round is not always enough: removing a
 * separator can bring two conjoining Hangul jamo together, which the next
 * NFKC composes into one syllable (found by the property test).
 */
function settled(value: string, step: (v: string) => string): string {
  let current = step(value);
  for (let round = 0; round < 4; round++) {
    const next = step(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

const alphanumericUpper = (v: string) => v.normalize('NFKC').toUpperCase().replace(/[^\p{L}\p{N}]/gu, '');

/** Upper-case, and keep only letters and digits: `ab12 cde` → `AB12CDE`. */
export function normaliseRegistration(value: string): string | null {
  return settled(value, alphanumericUpper) || null;
}

/** Upper-case without spaces or punctuation: `sw1a 1aa` → `SW1A1AA`. */
export function normalisePostcode(value: string): string | null {
  return settled(value, alphanumericUpper) || null;
}

/**
 * Case- and accent-folded, punctuation and runs of spaces collapsed to one
 * space: `José  O'Neill` → `jose o neill`.
 */
export function normaliseName(value: string): string | null {
  const fold = (v: string) =>
    v
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim();
  return settled(value, fold) || null;
}

/**
 * A name in Latin letters, for the phonetic codes only (exact terms keep the
 * script the name was written in). `any-ascii` (Hunter WB's, kept up to date
 * with Unicode) was chosen over `@sindresorhus/transliterate`: both give
 * Arabic, Urdu and Cyrillic the same letters (محمد → mhmd, Мухаммед →
 * Mukhammed), but the latter leaves Bengali, Gujarati and Hebrew untouched
 * (মোহাম্মদ stays Bengali; any-ascii gives mohammd), so those names could
 * never meet a Latin spelling. A Hebrew kaf opening a word is the plosive k
 * (כהן → khn, not khhn): said here, since any-ascii writes every kaf `kh`.
 */
export function transliterateName(value: string): string {
  return anyAscii(value.normalize('NFC').replace(/(^|[^\p{L}])\u05DB/gu, '$1k'));
}

/** Letters of a script other than Latin: such a name meets Latin spellings by its consonant skeleton too. */
const NON_LATIN_LETTER = /(?!\p{Script=Latin})\p{L}/u;

/** Does the name hold letters of another script than Latin (Arabic, Hebrew, Cyrillic, Bengali…)? */
export const isNonLatinName = (value: string) => NON_LATIN_LETTER.test(value);

/**
 * The consonant skeleton of one transliterated word. Arabic and Hebrew are
 * written without most vowels (محمد → mhmd), so their transliteration and a
 * Latin spelling (Mohammed) share only their consonants: vowels go, so do
 * w, v and y inside a word (the letters و ו ي also write vowels), a final h
 * after a consonant (ة: فاطمة → ftmh, Fatima), marks of ayin and hamza, and
 * doubled letters; kh, gh, ph, th, dh, q and c take one spelling.
 */
function skeletonOf(word: string): string {
  const digraphs = (w: string) => w.replace(/kh/g, 'h').replace(/gh/g, 'g').replace(/ph/g, 'f').replace(/th/g, 't').replace(/dh/g, 'd');
  let w = digraphs(word.toLowerCase().replace(/[^a-z]/g, '').replace(/ck/g, 'k').replace(/q/g, 'k').replace(/c/g, 'k'));
  if (!w) return '';
  w = w[0] + w.slice(1).replace(/[aeiouwvy]/g, '');
  w = digraphs(w.replace(/^[aeiou]/, ''));
  if (w.length > 2) w = w.replace(/([^sk])h$/, '$1');
  return w.replace(/(.)\1+/g, '$1');
}

/**
 * The skeleton code of a name (`~` then each word's skeleton): a second
 * phonetic code, which confirms a match only when one of the two names is
 * written in another script than Latin (see `samePhonetic`): between two
 * Latin spellings it is too loose (Ahmed and Hamid share `hmd`). Compared
 * as is; filed and looked up under its script's code (`scriptedSkeletonCode`).
 */
export function skeletonCode(value: string): string | null {
  const words = (normaliseName(transliterateName(value)) ?? '').split(' ').map(skeletonOf).filter(Boolean);
  return words.length ? `~${words.join(' ')}` : null;
}

/**
 * The code a name's skeleton is filed under: `~L:` then the skeleton for a
 * name in Latin letters only, `~N:` for one with letters of another script
 * (`isNonLatinName`). Since a skeleton confirms only when one of the two
 * names is not Latin, a Latin name looks up only the `~N:` code and a
 * non-Latin one both (`skeletonLookupCodes`): a Latin search or link does
 * not read the Latin names that share its skeleton (Hamid for Ahmed), which
 * could never confirm and would cost a decryption and an audited read each;
 * the one exception is a name with no Double Metaphone code ("H"), which
 * looks up its own `~L:` code too (`lookupCodesOf`, below).
 * Up to store migration 3 a skeleton was filed as the bare `~` code, of any
 * script; migration 4 (src/migrations/0004-skeleton-scripts.ts) files the
 * scripted codes and removes those (`retiredSkeletonTermsFor`).
 */
export function scriptedSkeletonCode(value: string): string | null {
  const skeleton = skeletonCode(value);
  return skeleton && `${isNonLatinName(value) ? '~N:' : '~L:'}${skeleton.slice(1)}`;
}

/** The skeleton codes a name looks up: those of the names its skeleton may confirm against (`scriptedSkeletonCode`). */
export function skeletonLookupCodes(value: string): string[] {
  const skeleton = skeletonCode(value);
  if (!skeleton) return [];
  const bare = skeleton.slice(1);
  return isNonLatinName(value) ? [`~N:${bare}`, `~L:${bare}`] : [`~N:${bare}`];
}

/**
 * The Double Metaphone codes of a name (wooorm's `double-metaphone`, the
 * maintained ESM port of Lawrence Philips' algorithm), after transliteration
 * (`transliterateName`): each word of the normalised name coded, the words'
 * primary codes joined, then their alternate codes joined; one or two
 * distinct codes, so `Mohammed`, `Muhammad`, `Mohamed` and Bengali মোহাম্মদ
 * all give `MHMT`. Empty for a name with no codable word.
 */
export function phoneticCodes(value: string): string[] {
  const words = (normaliseName(transliterateName(value)) ?? '').split(' ').map((w) => doubleMetaphone(w)).filter(([primary]) => primary);
  if (!words.length) return [];
  return [...new Set([words.map(([p]) => p).join(' '), words.map(([p, alt]) => alt || p).join(' ')])];
}

/** The words of a name worth filing alone (its parts): normalised, two letters or more, each once. */
export function nameParts(value: string): string[] {
  const words = (normaliseName(value) ?? '').split(' ').filter((w) => [...w].length >= 2);
  return words.length > 1 ? [...new Set(words)] : [];
}

/** The primary phonetic code of a name (the phonetic index kind's normal form). */
export function normaliseNamePhonetic(value: string): string | null {
  return phoneticCodes(value)[0] ?? null;
}

/**
 * One canonical form per telephone number. UK numbers in any usual writing
 * (`020 7946 0000`, `+44 (0)20 7946 0000`, `0044 20 7946 0000`, `02079460000`)
 * become `+442079460000`; other international numbers become `+<digits>`; a
 * local number without area code keeps its digits. Anything with letters,
 * fewer than 7 or more than 15 digits, or an impossible UK length is null.
 */
export function normaliseUkPhone(value: string): string | null {
  const text = value.normalize('NFKC').trim();
  if (!/^\+?[\d\s().\-/]+$/.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  const international = text.startsWith('+') ? digits : digits.startsWith('00') ? digits.slice(2) : null;
  if (international !== null) {
    if (international.startsWith('44')) return ukNumber(international.slice(2));
    return /^[1-9]\d{6,14}$/.test(international) ? `+${international}` : null;
  }
  if (digits.startsWith('0')) return ukNumber(digits.slice(1));
  if (digits.length === 12 && digits.startsWith('44')) return ukNumber(digits.slice(2));
  return /^\d{7,15}$/.test(digits) ? digits : null;
}

/** A UK national significant number (after +44 or the trunk 0) has 9 or 10 digits. */
function ukNumber(national: string): string | null {
  const significant = national.startsWith('0') ? national.slice(1) : national; // "+44 (0)20 …"
  return /^[1-9]\d{8,9}$/.test(significant) ? `+44${significant}` : null;
}

/**
 * The index kinds. `subkeyId` selects the per-kind key derived from the index
 * root key (never reuse or renumber one: stored terms would stop matching);
 * `prefix` names the kind inside the one `bidx` array field.
 */
export const INDEX_KINDS = {
  vehicle: { subkeyId: 1, prefix: 'v', normalise: normaliseRegistration },
  phone: { subkeyId: 2, prefix: 'ph', normalise: normaliseUkPhone },
  postcode: { subkeyId: 3, prefix: 'pc', normalise: normalisePostcode },
  name: { subkeyId: 4, prefix: 'n', normalise: normaliseName },
  /**
   * Name variants (search, and linking when it asks): the name's Double
   * Metaphone codes, and its consonant skeleton under its script's code
   * (`scriptedSkeletonCode`). No encrypted field names this kind, so it never enters
   * `bidx`: its terms are filed only in the search table (reports/store/search-index.ts).
   */
  namePhonetic: { subkeyId: 5, prefix: 'np', normalise: normaliseNamePhonetic },
  /**
   * One word of a name of two words or more (`nameParts`), exact: a surname
   * alone finds "Ahmed Rashid". Like `namePhonetic`, filed only in the search
   * table, never in `bidx`.
   */
  namePart: { subkeyId: 6, prefix: 'nw', normalise: (value: string) => normaliseName(value)?.replace(/ /g, '') || null },
  /** One word of a name, by sound (its Double Metaphone codes and its skeleton under its script's code): a given name with a typo ("Tarek" finds "Tarik Hasan"). Search table only. */
  namePartPhonetic: { subkeyId: 7, prefix: 'nwp', normalise: normaliseNamePhonetic },
} as const satisfies Record<string, { subkeyId: number; prefix: string; normalise: (value: string) => string | null }>;

export type IndexKind = keyof typeof INDEX_KINDS;

const KIND_OF_PREFIX = new Map<string, IndexKind>(Object.entries(INDEX_KINDS).map(([kind, spec]) => [spec.prefix, kind as IndexKind]));
/** The kind a term was made for, read from its prefix (`v:3fa2` → vehicle); undefined for a term of no kind. */
export const kindOfTerm = (term: string): IndexKind | undefined => KIND_OF_PREFIX.get(term.slice(0, term.indexOf(':')));

/** crypto_kdf contexts are exactly 8 bytes. */
const KDF_CONTEXT = 'hotlnidx';

/**
 * Default term length. CipherSweet's rule for R records over the system's
 * life: 2 ≤ R / 2^L < √R. For R = 10^6, L ∈ [10, 18]; L = 16 gives
 * 10^6 / 65 536 ≈ 15 coincidental matches per term: enough to hide which
 * record holds a value, few enough that confirming candidates is cheap.
 */
export const DEFAULT_BLIND_INDEX_BITS = 16;

/** The range of term lengths CipherSweet's rule allows for `records` values over the system's life. */
export function blindIndexBitsRange(records: number): { min: number; max: number } {
  let min = 1;
  while (2 ** min <= Math.sqrt(records)) min++;
  let max = min;
  while (records / 2 ** (max + 1) >= 2) max++;
  return { min, max };
}

export interface BlindIndexer {
  readonly bits: number;
  /** The term for one value (e.g. `v:3fa2`), or null if it does not normalise. */
  termFor(kind: IndexKind, value: string): string | null;
  /** Confirms a candidate: do two plaintexts normalise to the same value? */
  sameNormalised(kind: IndexKind, a: string, b: string): boolean;
  /**
   * The phonetic terms a name is FILED under: its primary and alternate Double Metaphone codes, and its skeleton
   * under its script's code (`scriptedSkeletonCode`). Searching or linking from a name walks `phoneticLookupTermsFor`.
   */
  phoneticTermsFor(name: string): string[];
  /**
   * The phonetic terms a name LOOKS UP (search, possible links): its Double Metaphone codes, and only the skeleton
   * codes its skeleton may confirm against (`skeletonLookupCodes`: a Latin name, the non-Latin code alone).
   */
  phoneticLookupTermsFor(name: string): string[];
  /**
   * The bare `~` skeleton terms store migrations 2 and 3 filed a name under (full name and parts), no longer
   * filed nor looked up: what store migration 4 removes from a report's filing.
   */
  retiredSkeletonTermsFor(name: string): string[];
  /** Confirms a phonetic candidate: do two names share a Double Metaphone code (or, one of them in another script than Latin, their consonant skeleton)? */
  samePhonetic(a: string, b: string): boolean;
  /** The part terms of a name (`nameParts`): each word exact, and each word by sound. Empty for a one-word name (its full-name terms already say it). */
  namePartTermsFor(name: string): { exact: string[]; phonetic: string[] };
  /** The terms a one-word query looks up as a part of longer names, by sound as `phoneticLookupTermsFor` (empty for a query of several words: those are full names). */
  partQueryTermsFor(word: string): { exact: string[]; phonetic: string[] };
  /** How a one-word query meets one of a name's parts: exactly, by sound, or not at all. */
  partMatch(name: string, word: string): 'EXACT' | 'PHONETIC' | null;
}

/** Builds the indexer: derives one key per kind from the index root key. */
export function createBlindIndexer(sodium: Sodium, indexKey: Uint8Array, options: { bits?: number } = {}): BlindIndexer {
  const bits = options.bits ?? DEFAULT_BLIND_INDEX_BITS;
  if (!Number.isInteger(bits) || bits < 8 || bits > 32) throw new Error('Blind index bits must be an integer from 8 to 32');
  if (indexKey.length !== KEY_BYTES) throw new Error(`indexKey must be exactly ${KEY_BYTES} bytes`);
  const subkeys = new Map<IndexKind, Uint8Array>();
  for (const [kind, spec] of Object.entries(INDEX_KINDS) as [IndexKind, (typeof INDEX_KINDS)[IndexKind]][]) {
    subkeys.set(kind, sodium.crypto_kdf_derive_from_key(KEY_BYTES, spec.subkeyId, KDF_CONTEXT, indexKey));
  }
  const utf8 = new TextEncoder();

  function hashed(kind: IndexKind, normalised: string): string {
    const digest = sodium.crypto_generichash(32, utf8.encode(normalised), subkeys.get(kind)!);
    return `${INDEX_KINDS[kind].prefix}:${truncatedHex(sodium, digest, bits)}`;
  }

  function termFor(kind: IndexKind, value: string): string | null {
    const normalised = INDEX_KINDS[kind].normalise(value);
    return normalised === null ? null : hashed(kind, normalised);
  }

  /** A name's codes it is filed under: Double Metaphone, then the consonant skeleton under its script's code. */
  const codesOf = (name: string) => {
    const skeleton = scriptedSkeletonCode(name);
    return skeleton ? [...phoneticCodes(name), skeleton] : phoneticCodes(name);
  };
  /**
   * A name's codes it looks up: Double Metaphone, then the skeleton codes it may confirm against. A name with no
   * Double Metaphone code ("H": the letters DM leaves silent) looks up its own skeleton code too, since search walks
   * a name's phonetic terms in place of its exact term and must find the same name there.
   */
  const lookupCodesOf = (name: string) => {
    const codes = phoneticCodes(name);
    const own = scriptedSkeletonCode(name);
    return [...new Set([...codes, ...skeletonLookupCodes(name), ...(!codes.length && own ? [own] : [])])];
  };
  const phoneticTermsFor = (name: string) => codesOf(name).map((code) => hashed('namePhonetic', code));
  const samePhonetic = (a: string, b: string) =>
    phoneticCodes(a).some((code) => phoneticCodes(b).includes(code)) || ((isNonLatinName(a) || isNonLatinName(b)) && !!skeletonCode(a) && skeletonCode(a) === skeletonCode(b));
  const wordTerms = (words: string[], codes: (word: string) => string[]) => ({
    exact: [...new Set(words.map((w) => hashed('namePart', w)))],
    phonetic: [...new Set(words.flatMap((w) => codes(w).map((code) => hashed('namePartPhonetic', code))))],
  });
  /** The bare skeleton code of up to migration 3, of the name and of each of its parts. */
  const bareSkeleton = (value: string) => {
    const code = skeletonCode(value);
    return code ? [code] : [];
  };
  const retiredSkeletonTermsFor = (name: string) => [
    ...new Set([...bareSkeleton(name).map((code) => hashed('namePhonetic', code)), ...nameParts(name).flatMap((w) => bareSkeleton(w).map((code) => hashed('namePartPhonetic', code)))]),
  ];
  const singleWord = (word: string) => {
    const normalised = normaliseName(word) ?? '';
    return normalised && !normalised.includes(' ') && [...normalised].length >= 2 ? normalised : null;
  };

  return {
    bits,
    termFor,
    phoneticTermsFor,
    phoneticLookupTermsFor: (name) => lookupCodesOf(name).map((code) => hashed('namePhonetic', code)),
    retiredSkeletonTermsFor,
    samePhonetic,
    namePartTermsFor: (name) => wordTerms(nameParts(name), codesOf),
    partQueryTermsFor(word) {
      const one = singleWord(word);
      return one ? wordTerms([one], lookupCodesOf) : { exact: [], phonetic: [] };
    },
    partMatch(name, word) {
      const one = singleWord(word);
      if (!one) return null;
      const parts = nameParts(name);
      if (parts.includes(one)) return 'EXACT';
      return parts.some((part) => samePhonetic(part, one)) ? 'PHONETIC' : null;
    },
    sameNormalised(kind, a, b) {
      const normalise = INDEX_KINDS[kind].normalise;
      const left = normalise(a);
      return left !== null && left === normalise(b);
    },
  };
}

/** The first `bits` bits of `digest`, in hex (unused low bits of the last byte zeroed). */
function truncatedHex(sodium: Sodium, digest: Uint8Array, bits: number): string {
  const bytes = new Uint8Array(digest.subarray(0, Math.ceil(bits / 8)));
  const spare = bytes.length * 8 - bits;
  if (spare > 0) bytes[bytes.length - 1]! &= (0xff << spare) & 0xff;
  return sodium.to_hex(bytes);
}
