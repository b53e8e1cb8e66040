/**
 * The system-wide audit log: an append-only, hash-chained record of every
 * sign-in, every read that decrypts report content, every reveal, change,
 * admin action and erasure (docs/audit.md).
 *
 * `record` throws when the entry cannot be written. Callers performing a
 * sensitive read let that failure fail the read (confidentiality over
 * availability); callers whose change is already committed log it instead.
 * It also throws AuditRejectedError, before writing anything, for details
 * that break the rules of details.ts (a bug in the caller).
 */
import { randomInt } from 'node:crypto';
import type { Db } from 'mongodb';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Integrity } from '../crypto/integrity.js';
import { AnchorDirError, compareWithCheckpoints, restoredWords, type AnchorStore, type AnchorView, type RestoreSummary, type SignedCheckpoint } from './anchor.js';
import { chainHash, chainKeyOf, ChainVerifier, hashVerifies, type ChainKey } from '../crypto/hash-chain.js';
import { sanitizeEvent } from './details.js';
import { createAuditRepository, type ChainTip, type StoredEntry } from './repository.js';
import type { AuditEntry, AuditEventInput, AuditLog, AuditVerification, RecordOptions } from './types.js';

export { AuditRejectedError } from './details.js';

const MINUTE = 60_000;
/** Appends from one process are written together, up to this many per insert. */
const RUN_SIZE = 100;
/** Publishing every this many tips, the register is pruned. */
const PRUNE_EVERY = 32;

/** What is hashed for an entry: everything but the chain fields (and the storage `_id`). */
export const entryBody = (e: AuditEntry) => ({
  seq: e.seq,
  at: e.at,
  actor: e.actor,
  action: e.action,
  target: e.target,
  outcome: e.outcome,
  details: e.details,
});

/** The audit entry could not be stored: the operation that needed it must not go ahead. */
export class AuditWriteError extends AppError {
  constructor(cause: unknown, message = 'The audit log could not be written, so the operation was not performed') {
    super('SERVICE_UNAVAILABLE', message);
    this.name = 'AuditWriteError';
    this.cause = cause;
  }
}

export interface AuditLogOptions {
  db: Db;
  /** Keys the chain (`auditChain`): recomputing it needs HOTLINE_AUDIT_KEY. */
  integrity: Pick<Integrity, 'mac' | 'verify'>;
  /** Signed checkpoints outside the database (anchor.ts); without it, verification reports anchor NONE and `checkpoint` refuses. */
  anchors?: AnchorStore;
  log?: Logger;
  /** Clock, for tests. */
  now?: () => Date;
  /**
   * Insert attempts for one run of appends before giving up (contention).
   * Optimistic appends are not fair: a process appending in a tight loop
   * keeps winning while others wait, so this is set well above what the
   * 5-writer stress test needs (up to ~60).
   */
  maxAttempts?: number;
  /** How long a taken but unpublished position is waited for before the tip register is repaired. */
  staleTipMs?: number;
  /**
   * Partner entries are appended only after their minute has passed (plus
   * PARTNER_RELEASE_MS), in an order that does not follow their arrival, so
   * their place among staff entries says no more than their minute; false
   * (PARTNER_AUDIT_HOLD=off, tests) appends them at once. Default true.
   */
  holdPartnerEntries?: boolean;
  /** Documents per batch when verifying. */
  verifyBatchSize?: number;
  /** Out-of-order entries held while verifying before the missing one is looked up directly. */
  reorderLimit?: number;
}

export interface VerifyOptions {
  /** Called every 10,000 documents with the number read so far. */
  onProgress?: (read: number) => void;
}

/** Counters for tests and benchmarks: how hard appends had to fight. */
export interface AppendStats {
  appended: number;
  runs: number;
  collisions: number;
  /** Most insert attempts one run needed. */
  maxAttempts: number;
  tipRepairs: number;
}

