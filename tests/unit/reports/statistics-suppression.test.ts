/**
 * The published tables' suppression (src/reports/desk/suppression.ts,
 * statistics-tables.ts, publishedWeek in statistics.ts), as a property: for
 * many random weeks of events, every suppressed figure is recomputed from the
 * published ones alone (each table's cells sum to the shared total, a
 * category table's to at least it; zeros and other tables' figures included)
 * by an exact recomputation written here, and the test fails if any is exact.
 */
import { describe, expect, it } from 'vitest';
import { figuresOf, type StatisticsEvent, type StatisticsMeasure } from '../../../src/reports/model/statistics.js';
import { publishedWeek, quantileBucket, type StatisticsRow } from '../../../src/reports/desk/statistics.js';
import { PUBLISHED_TABLES } from '../../../src/reports/desk/statistics-tables.js';
import type { DayDoc } from '../../../src/reports/store/statistics.js';
import type { ThreatCategory } from '../../../src/reports/model/types.js';

/** A small deterministic PRNG, so a failure names its seed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const CAP = 400;

/**
 * What a reader can learn of each hidden figure, exactly: for every value t of the total that fits all
 * tables, the values each hidden cell can take (tables are independent given t, and a sum of integer
 * intervals is an interval). Returns, per hidden figure, the set of values it can take.
 */
function recompute(tables: { kind: 'partition' | 'multi'; rows: StatisticsRow[]; within?: { table: number; value: string } }[]) {
  const totalRow = tables[0]!.rows[0]!;
  const totalShown = totalRow.count;
  const range = (r: StatisticsRow): [number, number] => (r.count !== null ? [r.count, r.count] : r.suppression === 'FEWER_THAN_5' ? [1, 4] : [5, CAP]);
  const possible = new Map<string, Set<number>>();
  const note = (id: string, lo: number, hi: number) => {
    const set = possible.get(id) ?? new Set<number>();
    for (let v = lo; v <= hi && v - lo < 3; v++) set.add(v); // two distinct values are enough to say "not exact"
    possible.set(id, set);
  };
  /** A table's hidden cells' ranges when its cells sum to `whole` (at least `whole`: multi), one cell maybe fixed; null if impossible. */
  const solve = (ti: number, whole: number, fixed?: { value: string; n: number }): [string, number, number][] | null => {
    const table = tables[ti]!;
    const cells = table.rows.slice(1).filter((c) => c.group[0]!.value !== fixed?.value);
    const shown = cells.filter((c) => c.count !== null).reduce((a, c) => a + c.count!, 0) + (fixed?.n ?? 0);
    const hidden = cells.filter((c) => c.count === null).map((c) => [`${ti}:${c.group[0]!.value}`, ...range(c)] as [string, number, number]);
    const sumLo = hidden.reduce((a, h) => a + h[1], 0);
    const sumHi = hidden.reduce((a, h) => a + h[2], 0);
    const need = whole - shown;
    if (table.kind === 'partition') {
      if (need < sumLo || need > sumHi) return null;
      return hidden.map(([id, lo, hi]) => [id, Math.max(lo, need - (sumHi - hi)), Math.min(hi, need - (sumLo - lo))]);
    }
    if (sumHi < need) return null;
    return hidden.map(([id, lo, hi]) => [id, Math.max(lo, need - (sumHi - hi)), hi]);
  };
  // A breakdown of a cell shown as "fewer than 5" lists nothing (publishedWeek): then it says nothing either.
  const listed = (t: (typeof tables)[number]) => {
    const cell = t.within && tables[t.within.table]!.rows.slice(1).find((r) => r.group[0]!.value === t.within!.value);
    return !(cell && cell.suppression === 'FEWER_THAN_5' && t.rows.length === 1);
  };
  const child = tables.findIndex((t) => t.within && listed(t));
  const parent = child === -1 ? -1 : tables[child]!.within!.table;
  for (let t = 0; t <= CAP; t++) {
    if (totalShown !== null && t !== totalShown) continue;
    const found: [string, number, number][] = [];
    let fits = true;
    for (let ti = 0; ti < tables.length && fits; ti++) {
      if (ti === child || ti === parent) continue;
      const r = solve(ti, t);
      if (r) found.push(...r);
      else fits = false;
    }
    if (fits && child !== -1) {
      // The breakdown sums to one cell of its parent table: every value that cell can take, both tables solved with it.
      const value = tables[child]!.within!.value;
      const cell = tables[parent]!.rows.slice(1).find((r) => r.group[0]!.value === value);
      const [lo, hi] = cell ? range(cell) : [0, 0];
      let any = false;
      for (let n = lo; n <= Math.min(hi, t); n++) {
        const a = solve(parent, t, { value, n });
        const b = a && solve(child, n);
        if (!a || !b) continue;
        any = true;
        found.push(...a, ...b);
        if (cell && cell.count === null) note(`${parent}:${value}`, n, n);
      }
      fits = any;
    }
    if (!fits) continue;
    if (totalShown === null) note('total', t, t);
    for (const [id, lo, hi] of found) note(id, lo, hi);
  }
  return possible;
}

