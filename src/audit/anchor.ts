/**
 * What is kept of the audit chain outside the database, in
 * HOTLINE_AUDIT_ANCHOR_DIR, signed with the Ed25519 key derived from
 * HOTLINE_AUDIT_KEY, as JSON lines appended to files that are opened for
 * append, synced and never rewritten (so copies can be shipped to WORM
 * storage):
 *
 * - checkpoints (`checkpoints-<day>.jsonl`): "the chain verified up to entry
 *   `seq`, whose hash was `hash`", written by the worker every
 *   AUDIT_CHECKPOINT_MINUTES and by `audit:checkpoint`;
 * - signed tips (`tips-<day>-<writer>.jsonl`, one file per writing process
 *   and UTC day): "this process appended up to entry `seq`, whose hash was
 *   `hash`", one line per group commit, synced before the appends it covers
 *   are reported written. They close the window after the last checkpoint:
 *   a tail cut (entries and their tips in the database) contradicts them.
 *   They carry no time (the chain's order must not time partner events).
 *
 * A database writer can delete the tail of the chain or rebuild it, but not
 * the lines already written (or shipped): verification compares the chain
 * with them (`compareWithCheckpoints`), and a process compares the chain's
 * end with them before it appends after it (audit/service.ts).
 */
import { constants } from 'node:fs';
import { hostname } from 'node:os';
import { access, mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Integrity } from '../crypto/integrity.js';
import type { Sodium } from '../crypto/sodium.js';
import { canonicalJson } from '../crypto/canonical.js';

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

