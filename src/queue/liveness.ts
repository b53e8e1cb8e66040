/**
 * What tells the worker's reconcile (src/tasks/reconcile.ts) whether its scans
 * of `reports` can find anything. They exist only for work a process left
 * pending because it died between two writes or saw a write fail; on the
 * local store each scan decodes the whole collection (minutes at 100,000 reports), so
 * scanning on a timer whatever happened competes with every reader. Instead
 * (all in Redis, no store write on any hot path):
 * - a lease per process: a key with a TTL, refreshed, and membership in a set
 *   of live processes. A clean shutdown removes both, so a member without its
 *   key died uncleanly;
 * - "reconcile wanted" marks, a sorted set scored by the time a process saw a
 *   failure that leaves work pending (an audit append refused, a report neither
 *   the queue nor the outbox took). Kept in memory while Redis does not answer
 *   and written by the refresh loop once it does;
 * - the time of the last run, for a safety run every RECONCILE_SAFETY_MS.
 * A Redis that lost its data (restart, failover) shows as this process's
 * member missing, and as no last run: both mean "scan". A failover to a
 * replica that had the set but not the last writes (a triage job taken just
 * before) shows only as another server: a changed run_id is a mark too.
 * State is shared, not per worker, so whichever worker takes the period's job
 * sees every process's death and every mark; a run removes only the members
 * and marks it read before scanning, and only once the scans succeeded.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

const LEASE_TTL_MS = 30_000;
const REFRESH_MS = 10_000;

/** Why a reconcile is due, and what its success settles. */
export interface ReconcileDue {
  reasons: Array<'dead' | 'wanted' | 'lost' | 'safety'>;
  /** Members whose lease expired: processes that died without a clean shutdown. */
  dead: string[];
  /** The wanted marks old enough for the scans to find their work. */
  marks: string[];
  /** When the check ran. */
  at: number;
}

export interface Liveness {
  /** This process's member id. */
  readonly id: string;
  /** Takes the lease and keeps it (a timer, unref'd); resolves once Redis answered or the attempt failed. */
  start(): Promise<void>;
  /** A clean shutdown: the lease and membership go, so no one takes this process for dead. */
  stop(): Promise<void>;
  /** Records that work may have been left pending at `at` (now by default); never throws, never waits. */
  want(at?: number): void;
  /** Whether the reconcile must scan now; null when nothing can be pending (a few Redis commands, no store command). */
  due(opts: { graceMs: number; safetyMs: number; now?: number }): Promise<ReconcileDue | null>;
  /** After scans that succeeded: drops what they covered; a death or lost data leaves a mark for a follow-up run past the grace. */
  settle(due: ReconcileDue): Promise<void>;
}

export function createLiveness(redis: Redis, prefix: string, opts: { leaseTtlMs?: number; refreshMs?: number } = {}): Liveness {
  const id = `${process.pid}-${randomBytes(6).toString('base64url')}`;
  const members = `${prefix}:liveness:members`;
  const lease = (member: string) => `${prefix}:liveness:lease:${member}`;
  const wanted = `${prefix}:reconcile:wanted`;
  const lastRun = `${prefix}:reconcile:last-run`;
  const ttl = opts.leaseTtlMs ?? LEASE_TTL_MS;
  /** Marks Redis has not taken yet (it was down when the failure was seen). */
  const unsent: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let registered = false;
  let stopped = false;
  let runId: string | undefined;

  async function flush() {
    if (!unsent.length) return;
    const batch = unsent.splice(0);
    try {
      await redis.zadd(wanted, ...batch.flatMap((at) => [at, `${id}:${at}:${randomBytes(4).toString('base64url')}`]));
    } catch (err) {
      unsent.unshift(...batch);
      throw err;
    }
  }

  async function refresh() {
    if (stopped) return;
    const [, added] = (await redis.multi().set(lease(id), '1', 'PX', ttl).sadd(members, id).exec()) ?? [];
    // Back in a set that had lost it: Redis lost its data, and the marks with it.
    if (registered && added?.[1] === 1) unsent.push(Date.now());
    registered = true;
    const server = /run_id:(\w+)/.exec(await redis.info('server'))?.[1];
    if (runId && server && server !== runId) unsent.push(Date.now());
    runId = server ?? runId;
    await flush();
  }

  return {
    id,
    async start() {
      await refresh().catch(() => undefined);
      timer = setInterval(() => void refresh().catch(() => undefined), opts.refreshMs ?? REFRESH_MS);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await flush().catch(() => undefined);
      await redis.multi().del(lease(id)).srem(members, id).exec().catch(() => undefined);
    },
    want(at = Date.now()) {
      unsent.push(at);
      void flush().catch(() => undefined);
    },
    async due({ graceMs, safetyMs, now = Date.now() }) {
      await flush().catch(() => undefined);
      const [live, marks, last, own] = await Promise.all([
        redis.smembers(members),
        redis.zrangebyscore(wanted, '-inf', now - graceMs),
        redis.get(lastRun),
        redis.sismember(members, id),
      ]);
      const others = live.filter((m) => m !== id);
      const exists = others.length ? await Promise.all(others.map((m) => redis.exists(lease(m)))) : [];
      const dead = others.filter((_, i) => exists[i] === 0);
      const reasons: ReconcileDue['reasons'] = [];
      if (dead.length) reasons.push('dead');
      if (marks.length) reasons.push('wanted');
      if (own === 0) reasons.push('lost');
      if (last === null || now - Number(last) >= safetyMs) reasons.push('safety');
      return reasons.length ? { reasons, dead, marks, at: now } : null;
    },
    async settle(due) {
      const tx = redis.multi().set(lastRun, String(due.at));
      if (due.dead.length) tx.srem(members, ...due.dead);
      if (due.marks.length) tx.zrem(wanted, ...due.marks);
      // Work a dead process (or a Redis that lost its data) left within the grace before this run was too young for it.
      if (due.reasons.includes('dead') || due.reasons.includes('lost')) tx.zadd(wanted, due.at, `${id}:${due.at}:follow-up`);
      // Back in the set, so the next check does not take this process for lost again.
      if (due.reasons.includes('lost')) tx.set(lease(id), '1', 'PX', ttl).sadd(members, id);
      await tx.exec();
    },
  };
}
