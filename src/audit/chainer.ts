/**
 * The one audit path for report changes. A change carries its audit events
 * inside its own single-document write (`ReportDoc.auditPending`), so a
 * committed change can never lack its audit record, on the local store (no
 * transactions) as on MongoDB. Right after the write, the writer appends the
 * events to the chain (group commit in audit/service.ts) and marks them
 * chained in Redis; the next change of the report drops the marked ones and
 * carries the rest forward. Events that no writer chained (a process killed
 * between the write and the append, the audit store down at that moment)
 * are chained by `recover`, run by the worker's reconciliation: it checks
 * the chain for their keys first, so an event is chained once.
 *
 * Whoever appends an event claims it first (`ChainMarks.claim`, SET NX in
 * Redis for CLAIM_TTL_SECONDS, under a token of its own), sends it to the
 * store only while CLAIM_MARGIN_MS of the claim are left, and gives back
 * only a claim still its own: a writer slowed past the grace and a
 * recovery, or two workers' recoveries at once, then do not both append it
 * while Redis answers and the store commits an insert within the margin
 * (seen in the fault test under load: two `report.triage` entries for one
 * routing). A claimer that dies leaves its claim to expire; the recovery
 * then checks the chain and appends what is missing. With Redis out of
 * reach a writer appends unclaimed (the recovery, which needs a claim,
 * waits for Redis, then finds the writer's entries in the chain).
 *
 * The marks are a cache: when Redis has lost them, events are carried and
 * the recovery finds them in the chain by key (a scan on the local store, indexed
 * on MongoDB; rare).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { AuditEventInput, AuditLog, PendingAuditEvent } from './types.js';

/** How long a chained mark is kept: far longer than any report waits for its next change to drop the event. */
const MARK_TTL_SECONDS = 30 * 24 * 3600;

/**
 * How long a claim to append an event holds: far longer than an append takes under load (the slowest seen: seconds),
 * short enough that the recovery soon chains the events of a claimer that died.
 */
const CLAIM_TTL_SECONDS = 60;
/**
 * A partner's events wait in the audit log until their minute has passed (up to about 70 s). Their writer claims them
 * only this long before that (a timer), so a writer that dies during the wait leaves no claim for the recovery to
 * wait out (it was one of 180 s, taken at once: the fault test's worst case), while they still reach the audit log
 * before their minute's end and are shuffled with that minute's other partner entries. The claim is an ordinary one.
 */
const HELD_CLAIM_LEAD_MS = 10_000;

/**
 * What is left of a claim when its holder's entry must be in the store: an entry not sent by then is not sent
 * (RecordOptions.notAfter), so an append sent before it lands while the claim still holds, unless the store takes
 * longer than this to commit one insert; only after the claim ends can the recovery claim the event and look for it.
 */
const CLAIM_MARGIN_MS = 20_000;

/** Deletes a claim only while it is still the caller's (a lapsed claim may be another caller's by now). */
const RELEASE_IF_OWNER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** Where "this event is chained" is remembered, and who is appending it now. */
export interface ChainMarks {
  /** For each key, whether it is marked chained; throws when the store is unreachable. */
  marked(keys: readonly string[]): Promise<boolean[]>;
  mark(keys: readonly string[]): Promise<void>;
  /**
   * For each key, whether the caller now holds the claim to append it (nobody else held it), under `owner` (a token of
   * the caller's own); throws when unreachable.
   */
  claim(keys: readonly string[], ttlSeconds: number, owner: string): Promise<boolean[]>;
  /** Gives back the claims `owner` still holds (never one that lapsed and another caller took since). */
  release(keys: readonly string[], owner: string): Promise<void>;
}

/**
 * `hashKey`: how an event key appears in Redis. src/deps.ts passes a keyed hash
 * (the event key holds the report id, and Redis must not name an erased
 * report: trust review 2, item 9); marks are a cache, so marks made under
 * another name are simply not found (the events are carried, and recovery
 * finds them in the chain).
 */
export function createRedisChainMarks(redis: Redis, prefix: string, hashKey: (key: string) => string = (key) => key): ChainMarks {
  const k = (key: string) => `${prefix}:audit-chained:${hashKey(key)}`;
  const c = (key: string) => `${prefix}:audit-chaining:${hashKey(key)}`;
  return {
    async claim(keys, ttlSeconds, owner) {
      if (!keys.length) return [];
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.set(c(key), owner, 'EX', ttlSeconds, 'NX');
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed || results.length !== keys.length) throw failed?.[0] ?? new Error('claims not answered');
      return results.map(([, reply]) => reply === 'OK');
    },
    async release(keys, owner) {
      if (!keys.length) return;
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.eval(RELEASE_IF_OWNER, 1, c(key), owner);
      await pipeline.exec();
    },
    async marked(keys) {
      if (!keys.length) return [];
      const values = await redis.mget(keys.map(k));
      return values.map((v) => v !== null);
    },
    async mark(keys) {
      if (!keys.length) return;
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.set(k(key), '1', 'EX', MARK_TTL_SECONDS);
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    },
  };
}

