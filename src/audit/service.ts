/**
 * The system-wide audit log: an append-only, hash-chained record of every
 * sign-in, every read that decrypts report content, every reveal, change,
 * admin action and erasure. `record` throws when the entry cannot be written:
 * callers performing a sensitive read let that failure fail the read
 * (confidentiality over availability).
 */
import type { Db } from 'mongodb';
import type { Logger } from '../logger.js';
import { chainHash, createChainVerifier, GENESIS_HASH } from './canonical.js';
import { createAuditRepository, type StoredEntry } from './repository.js';
import type { AuditEntry, AuditEventInput, AuditLog } from './types.js';

const MAX_ATTEMPTS = 200;
const MINUTE = 60_000;
// Defence in depth: details must never carry content, identities or secrets.
const FORBIDDEN_DETAIL_KEYS = /^(narrative|caller|password|token|apikey|plaintext|content|envelope|datakey)$/i;

export const entryBody = (e: AuditEntry) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, target: e.target, outcome: e.outcome, details: e.details });

function checkDetails(value: unknown, path: string): void {
  if (value instanceof Uint8Array || (typeof value === 'object' && value !== null && '_bsontype' in value)) {
    throw new Error(`audit details must not contain binary data (${path})`);
  }
  if (Array.isArray(value)) value.forEach((v, i) => checkDetails(v, `${path}.${i}`));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN_DETAIL_KEYS.test(k)) throw new Error(`audit details must not contain sensitive keys (${path}.${k})`);
      checkDetails(v, `${path}.${k}`);
    }
  }
}

export function createAuditLog(deps: { db: Db; log?: Logger }): AuditLog & { repository: ReturnType<typeof createAuditRepository> } {
  const repo = createAuditRepository(deps.db);

  async function record(event: AuditEventInput): Promise<AuditEntry> {
    checkDetails(event.details ?? {}, 'details');
    const now = new Date();
    // Partners' informants: no time finer than the minute is kept for partner actions.
    const at = event.actor.type === 'partner' ? new Date(Math.floor(now.getTime() / MINUTE) * MINUTE) : now;
    let head = (await repo.head()) ?? { seq: 0, hash: GENESIS_HASH };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const entry: AuditEntry = {
        seq: head.seq + 1,
        at,
        actor: event.actor,
        action: event.action,
        target: event.target ?? null,
        outcome: event.outcome ?? 'success',
        details: event.details ?? {},
        prevHash: head.hash,
        hash: '',
      };
      entry.hash = chainHash(entry.prevHash, entryBody(entry));
      if (await repo.insertAt(entry)) {
        await repo.advanceHead(head.seq, { seq: entry.seq, hash: entry.hash });
        return entry;
      }
      // Someone else holds that position: move our view (and the head) past it, then retry.
      const taken = await repo.entryAt(entry.seq);
      if (taken) {
        await repo.advanceHead(head.seq, { seq: taken.seq, hash: taken.hash });
        head = { seq: taken.seq, hash: taken.hash };
      } else {
        head = (await repo.head()) ?? head;
      }
      if (attempt > 5) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 2)));
    }
    deps.log?.error({ action: event.action }, 'audit append kept colliding');
    throw new Error('audit log append failed after repeated contention');
  }

  return {
    repository: repo,
    record,
    async verify() {
      const verifier = createChainVerifier<StoredEntry>(entryBody);
      // The head remembers the last position: a removed tail shows up as missing entries.
      const last = Math.max(await repo.maxSeq(), (await repo.head())?.seq ?? 0);
      const BATCH = 1000;
      for (let after = 0; after < last; after += BATCH) {
        const batch = await repo.range(after, BATCH);
        const all = batch.length ? batch : [{ seq: after + 2 } as StoredEntry]; // an empty range: entry after+1 is missing
        if (!all.every((e) => verifier.push(e))) break;
      }
      const r = verifier.result();
      if (r.valid && r.length < last) return { valid: false, length: r.length, brokenAt: r.length + 1, reason: `entry ${r.length + 1} is missing` };
      return r;
    },
    async query(filter, page) {
      const first = Math.min(Math.max(page.first, 1), 500);
      const { entries, hasNextPage } = await repo.query(filter, first, page.after);
      return { entries: entries.map(({ _id, ...e }) => e as AuditEntry), hasNextPage };
    },
    ensureIndexes: () => repo.ensureIndexes(),
  };
}
