/**
 * The statistics store's cache of built spans (createSpanCache in
 * src/reports/store/statistics.ts): served only under the token it was
 * filled under, emptied by another token, bounded in cells (least recently
 * used first), and its cells frozen.
 */
import { describe, expect, it } from 'vitest';
import { createSpanCache, type SliceFigures } from '../../../src/reports/store/statistics.js';

/** A slice of `n` count cells by borough. */
const slice = (n: number, tag = 'x'): Map<string, SliceFigures> =>
  new Map([['BOROUGH', { counts: Array.from({ length: n }, (_, i) => ({ m: 'RECEIVED' as const, k: `BOROUGH=${tag}${i}`, n: i })), histograms: [] }]]);

describe('the cache of built spans', () => {
  it('serves an entry only under the token it was stored under, and another token empties it', () => {
    const cache = createSpanCache(1_000);
    const s = slice(3);
    cache.set('t1', 'M2025-01|RECEIVED|*', s);
    cache.set('t1', 'M2025-02|RECEIVED|*', null);
    expect(cache.get('t1', 'M2025-01|RECEIVED|*')).toBe(s);
    expect(cache.get('t1', 'M2025-02|RECEIVED|*')).toBeNull(); // known absent
    expect(cache.get('t1', 'M2025-03|RECEIVED|*')).toBeUndefined();
    expect(cache.get('t2', 'M2025-01|RECEIVED|*')).toBeUndefined();
    cache.set('t2', 'W2025-01-06|RECEIVED|*', slice(1));
    expect(cache.stats()).toEqual({ token: 't2', entries: 1, cells: 2 });
    expect(cache.get('t1', 'M2025-01|RECEIVED|*')).toBeUndefined();
  });

  it('holds at most its bound of cells, dropping the least recently used first', () => {
    const cache = createSpanCache(100);
    for (let i = 0; i < 10; i++) cache.set('t', `k${i}`, slice(19, `${i}`)); // 20 cells each with the entry itself
    expect(cache.stats().cells).toBeLessThanOrEqual(100);
    expect(cache.stats().entries).toBe(5);
    expect(cache.get('t', 'k4')).toBeUndefined();
    expect(cache.get('t', 'k5')).toBeDefined();
    // k5 just used: the next entry pushes out k6, the least recently used.
    cache.set('t', 'k10', slice(19, '10'));
    expect(cache.get('t', 'k5')).toBeDefined();
    expect(cache.get('t', 'k6')).toBeUndefined();
    // Larger than the whole bound: not kept at all.
    cache.set('t', 'huge', slice(500));
    expect(cache.get('t', 'huge')).toBeUndefined();
    expect(cache.stats().cells).toBeLessThanOrEqual(100);
  });

  it('freezes what it holds, so no caller can change a later answer', () => {
    const cache = createSpanCache(1_000);
    cache.set('t', 'k', new Map([['DESK', { counts: [{ m: 'CLAIMED' as const, k: 'DESK=SO12', n: 7 }], histograms: [{ m: 'CLAIMED' as const, k: 'DESK=SO12', h: [1, 2, 4] }] }]]));
    const got = cache.get('t', 'k')!.get('DESK')!;
    expect(() => got.counts.push({ m: 'CLAIMED', k: 'DESK=SO13', n: 1 })).toThrow(TypeError);
    expect(() => { (got.counts[0] as { n: number }).n = 8; }).toThrow(TypeError);
    expect(() => { got.histograms[0]!.h[0] = 9; }).toThrow(TypeError);
    expect(cache.get('t', 'k')!.get('DESK')!.counts[0]!.n).toBe(7);
  });
});
