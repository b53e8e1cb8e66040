/**
 * What every session collection does (staff `sessions`, src/auth/repository.ts; the partner portal's
 * `partner_sessions`, src/partners/account-repository.ts): rows keyed by the keyed hash of their token, found by
 * any of the token's hashes (current audit key first), expired ones purged at each new sign-in (the local store has
 * no TTL indexes), and the coarse last-use touch of the idle time-out (src/auth/idle.ts).
 */
import type { Collection, OptionalUnlessRequiredId } from 'mongodb';

/** The first document any of the keyed hashes finds (one `_id`-style lookup each, current key first). */
export async function findByAnyHash<T>(hashes: readonly string[], lookup: (hash: string) => Promise<T | null>): Promise<T | null> {
  for (const h of hashes) {
    const found = await lookup(h);
    if (found) return found;
  }
  return null;
}

export function createSessionStore<S extends { _id: string; expiresAt: Date; lastSeenAt?: Date; seenSeal?: string }>(sessions: Collection<S>) {
  return {
    async createSession(session: S) {
      await sessions.deleteMany({ expiresAt: { $lt: new Date() } } as never);
      await sessions.insertOne(session as OptionalUnlessRequiredId<S>);
    },
    /** The session stored under any of the token's keyed hashes. */
    findSession: (tokenHashes: readonly string[]) => findByAnyHash(tokenHashes, (h) => sessions.findOne({ _id: h } as never) as Promise<S | null>),
    /** Records a session's last use (one unconditional write: two racing touches both write about now). */
    async touchSession(tokenHash: string, lastSeenAt: Date, seenSeal: string) {
      await sessions.updateOne({ _id: tokenHash } as never, { $set: { lastSeenAt, seenSeal } } as never);
    },
    async deleteSession(tokenHash: string) {
      await sessions.deleteOne({ _id: tokenHash } as never);
    },
  };
}