export interface AuditLogService extends AuditLog {
  verify(options?: VerifyOptions): Promise<AuditVerification>;
  /**
   * Verifies the chain and, when it verifies and agrees with every earlier
   * checkpoint, appends a signed checkpoint of its end to the anchor
   * directory. Returns the checkpoint (null: the chain is empty), or throws
   * CheckpointRefusedError with the verdict when the chain does not verify.
   */
  checkpoint(options?: VerifyOptions): Promise<SignedCheckpoint | null>;
  /**
   * Compares the chain's end in the database with the highest checkpoint or
   * signed tip outside it (cheap: the tip register and each tip file's last
   * line; one full scan only when the register lags). Run at start-up (the
   * alarm is logged) and before this process appends after an end it did
   * not write itself, so a cut tail's positions are never reused.
   */
  checkTail(): Promise<TailCheck>;
  /** Readiness: true when checkpoints can be written; otherwise why not, in words safe to show (no path, no secret). */
  anchorsReady(): Promise<true | string>;
  stats(): AppendStats;
  /** The id of the erased report that held this reference, from its erase entry, or null (auditor.ts). */
  erasedReportId(reference: string): Promise<string | null>;
}

/**
 * The chain in the database ends before (or differs from) what was signed
 * outside it: entries after the last checkpoint were cut, with their tips.
 * Nothing is appended (it would reuse the cut positions) until the entries
 * are put back; each refused append says so, and the alarm is logged.
 */
export class AuditTailCutError extends AppError {
  constructor(readonly dbSeq: number, readonly outsideSeq: number, rewritten = false) {
    super(
      'DATA_INTEGRITY',
      rewritten
        ? `The audit chain's entry ${outsideSeq} differs from the one signed outside the database: no audit entry is written until an operator restores the chain`
        : `The audit chain ends at entry ${dbSeq} but entries up to ${outsideSeq} were signed outside the database (truncated): no audit entry is written until an operator restores the chain`,
    );
    this.name = 'AuditTailCutError';
  }
}

/** How the chain's end in the database compares with what was signed outside it (`checkTail`). */
export interface TailCheck {
  state: 'OK' | 'TRUNCATED' | 'REWRITTEN';
  /** Where the chain ends in the database (the real end, when the tip register lagged). */
  dbSeq: number;
  /** The highest entry signed outside the database (checkpoint, tip or restore), 0 when none. */
  outsideSeq: number;
  /**
   * OK after a signed restore (anchor.ts, restore events): the latest one
   * that counts, when no checkpoint was signed since. The chain holds its
   * entry exactly; the entries signed after it before the restore are not in
   * the backup, and no longer count.
   */
  restored?: RestoreSummary;
}

/** The chain does not verify (or contradicts a checkpoint): anchoring it would vouch for a tampered chain. */
export class CheckpointRefusedError extends AppError {
  constructor(readonly verification: AuditVerification) {
    super('DATA_INTEGRITY', `The audit chain does not verify (seq ${verification.brokenAt}: ${verification.reason}); no checkpoint written`);
    this.name = 'CheckpointRefusedError';
  }
}

type Pending = {
  entry: Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;
  /** RecordOptions.notAfter: past it the entry is not sent to the store. */
  notAfter?: number;
  resolve: (e: AuditEntry) => void;
  reject: (err: unknown) => void;
};

/**
 * An entry whose caller's claim to append it ran out before it could be sent (RecordOptions.notAfter): not
 * written, so that whoever holds the claim next (the recovery, once this caller gives it back or it expires) is the
 * only one to append it.
 */
export class AuditClaimLapsedError extends AuditWriteError {
  constructor() {
    super(null, 'The audit entry was not written in time; it stays pending for the recovery');
    this.name = 'AuditClaimLapsedError';
  }
}

/**
 * How long past the end of its minute a partner entry waits: staff entries
 * recorded in that minute by other processes (clocks a little apart, appends
 * in flight) are in the chain by then. Well under the recovery's grace
 * (AUDIT_RECOVERY_GRACE_MS, 30 s), which counts from the same minute's end.
 */
export const PARTNER_RELEASE_MS = 2_000;

