/**
 * How a person's list folds its rows (src/reports/store/person-lists.ts foldRows): per report, the row of the
 * highest version wins, a settled or removed row over a pending one of the same version, the later one at a tie; so
 * a late write of an older version never brings back a report a later change took out of the list.
 */
import { describe, expect, it } from 'vitest';
import { foldRows, type ListRow } from '../../../src/reports/store/person-lists.js';

const row = (id: string, v: number, extra: Partial<ListRow> = {}): ListRow => ({ id, v, t: 0, w: 0, ...extra });
const fold = (...rows: ListRow[]) => [...foldRows(new Map(), rows).values()];

describe('person lists: folding rows', () => {
  it('keeps the highest version of each report, whatever the order written', () => {
    expect(fold(row('a', 2, { s: 'two' }), row('a', 1, { s: 'one' }))).toEqual([row('a', 2, { s: 'two' })]);
    expect(fold(row('a', 1, { s: 'one' }), row('a', 2, { s: 'two' }), row('b', 1, { s: 'b' }))).toEqual([row('a', 2, { s: 'two' }), row('b', 1, { s: 'b' })]);
  });

  it('settles a pending row of the same version, and a pending row of a later change hides the settled one', () => {
    expect(fold(row('a', 3, { p: 1 }), row('a', 3, { s: 'held' }))).toEqual([row('a', 3, { s: 'held' })]);
    expect(fold(row('a', 3, { s: 'held' }), row('a', 3, { p: 1 }))).toEqual([row('a', 3, { s: 'held' })]);
    expect(fold(row('a', 3, { s: 'held' }), row('a', 4, { p: 1 }))).toEqual([row('a', 4, { p: 1 })]);
  });

  it('keeps a removal against a late settled row of an earlier version', () => {
    expect(fold(row('a', 5, { x: 1 }), row('a', 4, { s: 'late' }))).toEqual([row('a', 5, { x: 1 })]);
  });
});
