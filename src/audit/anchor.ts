/**
 * Checkpoints of the audit chain kept outside the database: a checkpoint says
 * "the chain verified up to entry `seq`, whose hash was `hash`", signed with
 * the Ed25519 key derived from HOTLINE_AUDIT_KEY, and appended as one JSON
 * line to a file in HOTLINE_AUDIT_ANCHOR_DIR (one file per UTC day, opened
 * for append, synced, never rewritten), so a copy can be shipped to WORM
 * storage. A database writer can delete the tail of the chain or rebuild it,
 * but not the lines already written (or shipped): verification compares the
 * chain with them (`compareWithCheckpoints`).
 */
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Integrity } from '../crypto/integrity.js';
import type { Sodium } from '../crypto/sodium.js';
import { canonicalJson } from './canonical.js';

/** What a checkpoint attests. `count` is the number of entries (the chain is contiguous from 1, so it equals `seq`). */
export interface Checkpoint {
  seq: number;
  hash: string;
  count: number;
  /** ISO time the checkpoint was taken. */
  at: string;
  /** The audit key whose signing key signed it. */
  keyId: string;
}

export interface SignedCheckpoint extends Checkpoint {
  /** Ed25519 detached signature (base64) over SIGNED_PREFIX + canonicalJson(checkpoint). */
  sig: string;
}

export type AnchorState = 'OK' | 'TRUNCATED' | 'REWRITTEN' | 'NONE';

/** The chain compared with the checkpoints. `anchorSeq`/`anchoredAt`: the latest checkpoint whose signature verifies. */
export interface AnchorCheck {
  anchor: AnchorState;
  anchorSeq: number | null;
  anchoredAt: Date | null;
  /** The first entry that differs from what the checkpoints attest (missing or rewritten), or null. */
  firstDifference: number | null;
  reason: string | null;
}

/** Domain separation: a signature made here never verifies as anything else. */
const SIGNED_PREFIX = 'hotline-audit-checkpoint/1\n';
const FILE_PATTERN = /^checkpoints-\d{4}-\d{2}-\d{2}\.jsonl$/;

/** The anchor directory cannot be used; the message names the failure, never the path or a secret. */
export class AnchorDirError extends Error {
  constructor(readonly code: string) {
    super(`the audit anchor directory (HOTLINE_AUDIT_ANCHOR_DIR) cannot be written (${code})`);
    this.name = 'AnchorDirError';
  }
}

export type AnchorStore = ReturnType<typeof createAnchorStore>;

