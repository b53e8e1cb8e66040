/**
 * `backup`, `restore` and `backup:verify` (docs/backup.md). They read the
 * backup key and the anchor directory through src/config.ts
 * (`loadBackupConfig`), never a data key; `backup:verify` alone loads the
 * full configuration, because it opens every report with the configured keys.
 *
 * The store on disk is the local stack's FerretDB state directory
 * (`--ferretdb-dir`, default the local stack's). Against MongoDB (MONGODB_URI
 * set and no `--ferretdb-dir`) `backup` refuses and names the documented
 * procedure instead: a backup it cannot make consistent is not made.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { BackupRefusedError, readManifest, restoreBackup, takeBackup, type Manifest } from '../../src/backup/archive.js';
import { BackupFileError } from '../../src/backup/cipher.js';
import { createAnchorStore, RESTORE_FILE, restoredWords } from '../../src/audit/anchor.js';
import { signRestore } from '../../src/backup/restore-event.js';
import { loadBackupConfig, loadConfig, type BackupConfig } from '../../src/config.js';
import { createIntegrity } from '../../src/crypto/integrity.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { createContentVault } from '../../src/reports/content/vault.js';
import type { StaffPrincipal } from '../../src/auth/types.js';
import { LOCAL_DATA_DIR, useLocalStack } from '../stack/local-stack.js';
import { startServices } from '../stack/services.js';

type Values = Record<string, unknown>;
const out = (line: string) => console.log(line);

export const MONGODUMP_PROCEDURE =
  'this store is MongoDB (MONGODB_URI is set): back it up with the documented procedure, `mongodump --oplog --archive --gzip` against the replica set ' +
  '(a consistent point in time), encrypted by your backup system, plus a copy of HOTLINE_AUDIT_ANCHOR_DIR taken after it (docs/backup.md "On MongoDB"). ' +
  'This command backs up the local stack\'s FerretDB files only (or pass --ferretdb-dir for a FerretDB on SQLite)';

const localFerretDir = () => join(LOCAL_DATA_DIR, 'services', 'ferretdb');

const listening = (port: number) =>
  new Promise<boolean>((done) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), done(true)));
    s.once('error', () => done(false));
  });

/** Prints why a backup or restore was refused, or a file failed, and returns the exit code; rethrows anything else. */
function refused(err: unknown): number {
  if (err instanceof BackupRefusedError || err instanceof BackupFileError) {
    console.error(`error: ${err.message}`);
    return 1;
  }
  throw err;
}

/**
 * Signs the restore into the anchor directory when the backup is older than
 * what was signed there (backup/restore-event.ts), and says so in plain
 * words: "restored to <time>: N audit entries after it are not in this
 * backup" (not tampering). Returns the exit code.
 */
async function signedRestoreLines(manifest: Manifest, anchorDir: string, audit: BackupConfig['audit'], highestParsed: number): Promise<number> {
  const tip = manifest.auditTip?.seq ?? 0;
  if (!audit) {
    const missing = Math.max(0, highestParsed - tip);
    if (!missing) {
      out(`  restored to ${manifest.startedAt}: the audit chain ends at seq ${tip}, as signed`);
      return 0;
    }
    console.error(`error: ${restoredWords({ backupAt: manifest.startedAt, missing })}, and HOTLINE_AUDIT_KEY is not set: no restore event was signed, so the service will read the chain as TRUNCATED. Run restore again with the deployment's HOTLINE_AUDIT_KEY (docs/backup.md)`);
    return 1;
  }
  const sodium = await loadSodium();
  const anchors = createAnchorStore({ dir: anchorDir, sodium, integrity: createIntegrity(sodium, audit.key, audit.previous) });
  const signing = await signRestore({ anchors, manifest });
  switch (signing.kind) {
    case 'current':
      out(`  restored to ${manifest.startedAt}: the audit chain ends at seq ${tip}, as signed`);
      return 0;
    case 'signed':
      out(`  ${restoredWords(signing.event)} (the anchor directory signed up to seq ${signing.highestSigned}; the backup's chain ends at seq ${tip})`);
      out(`  restore event signed into ${RESTORE_FILE}: the service accepts the chain ending at seq ${tip} and new entries follow it`);
      return 0;
    case 'contradicted':
      console.error(`error: no restore event signed: ${signing.reason}. The service will report the chain as REWRITTEN`);
      return 1;
  }
}

