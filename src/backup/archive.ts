/**
 * Taking and restoring a backup of the local stack's store and the audit
 * anchor directory (docs/backup.md). A backup directory holds:
 *
 * - `store/<database>.sqlite.enc`: each FerretDB database, snapshotted
 *   online (sqlite.ts), then encrypted (cipher.ts);
 * - `anchors/<file>.enc`: every file of HOTLINE_AUDIT_ANCHOR_DIR (signed
 *   checkpoints and tips: append-only, so a read of each is a prefix of it);
 * - `manifest.json.enc`, written last (a directory without it is not a
 *   backup): when, what, counts per collection, the audit chain's end in the
 *   snapshot and the last checkpoint, the SHA-256 of every file before and
 *   after encryption.
 *
 * Never a key: the keys stay with the deployment (and their own escrow), so
 * a backup alone opens nothing. Redis is not in it: after a restore the
 * outbox sweep and the reconciliation rebuild the queues from the store.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sodium } from '../crypto/sodium.js';
import { BackupFileError, decryptFile, encryptFile } from './cipher.js';
import { databaseFiles, holdsAnyDatabase, snapshotDatabase, summariseDatabase, type DatabaseSummary } from './sqlite.js';

export const MANIFEST = 'manifest.json';
const FORMAT = 'hotline-backup/1';

export interface BackupFileEntry {
  /** Its name in the backup (`store/hotline.sqlite`, `anchors/checkpoints-2026-12-06.jsonl`): bound into its encryption. */
  name: string;
  bytes: number;
  /** SHA-256 (hex) of the file as restored. */
  sha256: string;
  /** SHA-256 (hex) of the encrypted file in the backup, checked before it is opened. */
  encryptedSha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  /** When the snapshot of the store began (the backup holds the store as it was between this and `finishedAt`). */
  startedAt: string;
  finishedAt: string;
  /** The database the service uses (MONGODB_DB), whose audit chain is described below. */
  database: string;
  databases: Record<string, DatabaseSummary>;
  /** The audit chain's end in the snapshot of `database`. */
  auditTip: { seq: number; hash: string } | null;
  /** The highest checkpoint in the anchor files as read (its signature is checked by backup:verify, not here). */
  lastCheckpoint: { seq: number; hash: string; at: string } | null;
  files: BackupFileEntry[];
}

export class BackupRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupRefusedError';
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const ANCHOR_FILE = /^[A-Za-z0-9._-]+\.jsonl$/;

/** The whole lines of an anchor file up to (not including) the first that names an entry above `seq`; a torn last line is left out. */
function anchorPrefixUpTo(text: string, seq: number): string {
  const lines = text.split('\n').slice(0, -1); // the part after the last newline is empty, or a line still being written
  const kept: string[] = [];
  for (const line of lines) {
    let named: unknown;
    try {
      named = (JSON.parse(line) as { seq?: unknown }).seq;
    } catch {
      named = undefined; // a damaged line is kept as it is: the anchors' reader counts it, trusts it not
    }
    if (typeof named === 'number' && named > seq) break;
    kept.push(line);
  }
  return kept.map((l) => `${l}\n`).join('');
}

/** The highest checkpoint line in checkpoint files' text (parsed, not verified). */
function lastCheckpointIn(texts: string[]): Manifest['lastCheckpoint'] {
  let best: Manifest['lastCheckpoint'] = null;
  for (const line of texts.flatMap((t) => t.split('\n'))) {
    try {
      const cp = JSON.parse(line) as { seq?: unknown; hash?: unknown; at?: unknown };
      if (typeof cp.seq === 'number' && typeof cp.hash === 'string' && typeof cp.at === 'string' && (!best || cp.seq > best.seq)) best = { seq: cp.seq, hash: cp.hash, at: cp.at };
    } catch {
      // a torn last line: the anchors' own reader ignores it too
    }
  }
  return best;
}

export interface BackupSources {
  sodium: Sodium;
  key: Uint8Array;
  /** FerretDB's state directory (SQLite files). */
  ferretDir: string;
  anchorDir: string;
  database: string;
  /** The backup directory: must not exist yet, or be empty. */
  out: string;
  now?: () => Date;
}