/** One line of a writer's tip file: the chain end after one of its group commits. */
export interface SignedTip {
  seq: number;
  hash: string;
  keyId: string;
  /** The process that wrote it (host and pid), also in its file's name. */
  writer: string;
  /** Ed25519 detached signature (base64) over TIP_PREFIX + canonicalJson({ seq, hash, keyId, writer }). */
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
/** A tip's signature never verifies as a checkpoint's, nor the other way round. */
const TIP_PREFIX = 'hotline-audit-tip/1\n';
const TIP_FILE_PATTERN = /^tips-(\d{4}-\d{2}-\d{2})-[A-Za-z0-9._-]+\.jsonl$/;
const DAY_MS = 86_400_000;

/** This process's name in tip files: host and pid (characters safe in a file name). */
function defaultWriterId(): string {
  return `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The anchor directory cannot be used; the message names the failure, never the path or a secret. */
export class AnchorDirError extends Error {
  constructor(readonly code: string) {
    super(`the audit anchor directory (HOTLINE_AUDIT_ANCHOR_DIR) cannot be written (${code})`);
    this.name = 'AnchorDirError';
  }
}

export type AnchorStore = ReturnType<typeof createAnchorStore>;

/** Reads and appends the checkpoints of one deployment's anchor directory. */
export function createAnchorStore(deps: { dir: string; sodium: Sodium; integrity: Pick<Integrity, 'keyId' | 'signing' | 'verifyingKeys'>; writer?: string }) {
  const { dir, sodium, integrity } = deps;
  const writer = (deps.writer ?? defaultWriterId()).replace(/[^A-Za-z0-9._-]/g, '_');
  const message = (cp: Checkpoint) =>
    SIGNED_PREFIX + canonicalJson({ seq: cp.seq, hash: cp.hash, count: cp.count, at: cp.at, keyId: cp.keyId });
  const tipMessage = (t: Omit<SignedTip, 'sig'>) => TIP_PREFIX + canonicalJson({ seq: t.seq, hash: t.hash, keyId: t.keyId, writer: t.writer });
  const sign = (text: string) => sodium.to_base64(sodium.crypto_sign_detached(text, integrity.signing.privateKey), sodium.base64_variants.ORIGINAL);
  const verifies = (sig: string, text: string) => {
    const bytes = sodium.from_base64(sig, sodium.base64_variants.ORIGINAL);
    // Lines written before an audit-key rotation verify under the previous key's signing key.
    return integrity.verifyingKeys.some((publicKey) => sodium.crypto_sign_verify_detached(bytes, text, publicKey));
  };

  /** The tip in `line` when it parses and its signature verifies, else null. */
  function parseTip(line: string): SignedTip | null {
    try {
      const t = JSON.parse(line) as SignedTip;
      if (!Number.isSafeInteger(t.seq) || t.seq < 1 || typeof t.hash !== 'string' || typeof t.sig !== 'string' || typeof t.writer !== 'string') return null;
      const tip = { seq: t.seq, hash: t.hash, keyId: t.keyId, writer: t.writer };
      return verifies(t.sig, tipMessage(tip)) ? { ...tip, sig: t.sig } : null;
    } catch {
      return null;
    }
  }

  /**
   * Appends one line to `name` and syncs it before returning: a signed tip on
   * every audit group commit, a checkpoint when one is taken. The open itself
   * tells a missing or read-only directory, so no probe comes before it.
   */
  async function appendLine(name: string, line: string): Promise<void> {
    const openForAppend = () => open(join(dir, name), 'a', 0o600);
    const file = await openForAppend().catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw new AnchorDirError(err.code ?? 'unknown error');
      await checkWritable(); // the directory is not there yet: made once, then opened again
      return openForAppend().catch((again: NodeJS.ErrnoException) => {
        throw new AnchorDirError(again.code ?? 'unknown error');
      });
    });
    try {
      await file.write(`${line}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  /** The tip files (name and day), oldest day first; none when the directory does not exist. */
  async function tipFiles(): Promise<{ name: string; day: string }[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.flatMap((name) => {
      const day = TIP_FILE_PATTERN.exec(name)?.[1];
      return day ? [{ name, day }] : [];
    }).sort((a, b) => a.day.localeCompare(b.day) || a.name.localeCompare(b.name));
  }

  /** The checkpoint in `line` when it parses and its signature verifies under our public key, else null. */
  function parseLine(line: string): SignedCheckpoint | null {
    try {
      const cp = JSON.parse(line) as SignedCheckpoint;
      if (!Number.isSafeInteger(cp.seq) || cp.seq < 1 || typeof cp.hash !== 'string' || typeof cp.sig !== 'string') return null;
      return verifies(cp.sig, message(cp)) ? { seq: cp.seq, hash: cp.hash, count: cp.count, at: cp.at, keyId: cp.keyId, sig: cp.sig } : null;
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
    parseTip,
    writer,

    /** Signs `cp` and appends it as one line to today's file (append-only, synced). */
    async append(cp: Omit<Checkpoint, 'keyId'>): Promise<SignedCheckpoint> {
      const full: Checkpoint = { ...cp, keyId: integrity.keyId };
      const signed: SignedCheckpoint = { ...full, sig: sign(message(full)) };
      await appendLine(`checkpoints-${cp.at.slice(0, 10)}.jsonl`, JSON.stringify(signed));
      return signed;
    },

    /**
     * Signs the chain end this process just appended up to and appends it to
     * its tip file of the day (append-only, synced before this resolves). A
     * process's tips only grow, so each file's last valid line is its highest.
     */
    async appendTip(tip: { seq: number; hash: string }, now = new Date()): Promise<SignedTip> {
      const body = { seq: tip.seq, hash: tip.hash, keyId: integrity.keyId, writer };
      const signed: SignedTip = { ...body, sig: sign(tipMessage(body)) };
      await appendLine(`tips-${now.toISOString().slice(0, 10)}-${writer}.jsonl`, JSON.stringify(signed));
      return signed;
    },

    /**
     * The signed tips above `above` (a checkpoint's seq: it covers those
     * below), from every writer's files of `fromDay` (ISO date) on, or of
     * every day without it; each file's lines scanned from its end, stopping at its first
     * verified tip at or below `above` (`highestOnly`: at its first verified
     * tip, its highest: all a start-up check needs). Lines read that do not
     * verify are counted, not trusted.
     */
    async readTips(above = 0, fromDay?: string, highestOnly = false): Promise<{ tips: SignedTip[]; rejected: number }> {
      const tips: SignedTip[] = [];
      let rejected = 0;
      for (const { name, day } of await tipFiles()) {
        if (fromDay && day < fromDay) continue;
        const lines = (await readFile(join(dir, name), 'utf8')).split('\n');
        for (let i = lines.length - 1; i >= 0; i--) {
          if (!lines[i]!.trim()) continue;
          const tip = parseTip(lines[i]!);
          if (!tip) {
            rejected++;
            continue;
          }
          if (tip.seq <= above) break;
          tips.push(tip);
          if (highestOnly) break;
        }
      }
      tips.sort((a, b) => a.seq - b.seq);
      return { tips, rejected };
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
 * The day from which tip files can hold tips above `checkpoint`: the day
 * before it was taken (a tip written while it was being verified may fall
 * on the previous UTC day); every day without one.
 */
export function tipDayFrom(checkpoint: Pick<Checkpoint, 'at'> | undefined): string | undefined {
  return checkpoint ? new Date(new Date(checkpoint.at).getTime() - DAY_MS).toISOString().slice(0, 10) : undefined;
}

/**
 * Compares the chain as stored with the checkpoints (ascending seq) and the
 * signed tips above the latest checkpoint (`tips`, ascending seq):
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
  tips: readonly SignedTip[] = [],
): AnchorCheck {
  const latest = checkpoints.at(-1);
  if (!latest && !tips.length) return { anchor: 'NONE', anchorSeq: null, anchoredAt: null, firstDifference: null, reason: null };
  const base = { anchorSeq: latest?.seq ?? null, anchoredAt: latest ? new Date(latest.at) : null };
  type Attested = { seq: number; hash: string; name: string };
  const attested: Attested[] = [
    ...checkpoints.map((c) => ({ seq: c.seq, hash: c.hash, name: `the checkpoint of ${c.at} (seq ${c.seq})` })),
    ...tips.map((t) => ({ seq: t.seq, hash: t.hash, name: `the signed tip of ${t.writer} (seq ${t.seq})` })),
  ].sort((a, b) => a.seq - b.seq);
  let lastGood = 0;
  let firstBad: Attested | null = null;
  let rewritten = false;
  for (const cp of attested) {
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
  const named = firstBad.name;
  const reason = rewritten
    ? `entry ${firstBad.seq} differs from ${named}: the chain was rewritten; the first entry that differs is seq ${firstDifference}`
    : `the chain is shorter than ${named} says: entries from seq ${firstDifference} are missing`;
  return { anchor: rewritten ? 'REWRITTEN' : 'TRUNCATED', ...base, firstDifference, reason };
}