export const backupCommands = {
  backup: {
    needsDeps: false,
    options: { out: { type: 'string' as const }, 'ferretdb-dir': { type: 'string' as const } },
    async run(_deps: unknown, v: Values) {
      if (typeof v.out !== 'string' || !v.out.trim()) {
        console.error('--out DIR is required (a new or empty directory)');
        return 64;
      }
      const given = typeof v['ferretdb-dir'] === 'string' ? resolve(v['ferretdb-dir']) : null;
      if (!given && process.env.MONGODB_URI) {
        console.error(`not backed up: ${MONGODUMP_PROCEDURE}`);
        return 2;
      }
      const settings = loadBackupConfig(process.env);
      // The local stack is started if it is not running: the backup is online either way.
      const stack = given ? null : await useLocalStack();
      try {
        const manifest = await takeBackup({
          sodium: await loadSodium(),
          key: settings.key,
          ferretDir: given ?? localFerretDir(),
          anchorDir: settings.anchorDir,
          database: settings.dbName,
          out: resolve(v.out),
        });
        const counts = manifest.databases[manifest.database]?.collections ?? {};
        out(`backup written to ${resolve(v.out)} (encrypted under HOTLINE_BACKUP_KEY), taken ${manifest.startedAt} .. ${manifest.finishedAt}`);
        out(`  database ${manifest.database}: ${counts.reports ?? 0} report(s), ${counts.audit ?? 0} audit entries; ${manifest.files.length} file(s)`);
        out(`  audit chain end: ${manifest.auditTip ? `seq ${manifest.auditTip.seq}` : 'empty'}; last checkpoint: ${manifest.lastCheckpoint ? `seq ${manifest.lastCheckpoint.seq} at ${manifest.lastCheckpoint.at}` : 'none'}`);
        out('  no key is in it: keep HOTLINE_BACKUP_KEY and the service keys apart from it (docs/backup.md)');
        return 0;
      } catch (err) {
        return refused(err);
      } finally {
        await stack?.services?.stop();
      }
    },
  },
  restore: {
    needsDeps: false,
    options: { from: { type: 'string' as const }, 'ferretdb-dir': { type: 'string' as const } },
    /** Into the state directory of a STOPPED FerretDB that holds no database, and the configured anchor directory. */
    async run(_deps: unknown, v: Values) {
      if (typeof v.from !== 'string' || !v.from.trim()) {
        console.error('--from DIR is required (a backup directory)');
        return 64;
      }
      const given = typeof v['ferretdb-dir'] === 'string' ? resolve(v['ferretdb-dir']) : null;
      if (!given && process.env.MONGODB_URI) {
        console.error('not restored: this store is MongoDB (MONGODB_URI is set): restore it with `mongorestore --oplogReplay` (docs/backup.md "On MongoDB"), or pass --ferretdb-dir');
        return 2;
      }
      if (!given && (await listening(Number(process.env.LOCAL_MONGO_PORT ?? 27027)))) {
        console.error('not restored: the local FerretDB is running: stop the service and the local stack first (a restore writes its files while it is stopped)');
        return 1;
      }
      const settings = loadBackupConfig(process.env);
      try {
        const result = await restoreBackup({ sodium: await loadSodium(), key: settings.key, from: resolve(v.from), ferretDir: given ?? localFerretDir(), anchorDir: settings.anchorDir });
        out(`restored ${result.databases.join(', ')} into ${given ?? localFerretDir()}; every file matched its checksum`);
        out(`  anchor files: ${result.anchorsWritten} written, ${result.anchorsKept} already there with more lines (kept)`);
        out('  Redis is not restored: start the service and the outbox sweep and reconciliation queue the pending reports again');
        return await signedRestoreLines(result.manifest, settings.anchorDir, settings.audit, result.highestSigned);
      } catch (err) {
        return refused(err);
      }
    },
  },
  'backup:verify': {
    needsDeps: false,
    positionals: 1,
    options: {},
    async run(_deps: unknown, v: Values) {
      const dir = (v._ as string[] | undefined)?.[0];
      if (!dir) {
        console.error('usage: backup:verify DIR');
        return 64;
      }
      return verifyBackup(resolve(dir));
    },
  },
};