/** Takes a backup while the service runs; returns its manifest. Plaintext snapshots live only in a private temporary directory, removed at the end. */
export async function takeBackup(src: BackupSources): Promise<Manifest> {
  const now = src.now ?? (() => new Date());
  if (existsSync(src.out) && (await readdir(src.out)).length) throw new BackupRefusedError(`${src.out} is not empty: a backup goes into a new directory`);
  const dbFiles = databaseFiles(src.ferretDir);
  if (!dbFiles.length) throw new BackupRefusedError(`no FerretDB database file (*.sqlite) in ${src.ferretDir}`);
  await mkdir(join(src.out, 'store'), { recursive: true, mode: 0o700 });
  await mkdir(join(src.out, 'anchors'), { recursive: true, mode: 0o700 });
  const work = await mkdtemp(join(tmpdir(), 'hotline-backup-'));
  const files: BackupFileEntry[] = [];
  const seal = async (name: string, plain: string) => {
    const sealed = join(src.out, `${name}.enc`);
    await encryptFile(src.sodium, src.key, name, plain, sealed);
    files.push({ name, bytes: (await stat(plain)).size, sha256: await sha256Of(plain), encryptedSha256: await sha256Of(sealed) });
  };
  try {
    const startedAt = now().toISOString();
    const databases: Record<string, DatabaseSummary> = {};
    for (const file of dbFiles) {
      const snap = join(work, file);
      await snapshotDatabase(join(src.ferretDir, file), snap);
      databases[file.replace(/\.sqlite$/, '')] = summariseDatabase(snap);
      await seal(`store/${file}`, snap);
    }
    // After the store, so every checkpoint and tip already signed for an entry in the snapshot is read. Lines signed
    // since name entries the snapshot does not hold: each file is kept up to the first of them (files are append-only
    // and each one's seqs only grow, so that is a prefix of it, and the chain in the backup agrees with its anchors).
    const tipSeq = databases[src.database]?.auditTip?.seq ?? 0;
    const anchorNames = existsSync(src.anchorDir) ? (await readdir(src.anchorDir)).filter((n) => ANCHOR_FILE.test(n)).sort() : [];
    const checkpointTexts: string[] = [];
    for (const name of anchorNames) {
      const text = anchorPrefixUpTo(await readFile(join(src.anchorDir, name), 'utf8'), tipSeq);
      const copy = join(work, name);
      await writeFile(copy, text, { mode: 0o600 });
      if (name.startsWith('checkpoints-')) checkpointTexts.push(text);
      await seal(`anchors/${name}`, copy);
    }
    const manifest: Manifest = {
      format: FORMAT,
      startedAt,
      finishedAt: now().toISOString(),
      database: src.database,
      databases,
      auditTip: databases[src.database]?.auditTip ?? null,
      lastCheckpoint: lastCheckpointIn(checkpointTexts),
      files,
    };
    const manifestPlain = join(work, MANIFEST);
    await writeFile(manifestPlain, JSON.stringify(manifest, null, 2), { mode: 0o600 });
    await encryptFile(src.sodium, src.key, MANIFEST, manifestPlain, join(src.out, `${MANIFEST}.enc`));
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Opens a backup's manifest; throws BackupFileError when it does not open under the key. */
export async function readManifest(sodium: Sodium, key: Uint8Array, from: string): Promise<Manifest> {
  const path = join(from, `${MANIFEST}.enc`);
  if (!existsSync(path)) throw new BackupRefusedError(`${from} holds no ${MANIFEST}.enc: not a backup, or one that did not finish`);
  const work = await mkdtemp(join(tmpdir(), 'hotline-manifest-'));
  try {
    await decryptFile(sodium, key, MANIFEST, path, join(work, MANIFEST));
    const manifest = JSON.parse(await readFile(join(work, MANIFEST), 'utf8')) as Manifest;
    if (manifest.format !== FORMAT) throw new BackupRefusedError(`unknown backup format ${String(manifest.format)}`);
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Opens one file of the backup into `to`, checking both checksums the manifest holds; throws BackupFileError naming it. */
async function openChecked(sodium: Sodium, key: Uint8Array, from: string, entry: BackupFileEntry, to: string): Promise<void> {
  const sealed = join(from, `${entry.name}.enc`);
  if (!existsSync(sealed)) throw new BackupFileError(entry.name, 'missing from the backup');
  if ((await sha256Of(sealed)) !== entry.encryptedSha256) throw new BackupFileError(entry.name, 'checksum does not match the manifest (damaged or altered)');
  await decryptFile(sodium, key, entry.name, sealed, to);
  if ((await sha256Of(to)) !== entry.sha256) throw new BackupFileError(entry.name, 'checksum of the restored file does not match the manifest');
}

export interface RestoreTarget {
  sodium: Sodium;
  key: Uint8Array;
  from: string;
  /** The state directory of a STOPPED FerretDB, holding no database. */
  ferretDir: string;
  anchorDir: string;
}

export interface RestoreResult {
  manifest: Manifest;
  databases: string[];
  /** Anchor files written, and those already there that hold the backup's lines and more (kept as they are). */
  anchorsWritten: number;
  anchorsKept: number;
  /** The highest entry a checkpoint or tip in the anchor directory names after the restore: above the backup's chain end, entries not in this backup. */
  highestSigned: number;
}

/**
 * Restores a backup into an empty store: every file is opened and checked
 * against the manifest first (nothing is put in place when any fails), then
 * the databases are moved into the state directory and the anchor files
 * into the anchor directory. An anchor file already there is kept when it
 * begins with the backup's copy (append-only: it only grew since), and the
 * restore is refused when it does not (another deployment's directory).
 */
export async function restoreBackup(t: RestoreTarget): Promise<RestoreResult> {
  const manifest = await readManifest(t.sodium, t.key, t.from);
  if (holdsAnyDatabase(t.ferretDir)) {
    throw new BackupRefusedError(
      `the store is not empty: ${t.ferretDir} holds FerretDB database files. A restore goes only into an empty state directory of a stopped FerretDB (stop it, move the directory aside or name a new one)`,
    );
  }
  await mkdir(t.ferretDir, { recursive: true, mode: 0o700 });
  await mkdir(t.anchorDir, { recursive: true, mode: 0o700 });
  const staging = await mkdtemp(join(t.ferretDir, '.restoring-'));
  try {
    const opened: { entry: BackupFileEntry; path: string }[] = [];
    for (const [i, entry] of manifest.files.entries()) {
      const path = join(staging, String(i));
      await openChecked(t.sodium, t.key, t.from, entry, path);
      opened.push({ entry, path });
    }
    const anchors = opened.filter((o) => o.entry.name.startsWith('anchors/'));
    const toWrite: typeof anchors = [];
    let kept = 0;
    for (const a of anchors) {
      const target = join(t.anchorDir, a.entry.name.slice('anchors/'.length));
      if (!existsSync(target)) {
        toWrite.push(a);
        continue;
      }
      const [ours, theirs] = [await readFile(a.path), await readFile(target)];
      if (!theirs.subarray(0, ours.length).equals(ours)) {
        throw new BackupRefusedError(`${target} does not begin with the backup's copy of it: is HOTLINE_AUDIT_ANCHOR_DIR this deployment's? Nothing was restored`);
      }
      kept++;
    }
    const databases: string[] = [];
    for (const o of opened.filter((x) => x.entry.name.startsWith('store/'))) {
      const name = o.entry.name.slice('store/'.length);
      if (!/^[A-Za-z0-9_-]+\.sqlite$/.test(name)) throw new BackupRefusedError(`unexpected store file ${o.entry.name}`);
      await rename(o.path, join(t.ferretDir, name));
      databases.push(name.replace(/\.sqlite$/, ''));
    }
    for (const a of toWrite) {
      const name = a.entry.name.slice('anchors/'.length);
      if (!ANCHOR_FILE.test(name)) throw new BackupRefusedError(`unexpected anchor file ${a.entry.name}`);
      await copyFile(a.path, join(t.anchorDir, name));
    }
    return { manifest, databases, anchorsWritten: toWrite.length, anchorsKept: kept, highestSigned: await highestSignedSeq(t.anchorDir) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The highest seq any checkpoint or tip line names in an anchor directory (parsed, not verified: for the restore's plain report). */
async function highestSignedSeq(anchorDir: string): Promise<number> {
  let top = 0;
  for (const name of (await readdir(anchorDir)).filter((n) => ANCHOR_FILE.test(n))) {
    for (const line of (await readFile(join(anchorDir, name), 'utf8')).split('\n')) {
      try {
        const seq = (JSON.parse(line) as { seq?: unknown }).seq;
        if (typeof seq === 'number' && seq > top) top = seq;
      } catch {
        // torn line
      }
    }
  }
  return top;
}
