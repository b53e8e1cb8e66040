/**
 * Small-count suppression for the published statistics tables
 * (statistics-tables.ts). Per measure and week, the tables of that measure
 * share one total (a table that breaks down one cell of another, partners
 * within the partner-organisation channel, sums to that cell instead: when
 * it has no shown count left to hide, that cell is hidden). Primary: every count from 1 to 4 is shown as "fewer than
 * 5". Secondary: while any suppressed figure can still be worked out exactly
 * from what is shown (a table's cells sum to the total; a multi-valued
 * table's cells to at least the total), another figure is suppressed: the
 * smallest shown non-zero count of that table, else the total, else the
 * smallest shown count of a table whose cells would give the total away.
 * Secondary cells are shown as "suppressed" (a reader may assume they are 5
 * or more; the check assumes so too). Zeros are shown. Pure, no imports of
 * storage. docs/statistics.md states the rules.
 */

export type CellState = 'SHOWN' | 'FEWER_THAN_5' | 'SUPPRESSED';

export interface SuppressionTable {
  cells: { value: string; n: number; state?: CellState }[];
  kind: 'partition' | 'multi';
  /**
   * The table breaks down one cell of another table of the group (by index), not the total: its cells sum
   * to that cell (partner organisations break down the partner-organisation channel). 'partition' only.
   */
  within?: { table: number; value: string };
}

export interface SuppressionGroup {
  total: { n: number; state?: CellState };
  tables: SuppressionTable[];
}

interface Range {
  lo: number;
  hi: number;
}

const rangeOf = (n: number, state: CellState): Range => (state === 'SHOWN' ? { lo: n, hi: n } : state === 'FEWER_THAN_5' ? { lo: 1, hi: 4 } : { lo: 5, hi: Infinity });

/**
 * What a reader can work out: the range of every figure (total first, then each table's cells in order),
 * by propagating the sum constraints to a fixed point. Exported for the drift of this module only;
 * the property test checks the outcome with its own, exact recomputation.
 */
export function inferRanges(group: SuppressionGroup): { total: Range; cells: Range[][] } {
  const total = group.total.state === 'SHOWN' ? { lo: group.total.n, hi: group.total.n } : { lo: 0, hi: Infinity };
  const cells = group.tables.map((t) => t.cells.map((c) => rangeOf(c.n, c.state ?? 'SHOWN')));
  for (let round = 0; round < 50; round++) {
    let moved = false;
    const tighten = (r: Range, lo: number, hi: number) => {
      if (lo > r.lo) (r.lo = lo), (moved = true);
      if (hi < r.hi) (r.hi = hi), (moved = true);
    };
    group.tables.forEach((t, ti) => {
      const rs = cells[ti]!;
      const sumLo = rs.reduce((a, r) => a + r.lo, 0);
      const sumHi = rs.reduce((a, r) => a + r.hi, 0);
      // What the cells sum to: the total, or the one cell of another table they break down (absent: zero).
      const whole = t.within ? (cells[t.within.table]![parentIndex(group, t)] ?? { lo: 0, hi: 0 }) : total;
      if (t.kind === 'partition') {
        tighten(whole, sumLo, sumHi);
        rs.forEach((r) => tighten(r, whole.lo - (sumHi - r.hi), whole.hi - (sumLo - r.lo)));
      } else {
        tighten(total, 0, sumHi);
        rs.forEach((r) => tighten(r, total.lo - (sumHi - r.hi), Infinity));
      }
    });
    if (!moved) break;
  }
  return { total, cells };
}

const exact = (r: Range) => r.lo === r.hi;

/** The index of the cell a `within` table breaks down, in its table (-1: absent, a zero). */
function parentIndex(group: SuppressionGroup, t: SuppressionTable): number {
  return t.within ? group.tables[t.within.table]!.cells.findIndex((c) => c.value === t.within!.value) : -1;
}

/** Marks every cell and the total of `group` SHOWN, FEWER_THAN_5 or SUPPRESSED (in place), and returns it. */
export function suppress(group: SuppressionGroup): SuppressionGroup {
  group.total.state = 'SHOWN';
  for (const t of group.tables) for (const c of t.cells) c.state = c.n >= 1 && c.n <= 4 ? 'FEWER_THAN_5' : 'SHOWN';
  const smallestShown = (t: SuppressionTable) =>
    t.cells.filter((c) => c.state === 'SHOWN' && c.n > 0).sort((a, b) => a.n - b.n)[0];
  for (let guard = 0; guard < 10_000; guard++) {
    const ranges = inferRanges(group);
    const hidden = (state: CellState | undefined) => state !== 'SHOWN';
    const leakIn = group.tables.findIndex((t, ti) => t.cells.some((c, ci) => hidden(c.state) && exact(ranges.cells[ti]![ci]!)));
    const totalLeaks = hidden(group.total.state) && exact(ranges.total);
    if (leakIn === -1 && !totalLeaks) return group;
    // A hidden cell worked out from a breakdown of it shown (partners within their channel): hide one of the breakdown first.
    const exactCells = leakIn === -1 ? [] : group.tables[leakIn]!.cells.filter((c, ci) => hidden(c.state) && exact(ranges.cells[leakIn]![ci]!));
    const breakdown = group.tables.find((t) => t.within?.table === leakIn && exactCells.some((c) => c.value === t.within!.value) && smallestShown(t));
    const inBreakdown = breakdown ? smallestShown(breakdown) : undefined;
    if (inBreakdown) {
      inBreakdown.state = 'SUPPRESSED';
      continue;
    }
    const own = leakIn === -1 ? undefined : smallestShown(group.tables[leakIn]!);
    if (own) {
      own.state = 'SUPPRESSED';
      continue;
    }
    // A breakdown of one cell shown whole: hide that cell (its own table then protects it in turn).
    const leaking = leakIn === -1 ? undefined : group.tables[leakIn]!;
    const parent = leaking?.within ? group.tables[leaking.within.table]!.cells[parentIndex(group, leaking)] : undefined;
    if (parent && parent.state === 'SHOWN' && parent.n > 0) {
      parent.state = 'SUPPRESSED';
      continue;
    }
    if (group.total.state === 'SHOWN') {
      group.total.state = 'SUPPRESSED';
      continue;
    }
    // The total is worked out from a table shown whole (or nearly): hide one more of its counts.
    const giver = group.tables.map(smallestShown).filter((c) => c !== undefined).sort((a, b) => a!.n - b!.n)[0];
    if (!giver) return group; // nothing left to hide: every figure is suppressed
    giver.state = 'SUPPRESSED';
  }
  throw new Error('suppression did not settle');
}