function randomWeek(rand: () => number, measure: StatisticsMeasure): DayDoc[] {
  const pick = <T>(xs: readonly T[], skew = 1.6) => xs[Math.floor(rand() ** skew * xs.length)]!;
  const n = Math.floor(rand() * 60);
  const docs: DayDoc[] = [];
  const days = ['2026-01-05', '2026-01-06', '2026-01-07'];
  for (const day of days) {
    const events: Omit<StatisticsEvent, 'key'>[] = [];
    for (let i = 0; i < n / days.length; i++) {
      const categories: ThreatCategory[] = [pick(['STORAGE', 'FINANCE', 'TRAVEL', 'OTHER'] as const)];
      if (rand() < 0.3) categories.push(pick(['TRANSPORT', 'FINANCE'] as const));
      const channel = pick(['ANTI_TERRORIST_HOTLINE', 'ONLINE', 'CRIMESTOPPERS', 'PARTNER_ORGANISATION'] as const);
      // As intake keys them: a partner referral (and only one) comes through the partner-organisation channel and names its partner.
      const partner = channel === 'PARTNER_ORGANISATION' ? pick(['p-1', 'p-2', 'p-3', 'p-4'] as const) : null;
      events.push({
        day, measure, status: 'TRIAGED', channel,
        source: partner ? 'PARTNER_REFERRAL' : 'HOTLINE_CALL', partner, categories: [...new Set(categories)], borough: pick(['CAMDEN', 'BRENT', 'NEWHAM', 'HACKNEY', 'UNKNOWN', 'BARNET'] as const),
        desk: pick(['SO12', 'SO13'] as const), priority: pick(['P1', 'P2', 'P3', 'P4'] as const), imminentThreat: rand() < 0.1,
        outcome: measure === 'CLOSED' ? pick(['ARREST', 'NO_TRACE', 'MALICIOUS', 'DISRUPTION'] as const) : null,
        bucket: Math.floor(rand() * 8), sla: measure === 'CLAIMED' ? (rand() < 0.85 ? 'MET' : 'MISSED') : null,
      });
    }
    docs.push({ _id: day, rolledAt: new Date(), ...figuresOf(events) });
  }
  return docs;
}

describe('published tables: suppression', () => {
  const measures = [...new Set(PUBLISHED_TABLES.map((t) => t.measure))];

  it('leaves no suppressed figure exact, from totals and every overlapping table (600 random weeks)', () => {
    let hiddenSeen = 0;
    let secondarySeen = 0;
    let partnerWeeks = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const rand = prng(seed);
      const measure = measures[seed % measures.length]!;
      const docs = randomWeek(rand, measure);
      const siblings = PUBLISHED_TABLES.filter((t) => t.measure === measure);
      const tables = siblings.map((t) => ({
        kind: t.cells, rows: publishedWeek(t, docs, '2026-01-05', '2026-01-11'),
        within: t.within ? { table: siblings.findIndex((o) => o.by === t.within!.by), value: t.within.value } : undefined,
      }));
      const partner = tables.find((_, i) => siblings[i]!.by === 'PARTNER');
      if (partner && partner.rows.length > 2) partnerWeeks++;
      // Every table of the week states the same total, shown or not.
      expect(new Set(tables.map((t) => t.rows[0]!.display)).size, `seed ${seed}`).toBe(1);
      for (const t of tables) for (const r of t.rows) {
        if (r.count !== null && r.count >= 1 && r.count <= 4) throw new Error(`seed ${seed}: a count of ${r.count} is shown`);
        if (r.suppression === 'SUPPRESSED') secondarySeen++;
        if (r.count === null) hiddenSeen++;
      }
      for (const [id, values] of recompute(tables)) expect(values.size, `seed ${seed} (${measure}): ${id} can be worked out exactly`).toBeGreaterThan(1);
    }
    // The property was exercised, secondary suppression included.
    expect(hiddenSeen).toBeGreaterThan(100);
    expect(secondarySeen).toBeGreaterThan(20);
    // The partner table was among them, with its cells hidden and shown.
    expect(partnerWeeks).toBeGreaterThan(50);
  });

  it('would catch a table shown with primary suppression alone (the check is not vacuous)', () => {
    const rows = (cells: [string, number | null, StatisticsRow['suppression']][], total: number): StatisticsRow[] => [
      { start: '', end: '', group: [], count: total, display: String(total), suppression: 'SHOWN', median: null, p90: null },
      ...cells.map(([value, count, suppression]) => ({ start: '', end: '', group: [{ dimension: 'CHANNEL' as const, value }], count, display: '', suppression, median: null, p90: null })),
    ];
    const leaky = recompute([{ kind: 'partition', rows: rows([['ONLINE', null, 'FEWER_THAN_5'], ['CRIMESTOPPERS', 20, 'SHOWN']], 23) }]);
    expect([...leaky.get('0:ONLINE')!]).toEqual([3]);
    // A partner table shown whole but for one small count gives it away through the channel cell it breaks down.
    const partners = (cells: [string, number | null, StatisticsRow['suppression']][]) => rows(cells, 23).map((r, i) => (i ? { ...r, group: [{ dimension: 'PARTNER' as const, value: r.group[0]!.value }] } : r));
    const linked = recompute([
      { kind: 'partition', rows: rows([['ONLINE', 11, 'SHOWN'], ['PARTNER_ORGANISATION', 12, 'SHOWN']], 23) },
      { kind: 'partition', rows: partners([['p-1', 9, 'SHOWN'], ['p-2', null, 'FEWER_THAN_5']]), within: { table: 0, value: 'PARTNER_ORGANISATION' } },
    ]);
    expect([...linked.get('1:p-2')!]).toEqual([3]);
  });

  it('takes the median and 90th percentile as the histogram buckets holding them', () => {
    expect(quantileBucket([0, 0, 0], 0.5)).toBeNull();
    expect(quantileBucket([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.5)).toEqual({ fromMinutes: 1, toMinutes: 5 });
    expect(quantileBucket([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6], 0.9)).toEqual({ fromMinutes: 43200, toMinutes: null });
  });
});
