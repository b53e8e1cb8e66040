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

const MAX_ATTEMPTS = 500;
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

  // Appends from this process go through one queue and are written in runs
  // (group commit): fewer round trips, and no collisions between our own
  // writers. Other processes still collide at the database, and lose cleanly.
  type Pending = { event: AuditEventInput; at: Date; resolve: (e: AuditEntry) => void; reject: (err: unknown) => void };
  const queue: Pending[] = [];
  let draining = false;
  let head: { seq: number; hash: string } | null = null;

  async function appendRun(batch: Pending[]): Promise<AuditEntry[]> {
    const done: AuditEntry[] = [];
    for (let attempt = 0; done.length < batch.length; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error('audit log append failed after repeated contention');
      head ??= (await repo.head()) ?? { seq: 0, hash: GENESIS_HASH };
      const run: AuditEntry[] = [];
      let prev = head;
      for (const p of batch.slice(done.length)) {
        const entry: AuditEntry = {
          seq: prev.seq + 1,
          at: p.at,
          actor: p.event.actor,
          action: p.event.action,
          target: p.event.target ?? null,
          outcome: p.event.outcome ?? 'success',
          details: p.event.details ?? {},
          prevHash: prev.hash,
          hash: '',
        };
        entry.hash = chainHash(entry.prevHash, entryBody(entry));
        run.push(entry);
        prev = entry;
      }
      const stored = await repo.insertRun(run);
      if (stored > 0) {
        const last = run[stored - 1]!;
        await repo.advanceHead({ seq: last.seq, hash: last.hash });
        head = { seq: last.seq, hash: last.hash };
        done.push(...run.slice(0, stored));
      }
      if (stored < run.length) {
        // Another process holds the next position: follow the chain to its end, then retry.
        let next = await repo.entryAt(head.seq + 1);
        while (next) {
          head = { seq: next.seq, hash: next.hash };
          next = await repo.entryAt(head.seq + 1);
        }
        await repo.advanceHead(head);
        if (attempt > 3) await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, attempt)));
      }
    }
    return done;
  }

  async function drain() {
    draining = true;
    try {
      while (queue.length) {
        const batch = queue.splice(0, 100);
        try {
          const entries = await appendRun(batch);
          batch.forEach((p, i) => p.resolve(entries[i]!));
        } catch (err) {
          head = null;
          deps.log?.error({ count: batch.length }, 'audit append failed');
          batch.forEach((p) => p.reject(err));
        }
      }
    } finally {
      draining = false;
    }
  }

  function record(event: AuditEventInput): Promise<AuditEntry> {
    try {
      checkDetails(event.details ?? {}, 'details');
    } catch (err) {
      return Promise.reject(err);
    }
    const now = new Date();
    // Partners' informants: no time finer than the minute is kept for partner actions.
    const at = event.actor.type === 'partner' ? new Date(Math.floor(now.getTime() / MINUTE) * MINUTE) : now;
    return new Promise((resolve, reject) => {
      queue.push({ event, at, resolve, reject });
      if (!draining) void drain();
    });
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