/** Prints one line per check; returns the number of failures (each already printed). */
async function verifyBackup(dir: string): Promise<number> {
  const settings = loadBackupConfig(process.env);
  const sodium = await loadSodium();
  const scratch = await mkdtemp(join(tmpdir(), 'hotline-verify-'));
  let failures = 0;
  const fail = (line: string) => {
    failures++;
    out(`FAIL ${line}`);
  };
  let services: Awaited<ReturnType<typeof startServices>> | null = null;
  let deps: Awaited<ReturnType<typeof createDeps>> | null = null;
  try {
    let manifest: Manifest;
    try {
      manifest = (await restoreBackup({ sodium, key: settings.key, from: dir, ferretDir: join(scratch, 'ferretdb'), anchorDir: join(scratch, 'anchors') })).manifest;
    } catch (err) {
      if (!(err instanceof BackupRefusedError || err instanceof BackupFileError)) throw err;
      fail(err.message);
      return 1;
    }
    out(`ok   ${manifest.files.length} file(s) opened under HOTLINE_BACKUP_KEY and matched their checksums (backup of ${manifest.startedAt})`);
    services = await startServices({ dataDir: scratch, appendOnly: false });
    const config = loadConfig({
      ...process.env,
      MONGODB_URI: services.mongoUri,
      REDIS_URL: services.redisUrl,
      REDIS_SENTINELS: '',
      MONGODB_DB: manifest.database,
      HOTLINE_AUDIT_ANCHOR_DIR: join(scratch, 'anchors'),
      LOG_LEVEL: 'silent',
    });
    // The copy as it is: no migration runs on it (nor stamps it) while it is checked.
    deps = await createDeps(config, createLogger('silent', pino.destination(2)), { migrations: 'none' });
    // The chain first: the vault's reads below are audited, and append to the scratch copy.
    const chain = await deps.services.audit.verify();
    if (!chain.valid) fail(`audit chain: broken at seq ${chain.brokenAt}: ${chain.reason}`);
    else out(`ok   audit chain verifies: ${chain.length} entries; checkpoints ${chain.anchor}${chain.anchorSeq ? ` (latest seq ${chain.anchorSeq})` : ''}`);
    const tip = manifest.auditTip;
    const last = tip ? await deps.database.db.collection<{ _id: number; hash: string }>('audit').findOne({ _id: tip.seq }) : null;
    if (!tip) {
      if (chain.length) fail(`audit chain tip: the manifest records an empty chain, the backup holds ${chain.length} entries`);
      else out('ok   audit chain is empty, as the manifest says');
    } else if (chain.length !== tip.seq || last?.hash !== tip.hash) fail(`audit chain tip: the manifest records seq ${tip.seq}; the restored chain ends at seq ${chain.length}${last?.hash === tip.hash ? '' : ' with another hash'}`);
    else out(`ok   audit chain tip matches the manifest: seq ${tip.seq}`);

    const vault = createContentVault({ crypto: deps.crypto, reports: deps.reports, audit: deps.services.audit });
    const verifier: StaffPrincipal = { kind: 'staff', userId: 'backup-verify', username: 'backup:verify', roles: ['SUPERVISOR'], desk: null, sessionId: 'backup-verify' };
    let opened = 0;
    let erased = 0;
    const bad: string[] = [];
    for await (const id of deps.reports.allIds()) {
      try {
        const read = await vault.openForReading(verifier, id, 'view');
        if (read.content) opened++;
        else erased++;
      } catch (err) {
        bad.push(`${id} (${(err as Error).name})`);
      }
    }
    const expected = manifest.databases[manifest.database]?.collections.reports ?? 0;
    if (bad.length) fail(`reports: ${bad.length} do not verify or do not decrypt with the configured keys: ${bad.slice(0, 20).join(', ')}`);
    if (opened + erased + bad.length !== expected) fail(`reports: the manifest counts ${expected}, the restored store holds ${opened + erased + bad.length}`);
    if (!bad.length) out(`ok   ${opened} report(s) verify and decrypt with the configured keys${erased ? `; ${erased} erased (nothing to open)` : ''}`);
    out(failures ? `backup ${dir} FAILED ${failures} check(s)` : `backup ${dir} verified: restorable, and readable with the configured keys`);
    return failures ? 1 : 0;
  } finally {
    await deps?.close().catch(() => {});
    await services?.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
