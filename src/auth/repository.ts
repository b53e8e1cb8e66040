/** The only code touching the `users` and `sessions` collections (the session rows through src/auth/session-store.ts, shared with the partner portal's). */
import type { Db } from 'mongodb';
import { createSessionStore } from './session-store.js';
import type { Desk, Role, SessionDoc, UserDoc } from './types.js';

export type UserRepository = ReturnType<typeof createUserRepository>;

export function createUserRepository(db: Db) {
  const users = db.collection<UserDoc>('users');
  const sessions = db.collection<SessionDoc>('sessions');
  return {
    async ensureIndexes() {
      await users.createIndex({ username: 1 }, { unique: true });
      await sessions.createIndex({ userId: 1 });
      // The local store has no TTL indexes: expired sessions are rejected on use and purged at sign-in.
      await sessions.createIndex({ expiresAt: 1 });
    },
    findByUsername: (username: string) => users.findOne({ username }),
    findById: (id: string) => users.findOne({ _id: id }),
    /** Id → username for the given ids (unknown ids are absent): the audit screen names people, not ids. */
    async usernamesOf(ids: readonly string[]): Promise<Map<string, string>> {
      if (!ids.length) return new Map();
      const docs = await users.find({ _id: { $in: [...ids] } }, { projection: { _id: 1, username: 1 } }).toArray();
      return new Map(docs.map((d) => [d._id, d.username]));
    },
    /** Which of these usernames name an account (a failed sign-in's typed name is shown only when it does). */
    async existingUsernames(names: readonly string[]): Promise<Set<string>> {
      if (!names.length) return new Set();
      const docs = await users.find({ username: { $in: [...names] } }, { projection: { username: 1 } }).toArray();
      return new Set(docs.map((d) => d.username));
    },
    /** Every user, whole: the password hash is under the record's MAC, so whoever checks the MAC needs it (never shown: publicUser). */
    list: () => users.find({}).sort({ username: 1 }).toArray(),
    /** Enabled users holding a role (few: used to find whether any admin exists yet). Whole records, as `list`. */
    findEnabledWithRole: (role: Role) => users.find({ roles: role, disabled: false }).toArray(),
    async insert(user: UserDoc) {
      await users.insertOne(user);
      return user;
    },
    /**
     * Changes sealed fields and their MAC in one write, only if the record
     * still carries the MAC the caller computed from (compare-and-set): a
     * concurrent change makes this return null, and the caller re-reads.
     */
    async updateSealed(
      id: string,
      expectedMac: string,
      set: Partial<Pick<UserDoc, 'disabled' | 'roles' | 'desk' | 'passwordHash' | 'secondFactor' | 'mustChangePassword'>> & { mac: string },
    ) {
      return users.findOneAndUpdate({ _id: id, mac: expectedMac }, { $set: { ...set, updatedAt: new Date() } }, { returnDocument: 'after' });
    },
    ...createSessionStore(sessions),
    /** A user's sessions, newest first (for "my sessions"; a scan on the local store, by the userId index on MongoDB). */
    sessionsOf: (userId: string) => sessions.find({ userId }).sort({ createdAt: -1 }).toArray(),
    /** Ends every session of the user but one (the one changing the password keeps working). */
    async deleteOtherSessions(userId: string, keep: string) {
      const r = await sessions.deleteMany({ userId, _id: { $ne: keep } });
      return r.deletedCount;
    },
    async deleteSessionsOf(userId: string) {
      const r = await sessions.deleteMany({ userId });
      return r.deletedCount;
    },
  };
}

export type { Desk, Role };