/**
 * The latest moment an event can have been written: a partner report's
 * events carry their time truncated to the minute (reports/rules/partner-time.ts),
 * so a whole-minute time may be up to a minute earlier than the write. The
 * recovery's grace counts from here, or it would race the writer of a
 * partner report's change and chain its events twice.
 */
function latestTimeOf(e: Pick<PendingAuditEvent, 'at'>): number {
  const at = new Date(e.at).getTime();
  return at % 60_000 === 0 ? at + 60_000 : at;
}

export type AuditChainer = ReturnType<typeof createAuditChainer>;

/** What the chainer reports to metrics: events left unchained by their writer, and those chained late. */
export interface ChainerObserver {
  auditUnchained(n: number): void;
  auditRecovered(n: number): void;
}

/**
 * `wantReconcile`: told when events are left pending for the worker's reconcile (an append refused, or a recovery
 * that left some for a later pass), which scans only when something asked (src/queue/liveness.ts).
 */
export function createAuditChainer(deps: { audit: AuditLog; marks: ChainMarks; log: Logger; observe?: ChainerObserver; wantReconcile?: (at?: number) => void }) {
  const { audit, marks, log } = deps;
  /**
   * When this process first saw each event still pending. An event's own time
   * is taken before its change is written (triage links first), so under load
   * its writer may still be appending it well past `at + grace`; counting the
   * grace from the first sighting too (which is after the commit) leaves the
   * writer the whole grace for its append alone. Seen in CI (a triage audited
   * by its writer and by the other worker's recovery), and as a late chaining
   * in every local run of the chaos scale test before this.
   */
  const firstSeen = new Map<string, number>();
  /** Sightings of events that left their report (chained by their writer) are dropped after a while. */
  function forgetOld(now: number, graceMs: number) {
    if (firstSeen.size < 10_000) return;
    for (const [key, seen] of firstSeen) if (now - seen > graceMs + 3_600_000) firstSeen.delete(key);
  }

  /**
   * Claims the events (see the header), then chains those it won in order (one group-commit run) and marks them;
   * the events it appended, or null when the chain could not be written. A writer that cannot reach Redis appends unclaimed; the recovery
   * (`late`) appends only what it claimed, and first checks the chain for them (a claimer may have appended and died).
   * A claimed event is sent to the store only while its claim has CLAIM_MARGIN_MS left (`notAfter`): one held up
   * longer (a slow store, a long queue) stays pending, and the recovery appends it once the claim has ended.
   */
  async function append(all: readonly PendingAuditEvent[], late = false): Promise<PendingAuditEvent[] | null> {
    if (!all.length) return [];
    let events: readonly PendingAuditEvent[];
    const owner = randomBytes(12).toString('base64url');
    const claimedAt = Date.now();
    let claimed = true;
    try {
      const won = await marks.claim(all.map((e) => e.key), CLAIM_TTL_SECONDS, owner);
      events = all.filter((_, i) => won[i]);
    } catch (err) {
      if (late) throw err;
      events = all;
      claimed = false;
    }
    if (late && events.length) {
      const inChain = await audit.chainedKeys(events.map((e) => e.key));
      events = events.filter((e) => !inChain.has(e.key));
    }
    if (!events.length) return [];
    const notAfter = claimed ? claimedAt + CLAIM_TTL_SECONDS * 1000 - CLAIM_MARGIN_MS : undefined;
    try {
      await Promise.all(events.map(({ key, at, ...event }) => audit.record(event, { at, eventKey: key, ...(notAfter !== undefined ? { notAfter } : {}) })));
    } catch (err) {
      if (!late) deps.observe?.auditUnchained(events.length);
      if (!late) deps.wantReconcile?.();
      log.warn({ events: events.length, errName: (err as Error)?.name }, 'audit events stay pending in their report; the worker will chain them');
      if (claimed) await marks.release(events.map((e) => e.key), owner).catch(() => undefined);
      return null;
    }
    await marks.mark(events.map((e) => e.key)).catch((err) => {
      log.warn({ errName: (err as Error)?.name }, 'chained audit events not marked; the next change carries them and recovery finds them chained');
    });
    return [...events];
  }

  return {
    /** The pending events of the change that takes `doc` from `version - 1` to `version`. */
    events(reportId: string, version: number, inputs: readonly AuditEventInput[], at: Date): PendingAuditEvent[] {
      return inputs.map((e, i) => ({ ...e, key: `${reportId}:${version}:${i}`, at }));
    },

    /** Of a report's pending events, those not known to be chained: the next change must keep them. */
    async carry(pending: readonly PendingAuditEvent[] | undefined): Promise<PendingAuditEvent[]> {
      if (!pending?.length) return [];
      try {
        const done = await marks.marked(pending.map((e) => e.key));
        return pending.filter((_, i) => !done[i]);
      } catch {
        return [...pending];
      }
    },

    /**
     * After the write that carries them: appends the change's events to the
     * chain. Never throws (they stay pending). Events the chain holds back
     * past their minute (a partner's) are appended without being waited
     * for: they wait in the report meanwhile, so the partner's request does
     * not wait for the minute to end; they are claimed and sent only
     * HELD_CLAIM_LEAD_MS before their hold ends (a timer of this process).
     */
    chain(events: readonly PendingAuditEvent[]): Promise<boolean> {
      const now = Date.now();
      const held = new Map<number, PendingAuditEvent[]>(); // by when their hold ends
      for (const e of events) {
        const until = audit.heldUntil?.(e, new Date(e.at)) ?? null;
        if (until !== null) held.set(until, [...(held.get(until) ?? []), e]);
      }
      // Those a recovery chained meanwhile (this process stalled past the grace) are marked: not claimed again.
      const later = async (group: PendingAuditEvent[]) => {
        const done = await marks.marked(group.map((e) => e.key)).catch(() => group.map(() => false));
        await append(group.filter((_, i) => !done[i]));
      };
      for (const [until, group] of held) setTimeout(() => void later(group), Math.max(0, until - HELD_CLAIM_LEAD_MS - now)).unref();
      return append(held.size ? events.filter((e) => ![...held.values()].some((g) => g.includes(e))) : events).then((done) => done !== null);
    },

    /**
     * Chains a report's pending events that nobody chained: those older than
     * `graceMs` (younger ones may still be on their way from their writer),
     * not marked, and not found in the chain by key. Returns how many it chained.
     */
    async recover(pending: readonly PendingAuditEvent[] | undefined, graceMs: number, now = Date.now()): Promise<number> {
      forgetOld(now, graceMs);
      const stale = (pending ?? []).filter((e) => {
        if (!firstSeen.has(e.key)) firstSeen.set(e.key, now);
        return now - latestTimeOf(e) >= graceMs && now - firstSeen.get(e.key)! >= graceMs;
      });
      // Older than the grace but seen for the first time, and not marked chained (a report keeps its last change's
      // events, chained or not, until its next change): a later pass must come back for them. Marked ones need none, or
      // every scan that meets a report changed since the last would ask for the next; nor do events younger than the
      // grace, whose writer is still at work: one whose append fails asks for a run itself, one that dies is found by
      // its lease (queue/liveness.ts), and asking for them meant a scan a minute under steady work.
      const young = (pending ?? []).filter((e) => !stale.includes(e) && now - latestTimeOf(e) >= graceMs);
      if (young.length && deps.wantReconcile) {
        const marked = await marks.marked(young.map((e) => e.key)).catch(() => young.map(() => false));
        if (marked.some((m) => !m)) deps.wantReconcile(now);
      }
      if (!stale.length) return 0;
      const done = await marks.marked(stale.map((e) => e.key)).catch(() => stale.map(() => false));
      const unmarked = stale.filter((_, i) => !done[i]);
      if (!unmarked.length) return 0;
      const inChain = await audit.chainedKeys(unmarked.map((e) => e.key));
      const missing = unmarked.filter((e) => !inChain.has(e.key));
      // Only what this run claims: another recovery, or a writer slowed past the grace, may be appending the rest.
      const appended = missing.length ? await append(missing, true) : [];
      if (appended === null) throw new Error('audit chain unavailable');
      if (appended.length) deps.observe?.auditRecovered(appended.length);
      await marks.mark(unmarked.filter((e) => inChain.has(e.key)).map((e) => e.key)).catch(() => undefined);
      if (appended.length) log.warn({ chained: appended.length }, 'audit events of committed report changes chained late');
      // Settled: marked, found in the chain, or appended now. An event another holder still claims keeps its
      // first sighting, so the next pass chains it as soon as that claim ends rather than a whole grace later.
      const settled = new Set([...stale.filter((_, i) => done[i]), ...unmarked.filter((e) => inChain.has(e.key)), ...appended].map((e) => e.key));
      for (const e of stale) if (settled.has(e.key)) firstSeen.delete(e.key);
      if (stale.some((e) => !settled.has(e.key))) deps.wantReconcile?.(now);
      return appended.length;
    },
  };
}
