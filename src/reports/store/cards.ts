/**
 * `report_cards`: one card per report (`_id`: the report's id), what the link
 * chart draws of it (reports/model/card.ts), read by `_id` alone. Filed by
 * triage for a report it linked and for the reports it linked it to, and by
 * the chart for a report it had to read whole; a card of an older version is
 * replaced (and one of the same version whose MAC is not this card's: changed
 * in the database), one of a later version left as it is. A card is only
 * ever used while its version is its report's current one (the repository
 * checks, as for a kept copy), so a stale card costs a read of the report,
 * never a wrong node.
 *
 * Erasure: applyChange deletes the erased report's card after its tombstone;
 * a filer checks the tombstones of what it filed after filing and deletes a
 * card of a report erased meanwhile (so a card filed late by a triage or a
 * chart that read the report before its erasure does not stay). Key rotation
 * deletes every card (cards are remade as they are read).
 *
 * On MongoDB this would be a projection of `reports` (MongoDB reads only the
 * fields asked for): FerretDB 1.24 decodes the whole document for any read.
 */
import type { Db } from 'mongodb';
import type { Integrity } from '../../crypto/integrity.js';
import { insertEachIfAbsent } from '../../db/errors.js';
import { cardMacInput, type ReportCard } from '../model/card.js';

/** Cards this process filed, by `<id>:<version>`, so it does not file them again (each a few dozen bytes); the oldest are forgotten first. */
const FILED_REMEMBERED = 20_000;

type StoredCard = ReportCard & { mac: string };

export type ReportCards = ReturnType<typeof createReportCards>;

export function createReportCards(db: Db, integrity: Pick<Integrity, 'mac' | 'verify'>) {
  const cards = db.collection<StoredCard>('report_cards');
  const filed = new Set<string>();
  /** Reports whose stored card `read` found not to verify: the next `file` of their card replaces it whatever its MAC says. */
  const unverified = new Set<string>();
  /** Forgets that this process filed any card of the report (so the next `file` writes it). */
  const forget = (id: string) => {
    for (const key of [...filed]) if (key.startsWith(`${id}:`)) filed.delete(key);
  };
  const remember = (card: ReportCard) => {
    filed.add(`${card._id}:${card.version}`);
    while (filed.size > FILED_REMEMBERED) filed.delete(filed.values().next().value!);
  };
  return {
    /**
     * Files cards (one per report), each sealed: a new one by insert (concurrent filers' inserts share a commit:
     * db/errors.ts), over a card of an older version by replace. Returns the ids written, for the filer's tombstone check.
     * Not a card this process filed at the same version before (triage meets the same candidates again and again), unless
     * it was found not to verify since (`read`); an erasure or a key rotation (by another process too) changes the
     * report's version, so its next card is filed.
     */
    async file(list: readonly ReportCard[]): Promise<string[]> {
      const fresh = [...new Map(list.filter((c) => !filed.has(`${c._id}:${c.version}`)).map((c) => [c._id, c])).values()];
      if (!fresh.length) return [];
      const sealed = fresh.map((c) => ({ ...c, mac: integrity.mac('reportCard', cardMacInput(c)) }));
      const inserted = await insertEachIfAbsent(cards, sealed);
      const written: string[] = [];
      await Promise.all(
        sealed.map(async (card, i) => {
          if (inserted[i]) written.push(card._id);
          else {
            // Over an older card, or one of this version that is not this card: its MAC differs, or `read` found it
            // changed in the database (its fields, under the MAC it had). Looked at first, then replaced by `_id`
            // alone (FerretDB reads the whole collection for any other filter of an update; on MongoDB one
            // `replaceOne` with the version and MAC in its filter). A filer racing with this one may put an older card
            // back: it is then not current, and the chart reads its report whole and files it again.
            const stored = await cards.findOne({ _id: card._id }, { projection: { version: 1, mac: 1 } });
            if (!stored || stored.version < card.version || (stored.version === card.version && (stored.mac !== card.mac || unverified.has(card._id)))) {
              await cards.replaceOne({ _id: card._id }, card, { upsert: true });
              written.push(card._id);
            }
          }
          unverified.delete(card._id);
          remember(card);
        }),
      );
      return written;
    },
    /**
     * Cards by report id, in their order: null for none, and for one whose MAC does not verify (`forged` is told: a
     * database writer's, or a card of an audit key since removed; the report is read whole instead and its card filed again).
     */
    async read(ids: readonly string[], atOnce: number, forged: (id: string) => void): Promise<(ReportCard | null)[]> {
      const found: (StoredCard | null)[] = [];
      for (let i = 0; i < ids.length; i += atOnce) found.push(...(await Promise.all(ids.slice(i, i + atOnce).map((_id) => cards.findOne({ _id })))));
      return found.map((stored, i) => {
        if (!stored) return null;
        const { mac, ...card } = stored;
        if (card._id === ids[i] && integrity.verify('reportCard', cardMacInput(card), mac)) return card;
        forget(ids[i]!);
        unverified.add(ids[i]!);
        forged(ids[i]!);
        return null;
      });
    },
    /** Erasure (and a filer that finds the report erased): its card goes. */
    async forget(reportIds: readonly string[]) {
      await Promise.all(reportIds.map((_id) => cards.deleteOne({ _id })));
      for (const id of reportIds) forget(id);
    },
    /** Key rotation: every card goes (their terms are under the previous index key); cards are filed again as reports are charted and linked. */
    async clear(): Promise<number> {
      filed.clear();
      return (await cards.deleteMany({})).deletedCount;
    },
  };
}
