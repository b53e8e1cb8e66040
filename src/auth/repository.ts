/** The only code touching the `users` and `sessions` collections. */
import type { Db } from 'mongodb';
import type { Desk, Role, SessionDoc, UserDoc } from './types.js';

export type UserRepository = ReturnType<typeof createUserRepository>;

export function createUserRepository(db: Db) {
  const users = db.collection<UserDoc>('users');
  const sessions = db.collection<SessionDoc>('sessions');
  return {
    async ensureIndexes() {
      await users.createIndex({ username: 1 }, { unique: true });
      await sessions.createIndex({ userId: 1 });
      // FerretDB v1 has no TTL indexes: expired sessions are rejected on use and purged at sign-in.
      await sessions.createIndex({ expiresAt: 1 });
    },
    findByUsername: (username: string) => users.findOne({ username }),
    findById: (id: string) => users.findOne({ _id: id }),
    list: () => users.find({}, { projection: { passwordHash: 0 } }).sort({ username: 1 }).toArray(),
    async insert(user: UserDoc) {
      await users.insertOne(user);
      return user;
    },
    async update(username: string, set: Partial<Pick<UserDoc, 'disabled' | 'roles' | 'desk' | 'passwordHash'>>) {
      return users.findOneAndUpdate({ username }, { $set: { ...set, updatedAt: new Date() } }, { returnDocument: 'after' });
    },
    async createSession(session: SessionDoc) {
      await sessions.deleteMany({ expiresAt: { $lt: new Date() } });
      await sessions.insertOne(session);
    },
    findSession: (tokenHash: string) => sessions.findOne({ _id: tokenHash }),
    async deleteSession(tokenHash: string) {
      await sessions.deleteOne({ _id: tokenHash });
    },
    async deleteSessionsOf(userId: string) {
      const r = await sessions.deleteMany({ userId });
      return r.deletedCount;
    },
  };
}

export type { Desk, Role };
