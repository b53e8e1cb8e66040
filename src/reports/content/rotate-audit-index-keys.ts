/**
 * Audit-key and index-key rotation (`keys:rotate`, after every process runs
 * with the new key current and the old one listed as previous: see
 * docs/encryption.md "Rotation"). What can be recomputed is recomputed under
 * the current keys; what cannot (keyed hashes of secrets the system never
 * stores: session tokens, API keys, idempotency keys) keeps working through
 * the previous keys' lookups until those keys are removed.
 *
 * Resumable and safe to rerun: a record is only touched when it does not
 * verify under the CURRENT keys alone (`current`), and is never re-sealed
 * unless it verifies under a configured key (a tampered record is reported,
 * not blessed). Each step is one single-document write:
 * - reports: through the report writer (applyChange checks the envelope
 *   under any configured key, seals it under the current one, chains a
 *   history entry `keys_rotated`, and the same write carries the audit event
 *   `report.rotate_keys`); the same change stores `bidx` recomputed under the
 *   current index key and `indexKeyId`, after the report was filed under its
 *   new link terms (so it is findable throughout; the old terms are emptied
 *   by the change). Its indexed values are opened through the content
 *   module (vault.ts), which records the read (`purpose: 'key-rotation'`);
 * - users: their record MAC (over roles, desk, disabled and every credential:
 *   the password hash, which second factor, the SSO link), by compare-and-set
 *   on the old MAC;
 * - second factors: the MAC of each `mfa` document (src/auth/mfa.ts);
 * - link edges: re-keyed ids and re-sealed ends (reports/store/links.ts rekeyEdges);
 * - reports' cards (reports/model/card.ts): deleted, filed again as reports are charted and linked.
 * The audit and history chains are not rewritten: entries keep the key they
 * were chained under and verify while that key is configured; the CLI anchors
 * the chain with a signed checkpoint before and after the run.
 */
import type { AuditLog } from '../../audit/types.js';
import { userSeal, userSealOk } from '../../auth/seal.js';
import type { UserDoc } from '../../auth/types.js';
import type { Crypto, LinkIds } from '../../crypto/index.js';
import { createEnvelopeMac } from '../model/envelope-mac.js';
import { indexTermsOf, searchTermsOf } from '../model/indexed-content.js';
import { ReportRollbackError } from '../store/freshness.js';
import type { ReportRepository } from '../store/repository.js';
import type { ReportWriter } from '../store/writer.js';
import type { ReportDoc } from '../model/types.js';
import { createContentVault, type ContentVault } from './vault.js';

export interface KeyRotationDeps {
  reports: ReportRepository;
  /** Every report change goes through it, with its audit event. */
  writer: Pick<ReportWriter, 'apply'>;
  users: {
    /** Whole records: the MAC covers the password hash and the other credentials. */
    list(): Promise<UserDoc[]>;
    updateSealed(id: string, expectedMac: string, set: { mac: string }): Promise<unknown>;
  };
  /** Second factors' MACs, made again under the current audit key (src/auth/mfa.ts resealFactorMacs). */
  secondFactors: { resealFactorMacs(current: Crypto['integrity'], limit?: number): Promise<{ resealed: number; remaining: number; failed: string[] }> };
  /** Every configured key (current and previous). */
  crypto: Crypto;
  audit: Pick<AuditLog, 'record'>;
}

export interface KeyRotationResult {
  reports: number;
  users: number;
  secondFactors: number;
  edges: number;
  /** Report cards deleted (remade as reports are charted). */
  cards: number;
  /** Records that need the work but were not done in this run (the limit, or a concurrent change): run again. */
  remaining: number;
  /** Records that verify under no configured key, and reports that are not their current version: left as they are (DATA_INTEGRITY on use). */
  failed: string[];
}

