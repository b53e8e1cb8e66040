/** The kept reports (src/reports/store/report-cache.ts): bounded, least recently used out first, each for KEEP_MS, frozen, no erased report. */
import { Binary } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { createReportCache, KEEP_MS } from '../../src/reports/store/report-cache.js';

const doc = (id: string, status = 'TRIAGED') =>
  ({ _id: id, version: 2, status, history: [{ action: 'received', to: { status: 'RECEIVED' } }], content: { narrative: new Binary(Buffer.from('sealed')) } }) as unknown as ReportDoc;

describe('the kept reports', () => {
  it('keeps at most its bound, the least recently used leaving first', () => {
    const cache = createReportCache(2);
    cache.put(doc('a'));
    cache.put(doc('b'));
    expect(cache.get('a')).toBeDefined(); // a used: b is now the oldest
    cache.put(doc('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?._id).toBe('a');
    expect(cache.get('c')?._id).toBe('c');
  });

  it('uses a copy for KEEP_MS after it was read, not longer: a use does not extend it', () => {
    let now = 1_000_000;
    const cache = createReportCache(4, { now: () => now });
    cache.put(doc('a'));
    now += KEEP_MS - 1;
    expect(cache.get('a')?._id).toBe('a');
    now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('hands out copies no reader can change, and keeps no erased report', () => {
    const cache = createReportCache(4);
    const kept = cache.put(doc('a'));
    expect(() => {
      (kept as { status: string }).status = 'CLOSED';
    }).toThrow(TypeError);
    expect(() => (kept.history as unknown[]).push({})).toThrow(TypeError);
    expect(cache.get('a')!.status).toBe('TRIAGED');
    cache.put(doc('a', 'ERASED'));
    expect(cache.get('a')).toBeUndefined();
    cache.drop('a');
    expect(cache.size).toBe(0);
  });
});