/** Fisher-Yates with a CSPRNG: the order of one minute's partner entries says nothing of their arrival. */
function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The entries whose caller's claim has run out (RecordOptions.notAfter). */
const lapsedOf = (entries: readonly Pending[], at = Date.now()) => entries.filter((p) => p.notAfter !== undefined && at > p.notAfter);

export function createAuditLog(deps: AuditLogOptions): AuditLogService {
  const repo = createAuditRepository(deps.db);
  const key: ChainKey = chainKeyOf(deps.integrity, 'auditChain');
  const check = (doc: StoredEntry): Checked => ({ position: doc._id, seq: doc.seq, prevHash: doc.prevHash, hash: doc.hash, verifies: hashVerifies(key, doc, entryBody) });
  const now = deps.now ?? (() => new Date());
  const maxAttempts = deps.maxAttempts ?? 200;
  const staleTipMs = deps.staleTipMs ?? 1_000;
  const stats: AppendStats = { appended: 0, runs: 0, collisions: 0, maxAttempts: 0, tipRepairs: 0 };

  // Appends from this process go through one queue and are written in runs
  // (group commit): fewer round trips, and no collisions among our own
  // callers. Other processes still collide at the database, and lose cleanly.
  const queue: Pending[] = [];
  let draining = false;
  /** A drain is about to start (at the end of the current synchronous code). */
  let starting = false;
  /** The chain end as this process last knew it: a true (seq, hash) pair, possibly stale. */
  let head: ChainTip | null = null;
  let published = 0;
  /** A cut tail found, and when: appends are refused without a new look for a few seconds. */
  let cut: { error: AuditTailCutError; at: number } | null = null;
  const RECHECK_CUT_MS = 5_000;

  /**
   * The highest chain end signed outside the database that still counts: the
   * latest checkpoint, a tip above it or a signed restore (anchor.ts
   * `view`: lines a later restore abandoned do not count); and that restore
   * when no checkpoint was signed since.
   */
  async function outsideEnd(): Promise<{ top: ChainTip | null; restored?: RestoreSummary }> {
    if (!deps.anchors) return { top: null };
    const view = await deps.anchors.view(true);
    const candidates = [view.checkpoints.at(-1), view.tips.at(-1), ...view.restores.filter((r) => r.seq > 0)].filter((x) => x !== undefined);
    const top = candidates.reduce<ChainTip | null>((best, c) => (!best || c.seq > best.seq ? { seq: c.seq, hash: c.hash } : best), null);
    return { top, ...(view.restored?.sinceCheckpoint ? { restored: summaryOf(view) } : {}) };
  }

  const summaryOf = (view: AnchorView): RestoreSummary => {
    const { seq, backupAt, restoredAt, missing } = view.restored!;
    return { seq, backupAt, restoredAt, missing };
  };

  async function checkTail(): Promise<TailCheck & { end: ChainTip }> {
    // Outside first: a writer publishes its tip in the register before it signs it outside, so a register read
    // after the outside record is not behind it unless entries were cut (or a publish failed).
    const { top: outside, restored } = await outsideEnd();
    const register = await repo.tip();
    if (!outside) return { state: 'OK', dbSeq: register.seq, outsideSeq: 0, end: register, ...(restored ? { restored } : {}) };
    let end = register;
    if (register.seq < outside.seq) {
      // The register may only lag (a writer died before publishing its tip): look for the real end once.
      const last = await repo.lastEntryAfter(register.seq);
      if (last && last.seq > register.seq) {
        end = last;
        await publish(last);
      }
    }
    if (end.seq < outside.seq) return { state: 'TRUNCATED', dbSeq: end.seq, outsideSeq: outside.seq, end };
    const hashThere = end.seq === outside.seq ? end.hash : (await repo.allTips()).find((t) => t.seq === outside.seq)?.hash;
    if (hashThere !== undefined && hashThere !== outside.hash) return { state: 'REWRITTEN', dbSeq: end.seq, outsideSeq: outside.seq, end };
    return { state: 'OK', dbSeq: end.seq, outsideSeq: outside.seq, end, ...(restored ? { restored } : {}) };
  }

  /**
   * The chain end to append after when this process does not know it (first
   * append, or after a failure): the tip register's, once it is checked
   * against the record outside the database. A cut tail throws
   * AuditTailCutError (and logs the alarm) instead of handing out its positions.
   */
  async function checkedHead(): Promise<ChainTip> {
    if (cut && Date.now() - cut.at < RECHECK_CUT_MS) throw cut.error;
    const tail = await checkTail();
    if (tail.state === 'OK') {
      if (cut) deps.log?.warn({ dbSeq: tail.dbSeq, outsideSeq: tail.outsideSeq }, 'audit chain matches its outside record again; appends resume');
      cut = null;
      return tail.end;
    }
    const error = new AuditTailCutError(tail.dbSeq, tail.outsideSeq, tail.state === 'REWRITTEN');
    cut = { error, at: Date.now() };
    deps.log?.error({ state: tail.state, dbSeq: tail.dbSeq, outsideSeq: tail.outsideSeq }, 'ALARM: the audit chain contradicts its signed record outside the database; audit appends refused');
    throw error;
  }

  async function publish(tip: ChainTip) {
    try {
      await repo.publishTip(tip);
      if (++published % PRUNE_EVERY === 0) await repo.pruneTips(tip.seq);
    } catch (err) {
      // The entry is stored; a missing tip only costs the next writer a repair.
      deps.log?.warn({ seq: tip.seq, errName: (err as Error)?.name }, 'audit tip not published');
    }
  }

  /**
   * Position `taken` belongs to another writer: waits until its tip is
   * published, or repairs the register when that does not happen in time
   * (the writer crashed between its insert and its tip).
   */
  async function headAfterCollision(taken: number, current: ChainTip): Promise<ChainTip> {
    const since = Date.now();
    for (let round = 0; ; round++) {
      const tip = await repo.tip();
      if (tip.seq >= taken) return tip;
      if (Date.now() - since >= staleTipMs) {
        stats.tipRepairs++;
        const last = await repo.lastEntryAfter(Math.max(tip.seq, current.seq));
        deps.log?.warn({ publishedTip: tip.seq, chainEnd: last?.seq ?? null }, 'audit tip register behind the chain; repaired');
        if (!last) return current.seq >= tip.seq ? current : tip;
        await publish(last);
        return last;
      }
      await sleep(1 + Math.random() * Math.min(20, 2 + 2 * round));
    }
  }

  /**
   * Appends the batch in order into `done`; throws when it cannot finish (`done` then holds what was stored).
   * Before every attempt, entries past their `notAfter` leave the batch, rejected (AuditClaimLapsedError).
   */
  async function appendRun(batch: Pending[], done: { p: Pending; entry: AuditEntry }[]): Promise<void> {
    let left = batch;
    for (let attempt = 1; left.length; attempt++) {
      if (attempt > maxAttempts) throw new Error(`audit append gave up after ${maxAttempts} attempts under contention`);
      stats.maxAttempts = Math.max(stats.maxAttempts, attempt);
      const lapsed = lapsedOf(left);
      if (lapsed.length) {
        lapsed.forEach((p) => p.reject(new AuditClaimLapsedError()));
        left = left.filter((p) => !lapsed.includes(p));
        if (!left.length) return;
      }
      head ??= await checkedHead();
      const run: AuditEntry[] = [];
      let prev: ChainTip = head;
      for (const p of left) {
        const entry: AuditEntry = { ...p.entry, seq: prev.seq + 1, prevHash: prev.hash, hash: '' };
        entry.hash = chainHash(key, entry.prevHash, entryBody(entry));
        run.push(entry);
        prev = entry;
      }
      // The last look before the insert goes: a head lookup or a collision's wait may have taken time.
      if (lapsedOf(left).length) continue;
      const stored = await repo.insertRun(run);
      if (stored > 0) {
        const last = run[stored - 1]!;
        head = { seq: last.seq, hash: last.hash };
        done.push(...run.slice(0, stored).map((entry, i) => ({ p: left[i]!, entry })));
        left = left.slice(stored);
        await publish(head);
      }
      if (left.length && stored < run.length) {
        stats.collisions++;
        head = await headAfterCollision(head.seq + 1, head);
      }
    }
  }

  async function drain() {
    draining = true;
    try {
      while (queue.length) {
        const batch = queue.splice(0, RUN_SIZE);
        const done: { p: Pending; entry: AuditEntry }[] = [];
        try {
          await appendRun(batch, done);
          stats.runs++;
        } catch (err) {
          head = null;
          const stored = new Set(done.map((d) => d.p));
          const failed = batch.filter((p) => !stored.has(p));
          deps.log?.error({ failed: failed.length, errName: (err as Error)?.name }, 'audit append failed');
          const failure = err instanceof AuditTailCutError ? err : new AuditWriteError(err);
          // Rejecting twice is harmless: an entry already rejected as lapsed keeps that answer.
          failed.forEach((p) => p.reject(failure));
        }
        // The signed tip is synced outside the database before anyone is told an entry is written:
        // from then on, cutting it from the chain contradicts that record.
        const last = done.at(-1)?.entry;
        if (last && deps.anchors) {
          try {
            await deps.anchors.appendTip({ seq: last.seq, hash: last.hash });
          } catch (err) {
            deps.log?.error({ seq: last.seq, errName: (err as Error)?.name }, 'audit tip not signed outside the database; the appends it covers are reported failed');
            const failure = new AuditWriteError(err);
            done.forEach(({ p }) => p.reject(failure));
            continue;
          }
        }
        stats.appended += done.length;
        done.forEach(({ p, entry }) => p.resolve(entry));
      }
    } finally {
      draining = false;
    }
  }

  const holdPartners = deps.holdPartnerEntries ?? true;
  /** Partner entries waiting for their minute to pass, with when they may go. */
  let held: { pending: Pending; releaseAt: number }[] = [];
  let releaseTimer: NodeJS.Timeout | null = null;

  /** When a partner entry timed `at` (already to the minute) may be appended. */
  const releaseOf = (at: Date) => Math.floor(at.getTime() / MINUTE) * MINUTE + MINUTE + PARTNER_RELEASE_MS;
  const heldBack = (event: Pick<AuditEventInput, 'actor'>, at: Date) => holdPartners && event.actor?.type === 'partner' && now().getTime() < releaseOf(at);

  /** Moves the partner entries whose minute has passed to the queue, shuffled, and waits for the next ones. */
  function releaseHeld() {
    releaseTimer = null;
    const t = now().getTime();
    const due = held.filter((h) => h.releaseAt <= t);
    held = held.filter((h) => h.releaseAt > t);
    if (due.length) enqueue(...shuffled(due.map((h) => h.pending)));
    scheduleRelease();
  }

  function scheduleRelease() {
    if (releaseTimer || !held.length) return;
    const next = Math.min(...held.map((h) => h.releaseAt));
    // At most a second at a time: the clock is read again (an adjusted clock, or a test's) rather than trusted ahead.
    releaseTimer = setTimeout(releaseHeld, Math.min(1_000, Math.max(0, next - now().getTime())));
    releaseTimer.unref();
  }

  /** Queues entries for the next run; the run starts once the caller's synchronous code is done. */
  function enqueue(...pending: Pending[]) {
    queue.push(...pending);
    // Entries recorded together (a search's reads and the search itself) go in one run: one insert and one tip,
    // not a run for the first entry and another for the rest.
    if (!draining && !starting) {
      starting = true;
      queueMicrotask(() => {
        starting = false;
        if (!draining) void drain();
      });
    }
  }

  function record(event: AuditEventInput, options: RecordOptions = {}): Promise<AuditEntry> {
    let clean: ReturnType<typeof sanitizeEvent>;
    try {
      clean = sanitizeEvent(event);
    } catch (err) {
      return Promise.reject(err);
    }
    const t = (options.at ?? now()).getTime();
    // Partners' informants: no time finer than the minute is kept for partner actions.
    const at = new Date(clean.actor.type === 'partner' ? Math.floor(t / MINUTE) * MINUTE : t);
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        entry: { at, ...clean, ...(options.eventKey ? { eventKey: options.eventKey } : {}) },
        ...(options.notAfter !== undefined ? { notAfter: options.notAfter } : {}),
        resolve,
        reject,
      };
      // A partner's entry waits for its minute to pass: its place in the chain then says no more than the minute.
      if (heldBack(clean, at)) {
        held.push({ pending, releaseAt: releaseOf(at) });
        scheduleRelease();
      } else enqueue(pending);
    });
  }

  /** The keyed chain checked entry by entry, then compared with the checkpoints; also where the verified chain ends. */
  async function verifyWithHead(options: VerifyOptions = {}): Promise<{ result: AuditVerification; head: ChainTip }> {
    // What counts outside the database: the checkpoints, the tips above the latest (it covers those below) and the
    // signed restores, less what a later restore abandoned (anchor.ts `view`). Read before the scan, as the register is.
    const view: AnchorView = deps.anchors ? await deps.anchors.view() : { checkpoints: [], tips: [], restores: [], restored: null, rejected: 0 };
    const { checkpoints } = view;
    if (view.rejected) deps.log?.warn({ rejected: view.rejected }, 'audit anchor lines whose signature does not verify under this audit key were ignored');
    const anchored = new Set([...checkpoints.map((c) => c.seq), ...view.tips.map((t) => t.seq), ...view.restores.map((r) => r.seq)]);
    const storedAt = new Map<number, string>();
    const batchSize = deps.verifyBatchSize ?? 1_000;
    const reorderLimit = deps.reorderLimit ?? 50_000;
    // Read before the scan: every published tip's entry was stored before it, so the scan must meet it.
    const tips = new Map((await repo.allTips()).map((t) => [t.seq, t.hash]));
    const verifier = new ChainVerifier();
    // Entries met before their predecessor (storage order is normally seq order; see docs/audit.md).
    const pending = new Map<number, Checked>();
    let foreign = false;

    const feedOne = (c: Checked) => {
      const recorded = tips.get(c.position);
      if (c.seq !== c.position) verifier.fail(c.position, `the entry stored as seq ${c.position} carries seq ${String(c.seq)}`);
      else if (recorded !== undefined && recorded !== c.hash && c.verifies) {
        verifier.fail(c.position, 'entry differs from the hash recorded in the tip register (rewritten chain)');
      } else verifier.push({ seq: c.position, prevHash: c.prevHash, hash: c.hash }, c.verifies);
    };
    /** Feeds `c` (the expected entry), then whatever was waiting for it. */
    const feed = (c: Checked) => {
      feedOne(c);
      for (let next = pending.get(verifier.expectedSeq); next && !verifier.isBroken; next = pending.get(verifier.expectedSeq)) {
        pending.delete(next.position);
        feedOne(next);
      }
    };
    /** The expected entry has not come up: looks it up directly (slow on the local store, so only when needed). */
    const lookUpExpected = async () => {
      const expected = verifier.expectedSeq;
      const doc = await repo.entryAt(expected);
      if (doc) return feed(check(doc));
      const after = Math.min(...pending.keys());
      verifier.fail(expected, `entry ${expected} is missing (the next stored entry is seq ${after})`);
    };

    let read = 0;
    for await (const doc of repo.scan(batchSize)) {
      read++;
      if (options.onProgress && read % 10_000 === 0) options.onProgress(read);
      const position = doc._id as unknown;
      if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 1) {
        foreign = true;
        continue;
      }
      if (anchored.has(position)) storedAt.set(position, doc.hash);
      if (verifier.isBroken) continue; // the first break is known; only the checkpoints' positions are still of use
      if (position < verifier.expectedSeq) continue; // already fed, after a direct look-up
      const checked = check(doc);
      if (position === verifier.expectedSeq) feed(checked);
      else pending.set(position, checked);
      if (pending.size > reorderLimit) await lookUpExpected();
      if (verifier.isBroken && !anchored.size) break; // the first break is known; the rest cannot change it
    }
    while (!verifier.isBroken && pending.size > 0) await lookUpExpected();

    const end = verifier.expectedSeq - 1;
    const lastTip = Math.max(0, ...tips.keys());
    if (lastTip > end) verifier.fail(end + 1, `entry ${end + 1} is missing: the chain ends at seq ${end} but the tip register records seq ${lastTip}`);
    if (foreign) verifier.fail(0, 'the audit collection holds a document that is not a chain entry (its _id is not a positive integer)');
    const chain = verifier.result();
    const anchor = compareWithCheckpoints(checkpoints, (seq) => storedAt.get(seq), chain, view.tips, view);
    const contradicted = anchor.anchor === 'TRUNCATED' || anchor.anchor === 'REWRITTEN';
    const result: AuditVerification = {
      ...chain,
      ...(contradicted && chain.valid ? { valid: false, brokenAt: anchor.firstDifference, reason: anchor.reason } : {}),
      anchor: anchor.anchor,
      anchorSeq: anchor.anchorSeq,
      anchoredAt: anchor.anchoredAt,
      firstDifference: contradicted ? anchor.firstDifference : chain.brokenAt,
      ...(anchor.restored ? { restored: anchor.restored } : {}),
    };
    if (!chain.valid) deps.log?.error({ brokenAt: chain.brokenAt, reason: chain.reason }, 'audit chain does not verify');
    if (contradicted) deps.log?.error({ anchor: anchor.anchor, anchorSeq: anchor.anchorSeq, firstDifference: anchor.firstDifference }, 'audit chain contradicts a signed checkpoint');
    return { result, head: verifier.head };
  }

  async function checkpoint(options: VerifyOptions = {}): Promise<SignedCheckpoint | null> {
    if (!deps.anchors) throw new Error('no audit anchor directory is configured');
    const { result, head } = await verifyWithHead(options);
    if (!result.valid) throw new CheckpointRefusedError(result);
    if (head.seq === 0) return null;
    const at = new Date(Math.floor(now().getTime() / MINUTE) * MINUTE).toISOString();
    const signed = await deps.anchors.append({ seq: head.seq, hash: head.hash, count: head.seq, at });
    deps.log?.info({ seq: signed.seq }, 'audit checkpoint written');
    return signed;
  }

  return {
    record,
    heldUntil: (event, at) => (heldBack(event, at) ? releaseOf(at) : null),
    verify: async (options) => (await verifyWithHead(options)).result,
    checkpoint,
    async checkTail() {
      const { end: _end, ...tail } = await checkTail();
      if (tail.state !== 'OK') deps.log?.error(tail, 'ALARM: the audit chain contradicts its signed record outside the database; audit appends will be refused');
      // Not an alarm: an operator restored an older backup and the restore is signed; appends chain on from it.
      else if (tail.restored) deps.log?.warn({ restoredToSeq: tail.restored.seq, restoredAt: tail.restored.restoredAt }, `audit chain ${restoredWords(tail.restored)} (a signed restore)`);
      return tail;
    },
    async anchorsReady() {
      if (!deps.anchors) return 'no audit anchor directory is configured';
      try {
        await deps.anchors.checkWritable();
        return true;
      } catch (err) {
        return err instanceof AnchorDirError ? err.message : 'the audit anchor directory could not be checked';
      }
    },
    async query(filter, page) {
      const first = Math.min(Math.max(Math.trunc(page.first), 1), 500);
      const { entries, hasNextPage } = await repo.query(filter, first, page.after);
      return { entries: entries.map(toEntry), hasNextPage };
    },
    chainedKeys: async (keys) => new Set(keys.length ? await repo.eventKeysIn(keys) : []),
    erasedReportId: (reference) => repo.erasedReportId(reference),
    ensureIndexes: () => repo.ensureIndexes(),
    stats: () => ({ ...stats }),
  };
}

/** An entry's chain fields with the hash recomputed from its body: all verification needs to keep. */
interface Checked {
  position: number;
  seq: unknown;
  prevHash: string;
  hash: string;
  /** Whether the stored hash is the keyed hash of the entry's body. */
  verifies: boolean;
}

function toEntry({ _id, ...entry }: StoredEntry): AuditEntry {
  return entry;
}