/** Re-seals and re-indexes up to `limit` records of each kind under the current audit and index keys. */
export async function rotateIntegrityAndIndexKeys(deps: KeyRotationDeps, limit = Number.MAX_SAFE_INTEGER): Promise<KeyRotationResult> {
  const { crypto } = deps;
  const current = crypto.currentOnly;
  const result: KeyRotationResult = { reports: 0, users: 0, secondFactors: 0, edges: 0, cards: 0, remaining: 0, failed: [] };
  const anyKey = createEnvelopeMac(crypto.integrity);
  const currentKey = createEnvelopeMac(current.integrity);
  const vault = createContentVault(deps);

  for (const user of await deps.users.list()) {
    if (userSealOk(current.integrity, user)) continue;
    if (!userSealOk(crypto.integrity, user)) {
      result.failed.push(`user:${user._id}`);
      continue;
    }
    if (result.users >= limit) {
      result.remaining++;
      continue;
    }
    // Compare-and-set on the old MAC: a concurrent change (sealed under the current key by then) wins.
    if (await deps.users.updateSealed(user._id, user.mac, { mac: userSeal(crypto.integrity, user) })) result.users++;
    else result.remaining++;
  }

  const factors = await deps.secondFactors.resealFactorMacs(current.integrity, limit);
  result.secondFactors = factors.resealed;
  result.remaining += factors.remaining;
  result.failed.push(...factors.failed);

  for await (const doc of deps.reports.scanAll()) {
    const indexed = doc.indexKeyId === crypto.indexKeyId;
    if (indexed && !currentKey.problems(doc)) continue;
    if (anyKey.problems(doc)) {
      result.failed.push(`report:${doc._id}`);
      continue;
    }
    // A report rolled back or put back after erasure (reports/store/freshness.ts, alarmed) is neither decrypted, re-filed nor re-sealed.
    if (!(await deps.reports.assertCurrent(doc).then(() => true, (err: unknown) => (err instanceof ReportRollbackError ? false : Promise.reject(err))))) {
      result.failed.push(`report:${doc._id}`);
      continue;
    }
    if (result.reports >= limit) {
      result.remaining++;
      continue;
    }
    if (await reindexAndReseal(deps, vault, doc)) result.reports++;
    else result.remaining++;
  }

  const edges = await deps.reports.rekeyLinkEdges((where, sealed) => opens(current.linkIds, where, sealed), limit);
  result.edges = edges.rekeyed;
  result.remaining += edges.remaining;
  // Reports' cards (reports/model/card.ts) hold terms under the index key and a MAC under the audit key being retired:
  // all go, and are filed again under the current keys as reports are linked and charted.
  result.cards = await deps.reports.clearCards();
  return result;
}

async function reindexAndReseal(deps: KeyRotationDeps, vault: ContentVault, doc: ReportDoc): Promise<boolean> {
  const { crypto } = deps;
  const actor = { type: 'system' as const, id: 'key-rotation' };
  let bidx = doc.bidx ?? [];
  let searchTerms: string[] | undefined;
  if (doc.indexKeyId !== crypto.indexKeyId && doc.content && doc.dataKey) {
    const read = vault.openIndexed(doc);
    bidx = indexTermsOf(crypto.blindIndex, read.values);
    // Every decryption is audited under the report it reads.
    await read.record(actor, { purpose: 'key-rotation' });
    // Filed under its new terms before the change empties the old ones: findable by linking throughout.
    if (!doc.triagePending && bidx.length) await deps.reports.fileLinkTerms(doc._id, bidx);
    searchTerms = searchTermsOf(crypto.blindIndex, read.values); // and by search, under the new key (filed by the change below, before its write)
  }
  const done = await deps.writer.apply(
    doc,
    {
      set: { bidx, indexKeyId: crypto.indexKeyId },
      ...(searchTerms ? { filings: { searchTerms } } : {}),
      history: [
        {
          at: new Date(),
          actor,
          action: 'keys_rotated',
          from: { indexKeyId: doc.indexKeyId ?? null },
          to: { indexKeyId: crypto.indexKeyId, auditKeyId: crypto.integrity.keyId },
          reason: null,
        },
      ],
    },
    [
      {
        action: 'report.rotate_keys',
        actor,
        target: { type: 'report', id: doc._id },
        outcome: 'success',
        details: { reference: doc.reference, fromIndexKeyring: doc.indexKeyId ?? null, toIndexKeyring: crypto.indexKeyId, auditKeyring: crypto.integrity.keyId },
      },
    ],
  );
  return !!done;
}

function opens(linkIds: LinkIds, where: string, sealed: unknown): boolean {
  try {
    linkIds.open(where, sealed);
    return true;
  } catch {
    return false;
  }
}
