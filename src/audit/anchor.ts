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
 * - restore events (`restores.jsonl`, one file): "the store was restored to
 *   a backup whose chain ends at entry `seq`, whose hash was `hash`; the
 *   backup was taken at `backupAt`; `missing` entries signed above it are
 *   not in it", written by `npm run admin -- restore` (backup/restore-event.ts). Each
 *   carries the anchor files' lengths when it was signed (`cut`): a
 *   checkpoint or tip written before it (inside the cut) for an entry above
 *   its `seq` belonged to the chain the restore abandoned, and no longer
 *   counts (`effectiveAnchors`); everything written after it counts. The
 *   restore event itself attests its (seq, hash) like a tip: a chain that
 *   does not hold exactly that entry is TRUNCATED or REWRITTEN as before.
 * - erasure records (`erasures.jsonl`, one file): "report `reportId` was
 *   erased in minute `at`, by audit entry `seq`" (report id only: never a
 *   reference, content or reason), written by every erasure before it answers success
 *   (reports/desk/supervision.ts; if it cannot be written the erasure stands, answers
 *   SERVICE_UNAVAILABLE, and no record exists to re-apply: docs/backup.md). A restore of a
 *   backup taken before an erasure re-applies each recorded one at start-up
 *   (reports/desk/erasure-reapply.ts), so a report erased with its record written does not
 *   come back with the backup.
 *
 * A database writer can delete the tail of the chain or rebuild it, but not
 * the lines already written (or shipped): verification compares the chain
 * with them (`compareWithCheckpoints`), and a process compares the chain's
 * end with them before it appends after it (audit/service.ts).
 */
