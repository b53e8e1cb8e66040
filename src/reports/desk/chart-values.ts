/**
 * The shared values of a link chart (neighbourhood.ts): the people,
 * vehicles, phones and places at least two of its readable reports hold, and
 * each one's value as a report holding it spells it.
 *
 * Which reports hold the same value is told by their blind-index terms (the
 * same term exactly when the normalised values are the same:
 * crypto/blind-index.ts): a report read whole is decrypted for its values (the
 * vault's audited read) and its terms computed from them; a report the chart
 * met as its card (reports/model/card.ts) brings the terms computed when its
 * card was made, from its values as decrypted then, and is not decrypted
 * again. A value's words come from a decrypted report holding it: the first
 * in the chart's order that was read whole, else its first holder, read whole
 * and decrypted for it (so a chart of cards decrypts one report per shared
 * value at most, not every report). A report read whole whose envelope fails
 * is left out (logged), as before; a card is not opened (its MAC was checked
 * when it was read: reports/store/cards.ts).
 *
 * The cards of the reports decrypted here are handed back for the chart to
 * file: their terms come from their values, never from `bidx` (which no MAC
 * covers).
 */
import type { Desk } from '../../auth/types.js';
import { kindOfTerm } from '../../crypto/blind-index.js';
import type { IndexedRead } from '../content/vault.js';
import { cardOf, type ReportCard } from '../model/card.js';
import { createEnvelopeMac } from '../model/envelope-mac.js';
import type { ReportDoc } from '../model/types.js';
import type { DeskDeps } from './deps.js';

/** The kinds of shared value drawn (the blind-indexed fields of `bidx`). */
export const ENTITY_KINDS = ['name', 'vehicle', 'phone', 'postcode'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/** A report of the chart as it was met: read whole, or its card. */
export type Charted = ReportDoc | ReportCard;
export const isCard = (r: Charted): r is ReportCard => 'termsKeyId' in r;

export interface SharedValue {
  kind: EntityKind;
  value: string;
  /** The reports holding it, in the chart's order. */
  holders: Set<string>;
}

/** The entity kind of a term (crypto/blind-index.ts `kindOfTerm`), or undefined for a kind the chart does not draw. */
const entityKindOf = (term: string) => {
  const kind = kindOfTerm(term);
  return (ENTITY_KINDS as readonly string[]).includes(kind ?? '') ? (kind as EntityKind) : undefined;
};
/** A report's terms in the order its values are drawn: by kind (ENTITY_KINDS), then by term. */
const inKindOrder = (terms: readonly string[]) =>
  [...new Set(terms)].filter((t) => entityKindOf(t)).sort((a, b) => ENTITY_KINDS.indexOf(entityKindOf(a)!) - ENTITY_KINDS.indexOf(entityKindOf(b)!) || (a < b ? -1 : a > b ? 1 : 0));

export function createChartValues(deps: Pick<DeskDeps, 'reports' | 'crypto' | 'vault' | 'log'>, readAtOnce: number) {
  const { reports, crypto, vault, log } = deps;
  const envelope = createEnvelopeMac(crypto.integrity);

  /** A readable report's indexed values (audited by the caller through `record`), or null when it has none or fails its envelope. */
  function indexedOf(doc: ReportDoc): IndexedRead | null {
    if (!doc.content || !doc.dataKey) return null;
    const problems = envelope.problems(doc);
    if (problems) {
      log.error({ reportId: doc._id, fieldPath: `envelope: ${problems.join(', ')}`, purpose: 'chart' }, 'data integrity failure');
      return null;
    }
    try {
      return vault.openIndexed(doc);
    } catch (err) {
      log.error({ reportId: doc._id, errName: (err as Error)?.name, purpose: 'chart' }, 'chart report does not decrypt');
      return null;
    }
  }

  /**
   * `charted`: the chart's readable reports, in its order; `mayRead`: whether the viewer may read a report read again
   * here (it may have moved since its card). Returns the shared values, the reads decrypted (for the caller to audit
   * before anything leaves) and the cards of the reports decrypted (for the caller to file).
   */
  async function sharedValues(charted: readonly Charted[], mayRead: (doc: { desk: Desk | null }) => boolean) {
    const opened = new Map<string, IndexedRead>();
    const termsOf = new Map<string, string[]>();
    const words = new Map<string, string>(); // term → the value as the first report decrypted here spells it
    const cards: ReportCard[] = [];
    /** Decrypts a report read whole; `card`: hands back its card too (not for one read only for its words: its card is current). */
    const open = (doc: ReportDoc, card: boolean) => {
      const read = opened.has(doc._id) ? null : indexedOf(doc);
      if (!read) return;
      opened.set(doc._id, read);
      const terms: string[] = [];
      for (const kind of ENTITY_KINDS) {
        for (const value of read.values[kind]) {
          const term = crypto.blindIndex.termFor(kind, value);
          if (!term) continue;
          terms.push(term);
          if (!words.has(term)) words.set(term, value);
        }
      }
      termsOf.set(doc._id, inKindOrder(terms));
      if (card) cards.push(cardOf(doc, terms, crypto.indexKeyId));
    };
    const readWhole = async (ids: readonly string[], card: boolean) => {
      if (!ids.length) return;
      for (const doc of await reports.findManyById(ids, readAtOnce)) if (doc && mayRead(doc)) open(doc, card);
    };

    // Terms: a report read whole, from its values; a card, its own (one made under another index key, during a
    // rotation, is no use: its report is read whole).
    for (const r of charted) {
      if (!isCard(r)) open(r, true);
      else if (r.termsKeyId === crypto.indexKeyId) termsOf.set(r._id, inKindOrder(r.terms));
    }
    await readWhole(
      charted.filter((r) => isCard(r) && r.termsKeyId !== crypto.indexKeyId).map((r) => r._id),
      true,
    );

    const held = new Map<string, { kind: EntityKind; term: string; holders: Set<string> }>();
    for (const r of charted) {
      for (const term of termsOf.get(r._id) ?? []) {
        const same = held.get(term);
        if (same) same.holders.add(r._id);
        else held.set(term, { kind: entityKindOf(term)!, term, holders: new Set([r._id]) });
      }
    }
    const shared = [...held.values()].filter((e) => e.holders.size >= 2);
    // Words for a value no report decrypted so far spells: its first holder not yet tried, read whole and decrypted.
    const tried = new Set<string>();
    for (;;) {
      const next = new Set<string>();
      for (const e of shared) {
        if (words.has(e.term)) continue;
        const holder = [...e.holders].find((id) => !opened.has(id) && !tried.has(id));
        if (holder) next.add(holder);
      }
      if (!next.size) break;
      for (const id of next) tried.add(id);
      await readWhole([...next], false);
    }
    const values: SharedValue[] = shared.filter((e) => words.has(e.term)).map((e) => ({ kind: e.kind, value: words.get(e.term)!, holders: e.holders }));
    return { values, opened, cards };
  }

  return { sharedValues };
}