/** Reads and appends the checkpoints of one deployment's anchor directory. */
export function createAnchorStore(deps: { dir: string; sodium: Sodium; integrity: Pick<Integrity, 'keyId' | 'signing' | 'verifyingKeys'> }) {
  const { dir, sodium, integrity } = deps;
  const message = (cp: Checkpoint) =>
    SIGNED_PREFIX + canonicalJson({ seq: cp.seq, hash: cp.hash, count: cp.count, at: cp.at, keyId: cp.keyId });

  /** The checkpoint in `line` when it parses and its signature verifies under our public key, else null. */
  function parseLine(line: string): SignedCheckpoint | null {
    try {
      const cp = JSON.parse(line) as SignedCheckpoint;
      if (!Number.isSafeInteger(cp.seq) || cp.seq < 1 || typeof cp.hash !== 'string' || typeof cp.sig !== 'string') return null;
      const sig = sodium.from_base64(cp.sig, sodium.base64_variants.ORIGINAL);
      // Checkpoints written before an audit-key rotation verify under the previous key's signing key.
      const ok = integrity.verifyingKeys.some((publicKey) => sodium.crypto_sign_verify_detached(sig, message(cp), publicKey));
      return ok ? { seq: cp.seq, hash: cp.hash, count: cp.count, at: cp.at, keyId: cp.keyId, sig: cp.sig } : null;
    } catch {
      return null;
    }
  }

  /** Creates the directory if needed and checks it can be written; throws AnchorDirError saying why not. */
  async function checkWritable(): Promise<void> {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await access(dir, constants.W_OK);
    } catch (err) {
      throw new AnchorDirError((err as NodeJS.ErrnoException).code ?? 'unknown error');
    }
  }

  return {
    checkWritable,
    parseLine,

    /** Signs `cp` and appends it as one line to today's file (append-only, synced). */
    async append(cp: Omit<Checkpoint, 'keyId'>): Promise<SignedCheckpoint> {
      const full: Checkpoint = { ...cp, keyId: integrity.keyId };
      const sig = sodium.to_base64(sodium.crypto_sign_detached(message(full), integrity.signing.privateKey), sodium.base64_variants.ORIGINAL);
      const signed: SignedCheckpoint = { ...full, sig };
      await checkWritable();
      const file = await open(join(dir, `checkpoints-${cp.at.slice(0, 10)}.jsonl`), 'a', 0o600);
      try {
        await file.write(`${JSON.stringify(signed)}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      return signed;
    },

    /**
     * Every checkpoint whose signature verifies, by seq; lines that do not
     * verify (another key, edited, torn) are counted, not trusted. A missing
     * directory holds no checkpoints.
     */
    async read(): Promise<{ checkpoints: SignedCheckpoint[]; rejected: number }> {
      let names: string[];
      try {
        names = (await readdir(dir)).filter((n) => FILE_PATTERN.test(n)).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoints: [], rejected: 0 };
        throw err;
      }
      const checkpoints: SignedCheckpoint[] = [];
      let rejected = 0;
      for (const name of names) {
        for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) {
          if (!line.trim()) continue;
          const cp = parseLine(line);
          if (cp) checkpoints.push(cp);
          else rejected++;
        }
      }
      checkpoints.sort((a, b) => a.seq - b.seq || a.at.localeCompare(b.at));
      return { checkpoints, rejected };
    },
  };
}

/**
 * Compares the chain as stored with the checkpoints (ascending seq):
 * `storedHashAt` gives the hash stored at a checkpoint's position (undefined
 * when no entry is there); `chain` is the keyed verification's verdict.
 * TRUNCATED: a checkpoint's entry is gone (the chain is shorter than it
 * says); REWRITTEN: the entry there has another hash. The first entry that
 * differs is the first that fails keyed verification when that comes first;
 * otherwise (a rewrite by someone holding the key) the first after the last
 * checkpoint that still matches: the checkpoints bound where the rewrite starts.
 */
export function compareWithCheckpoints(
  checkpoints: readonly SignedCheckpoint[],
  storedHashAt: (seq: number) => string | undefined,
  chain: { length: number; brokenAt: number | null },
): AnchorCheck {
  const latest = checkpoints.at(-1);
  if (!latest) return { anchor: 'NONE', anchorSeq: null, anchoredAt: null, firstDifference: null, reason: null };
  const base = { anchorSeq: latest.seq, anchoredAt: new Date(latest.at) };
  let lastGood = 0;
  let firstBad: SignedCheckpoint | null = null;
  let rewritten = false;
  for (const cp of checkpoints) {
    const stored = storedHashAt(cp.seq);
    if (stored === cp.hash) {
      if (!firstBad) lastGood = cp.seq;
      continue;
    }
    firstBad ??= cp;
    if (stored !== undefined) rewritten = true;
  }
  if (!firstBad) return { anchor: 'OK', ...base, firstDifference: null, reason: null };
  const bound = rewritten ? lastGood + 1 : chain.length + 1;
  const firstDifference = chain.brokenAt !== null && chain.brokenAt >= 1 && chain.brokenAt <= firstBad.seq ? chain.brokenAt : bound;
  const named = `the checkpoint of ${firstBad.at} (seq ${firstBad.seq})`;
  const reason = rewritten
    ? `entry ${firstBad.seq} differs from ${named}: the chain was rewritten; the first entry that differs is seq ${firstDifference}`
    : `the chain is shorter than ${named} says: entries from seq ${firstDifference} are missing`;
  return { anchor: rewritten ? 'REWRITTEN' : 'TRUNCATED', ...base, firstDifference, reason };
}
