/**
 * Turns a report's plaintext content into the stored shape and back: the
 * same tree with every leaf named in ENCRYPTED_FIELDS replaced by an
 * envelope. Generic over the field list, and strict in both directions: it
 * refuses to store a plaintext leaf the contract does not allow, and refuses
 * to read a plaintext value where an envelope belongs (a downgrade).
 */
import { Binary } from 'mongodb';
import { DecryptionError } from '../errors.js';
import type { AddendumContent, AnswerContent, QuestionContent, ReportContent, ResearchNoteContent } from '../reports/model/content.js';
import { abstractPattern, cloneTree, ContentShapeError, idAddressedArrays, slotsOf, walkLeaves } from './content-paths.js';
import {
  type ContentGroup,
  CONTENT_GROUPS,
  ENCRYPTED_FIELDS,
  type EncryptedFieldSpec,
  groupOf,
  PLAINTEXT_CONTENT_FIELDS,
} from './encrypted-fields.js';
import { type FieldCipher, PAD_BLOCK_LONG, PAD_BLOCK_SHORT } from './field-cipher.js';

/** Replaces string (and string-list) leaves by envelopes, keeping the tree's shape. */
export type Sealed<T> = T extends Date
  ? T
  : T extends string | readonly string[]
  ? Binary
  : T extends readonly (infer U)[]
    ? Sealed<U>[]
    : T extends object
      ? { [K in keyof T]: Sealed<T[K]> }
      : T;

export interface EncryptedNote {
  id: string;
  text: Binary;
}

/** An appended element as stored: its plaintext leaves (encrypted-fields.ts) kept, the rest sealed. */
type SealedElement<T, Plain extends keyof T> = Omit<Sealed<T>, Plain> & Pick<T, Plain>;

/** A report's content as stored in MongoDB. */
export type EncryptedContent = Omit<Sealed<ReportContent>, 'researchNotes' | 'addenda' | 'questions' | 'answers'> & {
  researchNotes: EncryptedNote[];
  addenda?: SealedElement<AddendumContent, 'id' | 'at' | 'source' | 'fingerprint'>[];
  questions?: SealedElement<QuestionContent, 'id' | 'at'>[];
  answers?: SealedElement<AnswerContent, 'id' | 'at'>[];
};

/** What a normal report view decrypts: everything except the caller's identity. */
export type DefaultContentGroup = Exclude<ContentGroup, 'caller'>;
export const DEFAULT_CONTENT_GROUPS: readonly DefaultContentGroup[] = CONTENT_GROUPS.filter(
  (group): group is DefaultContentGroup => group !== 'caller',
);

export interface DecryptOptions<G extends ContentGroup> {
  /** Groups to decrypt; default everything but `caller`. Others are left out of the result. */
  fields?: readonly G[];
}

export interface ReportCodec {
  encryptContent(dataKey: Uint8Array, recordId: string, content: ReportContent): EncryptedContent;
  /**
   * Decrypts the requested groups only. The caller's identity is decrypted
   * only when `fields` names `caller`, so that opening it is always a
   * deliberate (and auditable) act; `fields: CONTENT_GROUPS` opens everything.
   */
  decryptContent<G extends ContentGroup = DefaultContentGroup>(
    dataKey: Uint8Array,
    recordId: string,
    enc: EncryptedContent,
    opts?: DecryptOptions<G>,
  ): Pick<ReportContent, G>;
  /** Encrypts one research note to append to `researchNotes` later. */
  encryptNote(dataKey: Uint8Array, recordId: string, note: ResearchNoteContent): EncryptedNote;
  decryptNote(dataKey: Uint8Array, recordId: string, note: EncryptedNote): ResearchNoteContent;
  /** Encrypts one element of an id-addressed group (a follow-up, a question, an answer) to `$push` onto it. */
  encryptElement<G extends AppendedGroup>(dataKey: Uint8Array, recordId: string, group: G, element: NonNullable<ReportContent[G]>[number]): Record<string, unknown>;
}

const PAD_BLOCKS = { short: PAD_BLOCK_SHORT, long: PAD_BLOCK_LONG } as const;
const ENCRYPTED_PATHS = new Set(ENCRYPTED_FIELDS.map((field) => abstractPattern(field.path)));
const ALLOWED_PLAINTEXT = new Set(PLAINTEXT_CONTENT_FIELDS.map((field) => abstractPattern(field.path)));
const ID_ARRAYS = idAddressedArrays([...ENCRYPTED_FIELDS, ...PLAINTEXT_CONTENT_FIELDS].map((field) => field.path));
/** Groups ReportContent declares optional; the others must be present when read. */
const OPTIONAL_GROUPS: ReadonlySet<ContentGroup> = new Set(['caller', 'partnerReference', 'addenda', 'questions', 'answers', 'callNotes']);
/** Groups whose elements are appended one at a time, each sealed alone (`encryptElement`). */
export type AppendedGroup = 'researchNotes' | 'addenda' | 'questions' | 'answers';
const NOTE_FIELDS = ENCRYPTED_FIELDS.filter((spec) => groupOf(spec.path) === 'researchNotes');

