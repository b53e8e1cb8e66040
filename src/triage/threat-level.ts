/**
 * The national threat level, kept in MongoDB so every instance and worker
 * sees the same value. Changing it is audited, then announced over Redis
 * pub/sub; routing reads it from a follower (`createThreatLevelFollower`)
 * that keeps the last value read and reads the store again only when a
 * change is announced, when its subscription (re)connects, or when its copy
 * is older than `maxAgeMs` (a lost announcement costs at most that long);
 * per routed report it was one store read before.
 */
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { AuditLog } from '../audit/types.js';
import { actorOf, type Principal } from '../auth/types.js';
import type { RedisServer } from '../config.js';
import { badInput } from '../errors.js';
import type { Logger } from '../logger.js';
import { createRedisErrorLog } from '../queue/redis-errors.js';
import { redisConnection } from '../queue/redis.js';
import { THREAT_LEVELS, type ThreatLevel } from './rules.js';

interface ThreatLevelChange {
  level: ThreatLevel;
  reason: string;
  setAt: Date;
}

interface ThreatLevelDoc {
  _id: 'threatLevel';
  level: ThreatLevel;
  reason: string;
  setBy: string;
  setAt: Date;
  /** Every setting, oldest first, written in the same update as the change. */
  history?: ThreatLevelChange[];
}

/** How many of the latest settings `get` returns (the audit log has them all). */
const HISTORY_SHOWN = 50;

export const DEFAULT_THREAT_LEVEL: ThreatLevel = 'SUBSTANTIAL';

export type ThreatLevelStore = ReturnType<typeof createThreatLevelStore>;

/** One level in force from `since` (null: never set, the default) until the next span's `since`. */
export interface ThreatLevelSpan {
  level: ThreatLevel;
  since: Date | null;
}

/** The Redis channel a change is announced on (the message names nothing: followers read the store). */
export const threatLevelChannel = (prefix: string) => `${prefix}:threat-level`;

/**
 * `announce` tells every process's follower that the level changed (after the
 * store has it); a failure is logged, never the setter's: the change is stored
 * and audited, and followers pick it up within their `maxAgeMs`.
 */
export function createThreatLevelStore(db: Db, audit: AuditLog, opts: { announce?: () => Promise<unknown>; log?: Logger } = {}) {
  const settings = db.collection<ThreatLevelDoc>('settings');
  return {
    async get(): Promise<{ level: ThreatLevel; reason: string | null; setAt: Date | null; history: ThreatLevelChange[] }> {
      const doc = await settings.findOne({ _id: 'threatLevel' });
      return doc
        ? { level: doc.level, reason: doc.reason, setAt: doc.setAt, history: (doc.history ?? []).slice(-HISTORY_SHOWN).reverse() }
        : { level: DEFAULT_THREAT_LEVEL, reason: null, setAt: null, history: [] };
    },
    /**
     * The levels in force over UTC days `from` to `to` (both included): the one in force at the start of `from`,
     * then each change within the period, oldest first. Levels and times only, never the reason: the national
     * threat level is public, so the statistics screen shows it to OVERSIGHT as well (docs/statistics.md).
     */
    async history(from: string, to: string): Promise<ThreatLevelSpan[]> {
      const start = Date.parse(`${from}T00:00:00Z`);
      const end = Date.parse(`${to}T00:00:00Z`) + 24 * 3600_000;
      const doc = await settings.findOne({ _id: 'threatLevel' });
      // A document from before the history was kept has only its current setting.
      const changes = doc ? (doc.history?.length ? doc.history : [{ level: doc.level, reason: doc.reason, setAt: doc.setAt }]) : [];
      const before = changes.filter((c) => c.setAt.getTime() < start).at(-1);
      const within = changes.filter((c) => c.setAt.getTime() >= start && c.setAt.getTime() < end);
      return [{ level: before?.level ?? DEFAULT_THREAT_LEVEL, since: before?.setAt ?? null }, ...within.map((c) => ({ level: c.level, since: c.setAt }))];
    },
    async set(level: ThreatLevel, reason: string, principal: Principal) {
      if (!THREAT_LEVELS.includes(level)) throw badInput('unknown threat level', ['level']);
      if (reason.trim().length < 5 || reason.length > 1000) throw badInput('reason: 5 to 1000 characters', ['reason']);
      const previous = await this.get();
      const setAt = new Date();
      await settings.updateOne(
        { _id: 'threatLevel' },
        {
          $set: { level, reason: reason.trim(), setBy: principal.kind === 'staff' ? principal.userId : principal.partnerId, setAt },
          // Appended (the local store ignores $position; the level changes a few times a year, so the list stays small).
          $push: { history: { level, reason: reason.trim(), setAt } },
        },
        { upsert: true },
      );
      await audit.record({ action: 'threat_level.set', actor: actorOf(principal), target: { type: 'system', id: 'threatLevel' }, outcome: 'success', details: { from: previous.level, to: level, reason: reason.trim() } });
      await opts.announce?.().catch((err: Error) => opts.log?.warn({ errName: err?.name }, 'threat level change not announced; routing follows it within its maximum age'));
      return { ...(await this.get()), level, reason: reason.trim(), setAt };
    },
  };
}

/** The level routing decides with, as one process follows it (see the module comment). */
export interface ThreatLevelFollower {
  /** The level in force: the copy held, or the store read again (throws when that read fails: routing then fails and is retried). */
  level(): Promise<ThreatLevel>;
  /** Forgets the copy held: the next `level()` reads the store (an announcement, a reconnection). */
  invalidate(): void;
  /** Subscribes to announcements; returns at once (a Redis outage delays following, never the start). */
  start(): void;
  close(): Promise<void>;
}

/**
 * A follower of the level on `store`. Subscribed on a connection of its own
 * (as the routing rules' holder is, rules-holder.ts: the catch-up must follow
 * the confirmed subscription). A read that started before an announcement is
 * not kept (the generation moved on), so a level read just before a change
 * never outlives the change's announcement.
 */
export function createThreatLevelFollower(deps: {
  store: Pick<ThreatLevelStore, 'get'>;
  redisServer: RedisServer;
  prefix: string;
  log: Logger;
  /** How long a copy is trusted without an announcement; default 60 s. */
  maxAgeMs?: number;
}): ThreatLevelFollower {
  const maxAgeMs = deps.maxAgeMs ?? 60_000;
  let held: { level: ThreatLevel; at: number; generation: number } | null = null;
  let generation = 0;
  let reading: { generation: number; promise: Promise<ThreatLevel> } | null = null;
  let subscriber: Redis | null = null;

  const invalidate = () => {
    generation++;
    held = null;
  };

  return {
    async level() {
      if (held && held.generation === generation && Date.now() - held.at < maxAgeMs) return held.level;
      let current = reading;
      if (current?.generation !== generation) {
        const mine = generation;
        const promise = deps.store.get().then(({ level }) => {
          if (mine === generation) held = { level, at: Date.now(), generation: mine };
          return level;
        });
        current = reading = { generation: mine, promise };
        const done = () => {
          if (reading?.promise === promise) reading = null;
        };
        promise.then(done, done);
      }
      return current.promise;
    },
    invalidate,
    start() {
      subscriber = redisConnection(deps.redisServer, 'pubsub', createRedisErrorLog(deps.log)('threat-level:subscribe'));
      subscriber.on('message', invalidate);
      // Whatever was announced while this process was not subscribed: read again.
      subscriber.on('ready', invalidate);
      subscriber.subscribe(threatLevelChannel(deps.prefix)).then(invalidate, () => {});
    },
    async close() {
      subscriber?.disconnect();
      subscriber = null;
    },
  };
}
