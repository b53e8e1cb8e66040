/**
 * The national threat level, kept in MongoDB so every instance and worker
 * sees the same value. Changing it is audited; routing reads it per decision.
 */
import type { Db } from 'mongodb';
import type { AuditLog } from '../audit/types.js';
import { actorOf, type Principal } from '../auth/types.js';
import { badInput } from '../errors.js';
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

export function createThreatLevelStore(db: Db, audit: AuditLog) {
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
      return { ...(await this.get()), level, reason: reason.trim(), setAt };
    },
  };
}