/** Builds the codec over a field cipher. */
export function createReportCodec(cipher: FieldCipher): ReportCodec {
  function seal(dataKey: Uint8Array, recordId: string, tree: Record<string, unknown>, specs: readonly EncryptedFieldSpec[]) {
    const produced = new Set<Binary>();
    for (const spec of specs) {
      for (const slot of slotsOf(tree, spec.path)) {
        const value = slot.parent[slot.key];
        if (value === null || value === undefined) continue;
        const envelope = cipher.encryptField(dataKey, recordId, slot.path, serialise(spec, value, slot.path), PAD_BLOCKS[spec.padding]);
        slot.parent[slot.key] = envelope;
        produced.add(envelope);
      }
    }
    walkLeaves(tree, ID_ARRAYS, (value, path, abstractPath) => {
      if (value === null || value === undefined || ALLOWED_PLAINTEXT.has(abstractPath)) return;
      if (value instanceof Binary && produced.has(value)) return;
      throw new Error(
        `Report content field ${abstractPath} is not in src/crypto/encrypted-fields.ts; refusing to store it (at ${path})`,
      );
    });
  }

  function open(dataKey: Uint8Array, recordId: string, tree: Record<string, unknown>, specs: readonly EncryptedFieldSpec[]) {
    // Checked before decrypting: stored data may only hold envelopes where the
    // contract puts them (a plaintext there fails in decryptField) and the
    // allowed plaintext leaves. Anything else was written around this codec.
    walkLeaves(tree, ID_ARRAYS, (value, path, abstractPath) => {
      if (value === null || value === undefined) return;
      if (ENCRYPTED_PATHS.has(abstractPath) || ALLOWED_PLAINTEXT.has(abstractPath)) return;
      throw new DecryptionError(recordId, path, 'field is not in the encrypted-field list');
    });
    for (const spec of specs) {
      for (const slot of readSlots(recordId, tree, spec.path)) {
        const value = slot.parent[slot.key];
        if (value === null || value === undefined) continue;
        const text = cipher.decryptField(dataKey, recordId, slot.path, value as Binary);
        slot.parent[slot.key] = deserialise(spec, text, recordId, slot.path);
      }
    }
  }

  return {
    encryptContent(dataKey, recordId, content) {
      const tree = cloneTree(content) as unknown as Record<string, unknown>;
      seal(dataKey, recordId, tree, ENCRYPTED_FIELDS);
      return tree as unknown as EncryptedContent;
    },

    decryptContent<G extends ContentGroup = DefaultContentGroup>(
      dataKey: Uint8Array,
      recordId: string,
      enc: EncryptedContent,
      opts?: DecryptOptions<G>,
    ): Pick<ReportContent, G> {
      const groups = new Set<ContentGroup>(opts?.fields ?? DEFAULT_CONTENT_GROUPS);
      const stored = enc as unknown as Record<string, unknown>;
      const tree: Record<string, unknown> = {};
      for (const group of groups) {
        if (stored[group] === undefined) {
          if (!OPTIONAL_GROUPS.has(group)) throw new DecryptionError(recordId, group, 'missing');
          continue;
        }
        tree[group] = cloneTree(stored[group]);
      }
      open(dataKey, recordId, tree, ENCRYPTED_FIELDS.filter((spec) => groups.has(groupOf(spec.path))));
      return tree as Pick<ReportContent, G>;
    },

    encryptNote(dataKey, recordId, note) {
      const tree = { researchNotes: [cloneTree(note)] };
      seal(dataKey, recordId, tree, NOTE_FIELDS);
      return tree.researchNotes[0] as unknown as EncryptedNote;
    },

    decryptNote(dataKey, recordId, note) {
      const tree = { researchNotes: [cloneTree(note)] };
      open(dataKey, recordId, tree, NOTE_FIELDS);
      return tree.researchNotes[0] as unknown as ResearchNoteContent;
    },

    encryptElement(dataKey, recordId, group, element) {
      const tree: Record<string, unknown> = { [group]: [cloneTree(element)] };
      seal(dataKey, recordId, tree, ENCRYPTED_FIELDS.filter((spec) => groupOf(spec.path) === group));
      return (tree[group] as unknown[])[0] as never;
    },
  };
}

/**
 * The AD field paths of every envelope in stored content, sorted: what a
 * reviewer or a test compares against the contract.
 */
export function listEncryptedPaths(enc: EncryptedContent): string[] {
  const paths: string[] = [];
  walkLeaves(enc, ID_ARRAYS, (value, path) => {
    if (value instanceof Binary) paths.push(path);
  });
  return paths.sort();
}

function serialise(spec: EncryptedFieldSpec, value: unknown, path: string): string {
  if (spec.type === 'string') {
    if (typeof value !== 'string') throw new TypeError(`Report content field ${path} must be a string`);
    return value;
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new TypeError(`Report content field ${path} must be a list of strings`);
  }
  return JSON.stringify(value);
}

function deserialise(spec: EncryptedFieldSpec, text: string, recordId: string, path: string): string | string[] {
  if (spec.type === 'string') return text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DecryptionError(recordId, path, 'invalid list encoding');
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new DecryptionError(recordId, path, 'invalid list encoding');
  }
  return value;
}

/** Slots of stored data; a stored document of the wrong shape is an integrity failure. */
function* readSlots(recordId: string, tree: Record<string, unknown>, pattern: string) {
  try {
    yield* slotsOf(tree, pattern);
  } catch (error) {
    if (error instanceof ContentShapeError) throw new DecryptionError(recordId, error.path, error.reason);
    throw error;
  }
}
