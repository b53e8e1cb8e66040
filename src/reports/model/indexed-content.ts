/**
 * Which parts of a report are blind-indexed, and the terms they give: the
 * fields marked `blindIndex` in encrypted-fields.ts, read through the
 * generic indexer of src/crypto/blind-index.ts. The terms stored in `bidx`,
 * the terms the search table files a report under and the values linking
 * and search compare all come from `indexedValuesOf`, so they cannot
 * disagree on what is indexed.
 */
import type { BlindIndexer, IndexKind } from '../../crypto/blind-index.js';
import { INDEX_KINDS } from '../../crypto/blind-index.js';
import type { ReportContent } from './content.js';
import { slotsOf } from './content-paths.js';
import { ENCRYPTED_FIELDS, groupOf, type ContentGroup, type EncryptedFieldSpec } from './encrypted-fields.js';

/** The encrypted fields that feed a blind index (marked in encrypted-fields.ts): what links reports. */
export const INDEXED_FIELDS = ENCRYPTED_FIELDS.filter((spec): spec is EncryptedFieldSpec & { blindIndex: IndexKind } => !!spec.blindIndex);

/** The content groups holding an indexed field: all that confirming a link needs decrypted. */
export const INDEXED_GROUPS: readonly ContentGroup[] = [...new Set(INDEXED_FIELDS.map((spec) => groupOf(spec.path)))];

/** The plaintext values of a report's indexed fields, by index kind. */
export type IndexedValues = Record<IndexKind, string[]>;

/**
 * The plaintext values of every indexed field, by kind (empty and non-string
 * values left out). Both the terms stored in `bidx` and the comparison that
 * confirms a link read this, so the two cannot disagree on what is indexed.
 * `content` may hold only INDEXED_GROUPS (a partial decryption).
 */
export function indexedValuesOf(content: Partial<ReportContent>): IndexedValues {
  const values = Object.fromEntries(Object.keys(INDEX_KINDS).map((kind) => [kind, [] as string[]])) as IndexedValues;
  for (const spec of INDEXED_FIELDS) {
    for (const slot of slotsOf(content as Record<string, unknown>, spec.path)) {
      const value = slot.parent[slot.key];
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item === 'string' && item) values[spec.blindIndex].push(item);
      }
    }
  }
  return values;
}

/** Every term of a report's indexed values under `indexer` (deduplicated, sorted): what goes into `bidx`. */
export function indexTermsOf(indexer: Pick<BlindIndexer, 'termFor'>, values: IndexedValues): string[] {
  const terms = new Set<string>();
  for (const [kind, list] of Object.entries(values) as [IndexKind, string[]][]) {
    for (const value of list) {
      const term = indexer.termFor(kind, value);
      if (term) terms.add(term);
    }
  }
  return [...terms].sort();
}

/**
 * What the search table files a report under: its `bidx` terms, the phonetic
 * terms of its names, and the terms of each part of its names (each word
 * exact and by sound), sorted. Filing terms: a query looks up its own
 * (`phoneticLookupTermsFor`, `partQueryTermsFor`), which differ in the
 * skeleton code (crypto/blind-index.ts `scriptedSkeletonCode`).
 */
export function searchTermsOf(indexer: Pick<BlindIndexer, 'termFor' | 'phoneticTermsFor' | 'namePartTermsFor'>, values: IndexedValues): string[] {
  const parts = values.name.map((name) => indexer.namePartTermsFor(name));
  return [
    ...new Set([...indexTermsOf(indexer, values), ...values.name.flatMap((name) => indexer.phoneticTermsFor(name)), ...parts.flatMap((p) => [...p.exact, ...p.phonetic])]),
  ].sort();
}