import { constants } from 'node:fs';
import { hostname } from 'node:os';
import { access, mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
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

/** One erasure, as kept outside the database so that a restore re-applies it. */
export interface ErasureRecord {
  reportId: string;
  /** The minute of the erasure (ISO, seconds zero). */
  at: string;
  /** The erasure's audit entry, or null when it was not chained at that moment (it waits in the report for the worker's recovery). */
  seq: number | null;
  keyId: string;
}

export interface SignedErasure extends ErasureRecord {
  /** Ed25519 detached signature (base64) over ERASURE_PREFIX + canonicalJson(the record). */
  sig: string;
}

/** A restore of the store from a backup older than what was signed outside the database (backup/restore-event.ts). */
export interface RestoreEvent {
  /** The chain end restored to (the backup manifest's audit tip). */
  seq: number;
  hash: string;
  /** When the backup was taken (its manifest's startedAt). */
  backupAt: string;
  /** How many entries signed outside the database (above `seq`) are not in the backup. */
  missing: number;
  /** When the restore was made. */
  restoredAt: string;
  keyId: string;
  /** Byte length of every anchor file when the restore was signed: the lines inside are from before it. */
  cut: Record<string, number>;
}

export interface SignedRestore extends RestoreEvent {
  /** Ed25519 detached signature (base64) over RESTORE_PREFIX + canonicalJson(the event). */
  sig: string;
}

/** What a verification reports of the latest restore that still counts: "restored to <backupAt>: <missing> audit entries after it are not in this backup". */
export interface RestoreSummary {
  seq: number;
  backupAt: string;
  restoredAt: string;
  missing: number;
}

/** The plain words for a restore (restore's output, the alarm-free log line at start-up, the auditor's verification). */
export const restoredWords = (r: Pick<RestoreSummary, 'backupAt' | 'missing'>) => `restored to ${r.backupAt}: ${r.missing} audit entries after it are not in this backup`;

/**
 * What counts of the anchor directory: checkpoints, the tips above the
 * latest of them, and restore events, each left out when a later restore
 * event abandoned its entry; `restored`: the latest restore event that
 * counts, `sinceCheckpoint` true when no checkpoint was signed after it.
 */
export interface AnchorView {
  checkpoints: SignedCheckpoint[];
  tips: SignedTip[];
  restores: SignedRestore[];
  restored: (RestoreSummary & { sinceCheckpoint: boolean }) | null;
  rejected: number;
}

/** RESTORED: every signed record that still counts matches, and the latest signed restore has had no checkpoint since. */
export type AnchorState = 'OK' | 'RESTORED' | 'TRUNCATED' | 'REWRITTEN' | 'NONE';

/** The chain compared with the checkpoints. `anchorSeq`/`anchoredAt`: the latest checkpoint whose signature verifies. */
export interface AnchorCheck {
  anchor: AnchorState;
  anchorSeq: number | null;
  anchoredAt: Date | null;
  /** The first entry that differs from what the checkpoints attest (missing or rewritten), or null. */
  firstDifference: number | null;
  reason: string | null;
  /** The latest signed restore that counts (whatever the state), or null. */
  restored: RestoreSummary | null;
}

/** Domain separation: a signature made here never verifies as anything else. */
const SIGNED_PREFIX = 'hotline-audit-checkpoint/1\n';
const FILE_PATTERN = /^checkpoints-\d{4}-\d{2}-\d{2}\.jsonl$/;
/** A tip's signature never verifies as a checkpoint's, nor the other way round. */
const TIP_PREFIX = 'hotline-audit-tip/1\n';
const TIP_FILE_PATTERN = /^tips-(\d{4}-\d{2}-\d{2})-[A-Za-z0-9._-]+\.jsonl$/;
const DAY_MS = 86_400_000;
/** A restore event's signature never verifies as a checkpoint's or a tip's. */
const RESTORE_PREFIX = 'hotline-audit-restore/1\n';
export const RESTORE_FILE = 'restores.jsonl';
/** An erasure record's signature never verifies as anything else. */
const ERASURE_PREFIX = 'hotline-audit-erasure/1\n';
export const ERASURE_FILE = 'erasures.jsonl';

/** Each line of `buf` with the byte offset it starts at (the part after the last newline too: a torn line). */
function linesWithOffsets(buf: Buffer): { line: string; offset: number }[] {
  const out: { line: string; offset: number }[] = [];
  let start = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(0x0a, start);
    const end = nl === -1 ? buf.length : nl;
    const line = buf.subarray(start, end).toString('utf8');
    if (line.trim()) out.push({ line, offset: start });
    start = end + 1;
  }
  return out;
}

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
  const restoreMessage = (r: RestoreEvent) =>
    RESTORE_PREFIX + canonicalJson({ seq: r.seq, hash: r.hash, backupAt: r.backupAt, missing: r.missing, restoredAt: r.restoredAt, keyId: r.keyId, cut: r.cut });
  const erasureMessage = (e: ErasureRecord) => ERASURE_PREFIX + canonicalJson({ reportId: e.reportId, at: e.at, seq: e.seq, keyId: e.keyId });
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

  /** The restore event in `line` when it parses and its signature verifies, else null. */
  function parseRestore(line: string): SignedRestore | null {
    try {
      const r = JSON.parse(line) as SignedRestore;
      if (!Number.isSafeInteger(r.seq) || r.seq < 0 || typeof r.hash !== 'string' || typeof r.sig !== 'string' || !Number.isSafeInteger(r.missing)) return null;
      if (typeof r.backupAt !== 'string' || typeof r.restoredAt !== 'string' || typeof r.cut !== 'object' || r.cut === null) return null;
      if (!Object.values(r.cut).every((n) => Number.isSafeInteger(n) && n >= 0)) return null;
      const event: RestoreEvent = { seq: r.seq, hash: r.hash, backupAt: r.backupAt, missing: r.missing, restoredAt: r.restoredAt, keyId: r.keyId, cut: r.cut };
      return verifies(r.sig, restoreMessage(event)) ? { ...event, sig: r.sig } : null;
    } catch {
      return null;
    }
  }

  /** The erasure record in `line` when it parses and its signature verifies, else null. */
  function parseErasure(line: string): SignedErasure | null {
    try {
      const e = JSON.parse(line) as SignedErasure;
      if (typeof e.reportId !== 'string' || typeof e.at !== 'string' || typeof e.sig !== 'string' || !(e.seq === null || Number.isSafeInteger(e.seq))) return null;
      const record: ErasureRecord = { reportId: e.reportId, at: e.at, seq: e.seq, keyId: e.keyId };
      return verifies(e.sig, erasureMessage(record)) ? { ...record, sig: e.sig } : null;
    } catch {
      return null;
    }
  }

  /** The anchor files (checkpoints, tips, restores) and their byte lengths now: a restore event's cut. */
  async function lengths(): Promise<Record<string, number>> {
    const cut: Record<string, number> = {};
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return cut;
      throw err;
    }
    for (const name of names.sort()) {
      if (FILE_PATTERN.test(name) || TIP_FILE_PATTERN.test(name) || name === RESTORE_FILE) cut[name] = (await stat(join(dir, name))).size;
    }
    return cut;
  }

  /** Every line of the files matching `test` that `parse` accepts, with its file and offset; the others counted. */
  async function readPositioned<T>(test: (name: string) => boolean, parse: (line: string) => T | null): Promise<{ items: { item: T; file: string; offset: number }[]; rejected: number }> {
    let names: string[];
    try {
      names = (await readdir(dir)).filter(test).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], rejected: 0 };
      throw err;
    }
    const items: { item: T; file: string; offset: number }[] = [];
    let rejected = 0;
    for (const file of names) {
      for (const { line, offset } of linesWithOffsets(await readFile(join(dir, file)))) {
        const item = parse(line);
        if (item) items.push({ item, file, offset });
        else rejected++;
      }
    }
    return { items, rejected };
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
    parseRestore,
    parseErasure,
    writer,

    /**
     * Signs a restore event (with the cut of the anchor files as they are
     * now) and appends it to the restore file (append-only, synced).
     */
    async appendRestore(event: Omit<RestoreEvent, 'keyId' | 'cut'>): Promise<SignedRestore> {
      await checkWritable();
      const full: RestoreEvent = { ...event, keyId: integrity.keyId, cut: await lengths() };
      const signed: SignedRestore = { ...full, sig: sign(restoreMessage(full)) };
      await appendLine(RESTORE_FILE, JSON.stringify(signed));
      return signed;
    },

    /**
     * Signs an erasure (report id, minute, audit seq: nothing else) and
     * appends it to the erasure file (append-only, synced before this
     * resolves: the erasure answers only after it).
     */
    async appendErasure(record: { reportId: string; at: Date; seq: number | null }): Promise<SignedErasure> {
      const minute = new Date(Math.floor(record.at.getTime() / 60_000) * 60_000).toISOString();
      const full: ErasureRecord = { reportId: record.reportId, at: minute, seq: record.seq, keyId: integrity.keyId };
      const signed: SignedErasure = { ...full, sig: sign(erasureMessage(full)) };
      await appendLine(ERASURE_FILE, JSON.stringify(signed));
      return signed;
    },

    /** Every erasure record whose signature verifies, in the order written; lines that do not verify are counted, not trusted. */
    async readErasures(): Promise<{ erasures: SignedErasure[]; rejected: number }> {
      const { items, rejected } = await readPositioned((n) => n === ERASURE_FILE, parseErasure);
      return { erasures: items.map((p) => p.item), rejected };
    },

    /** Every restore event whose signature verifies, in the order written; lines that do not verify are counted. */
    async readRestores(): Promise<{ restores: { item: SignedRestore; file: string; offset: number }[]; rejected: number }> {
      const { items, rejected } = await readPositioned((n) => n === RESTORE_FILE, parseRestore);
      return { restores: items, rejected };
    },

    /**
     * What counts of the directory (AnchorView). Without a restore event, the
     * latest checkpoint and the tips above it (`highestOnly`: each file's
     * highest, as readTips); with one, every line is read with its place and
     * those a later restore abandoned are left out: a line written before a
     * restore event (inside its cut) for an entry above the restore's seq.
     */
    async view(highestOnly = false): Promise<AnchorView> {
      const { restores, rejected: badRestores } = await this.readRestores();
      if (!restores.length) {
        const { checkpoints, rejected } = await this.read();
        const latest = checkpoints.at(-1);
        const t = await this.readTips(latest?.seq ?? 0, tipDayFrom(latest), highestOnly);
        return { checkpoints, tips: t.tips, restores: [], restored: null, rejected: rejected + t.rejected + badRestores };
      }
      const before = (r: SignedRestore, file: string, offset: number) => r.cut[file] !== undefined && offset < r.cut[file]!;
      const counts = (p: { item: { seq: number }; file: string; offset: number }) => !restores.some(({ item: r }) => p.item.seq > r.seq && before(r, p.file, p.offset));
      const cps = await readPositioned((n) => FILE_PATTERN.test(n), parseLine);
      const keptCheckpoints = cps.items.filter(counts);
      const checkpoints = keptCheckpoints.map((p) => p.item).sort((a, b) => a.seq - b.seq || a.at.localeCompare(b.at));
      const latest = checkpoints.at(-1);
      // Only the tip files that can hold a tip above the latest kept checkpoint, as without a restore: not every day's.
      const fromDay = tipDayFrom(latest);
      const tipFileFrom = (name: string) => {
        const day = TIP_FILE_PATTERN.exec(name)?.[1];
        return !!day && (!fromDay || day >= fromDay);
      };
      const tps = await readPositioned(tipFileFrom, parseTip);
      const tips = tps.items.filter(counts).map((p) => p.item).filter((t) => t.seq > (latest?.seq ?? 0)).sort((a, b) => a.seq - b.seq);
      const kept = restores.filter(counts);
      const last = kept.at(-1);
      const restored = last
        ? {
            seq: last.item.seq,
            backupAt: last.item.backupAt,
            restoredAt: last.item.restoredAt,
            missing: last.item.missing,
            sinceCheckpoint: !keptCheckpoints.some((p) => !before(last.item, p.file, p.offset)),
          }
        : null;
      return { checkpoints, tips, restores: kept.map((p) => p.item), restored, rejected: cps.rejected + tps.rejected + badRestores };
    },

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
  restores: Pick<AnchorView, 'restores' | 'restored'> = { restores: [], restored: null },
): AnchorCheck {
  const latest = checkpoints.at(-1);
  const restored = restores.restored ? { seq: restores.restored.seq, backupAt: restores.restored.backupAt, restoredAt: restores.restored.restoredAt, missing: restores.restored.missing } : null;
  if (!latest && !tips.length && !restores.restores.length) return { anchor: 'NONE', anchorSeq: null, anchoredAt: null, firstDifference: null, reason: null, restored };
  const base = { anchorSeq: latest?.seq ?? null, anchoredAt: latest ? new Date(latest.at) : null, restored };
  type Attested = { seq: number; hash: string; name: string };
  const attested: Attested[] = [
    ...checkpoints.map((c) => ({ seq: c.seq, hash: c.hash, name: `the checkpoint of ${c.at} (seq ${c.seq})` })),
    ...tips.map((t) => ({ seq: t.seq, hash: t.hash, name: `the signed tip of ${t.writer} (seq ${t.seq})` })),
    // seq 0: a restore of a backup taken before the first entry (an empty chain); nothing to compare.
    ...restores.restores.filter((r) => r.seq > 0).map((r) => ({ seq: r.seq, hash: r.hash, name: `the signed restore of ${r.restoredAt} (seq ${r.seq})` })),
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
  if (!firstBad) return { anchor: restores.restored?.sinceCheckpoint ? 'RESTORED' : 'OK', ...base, firstDifference: null, reason: null };
  const bound = rewritten ? lastGood + 1 : chain.length + 1;
  const firstDifference = chain.brokenAt !== null && chain.brokenAt >= 1 && chain.brokenAt <= firstBad.seq ? chain.brokenAt : bound;
  const named = firstBad.name;
  const reason = rewritten
    ? `entry ${firstBad.seq} differs from ${named}: the chain was rewritten; the first entry that differs is seq ${firstDifference}`
    : `the chain is shorter than ${named} says: entries from seq ${firstDifference} are missing`;
  return { anchor: rewritten ? 'REWRITTEN' : 'TRUNCATED', ...base, firstDifference, reason };
}
