import { describe, expect, it } from 'vitest';
import { addToBuckets, bucketRecords, compareSlowest, inWindow, phaseShapes, type Buckets, type LoggedCommand } from '../../scripts/bench/phase-trace.js';

describe('the bench trace by time (scripts/bench/phase-trace.ts)', () => {
  it('counts a command in the bucket it started in and splits its time over the buckets it spans', () => {
    const buckets: Buckets = new Map();
    addToBuckets(buckets, 'find reports {status}', 10_700, 2_500, 1_000);
    addToBuckets(buckets, 'find reports {_id}', 11_200, 0, 1_000);
    expect(bucketRecords(buckets)).toEqual([
      { t: 10_000, s: { 'find reports {status}': [1, 300] } },
      { t: 11_000, s: { 'find reports {status}': [0, 1_000], 'find reports {_id}': [1, 0] } },
      { t: 12_000, s: { 'find reports {status}': [0, 1_000] } },
      { t: 13_000, s: { 'find reports {status}': [0, 200] } },
    ]);
  });

  it("sums a phase's buckets by shape, a scan that began before the phase with the time it took inside it", () => {
    const buckets: Buckets = new Map();
    addToBuckets(buckets, 'find audit {eventKey}', 1_000, 5_000, 1_000); // 1 s – 6 s
    addToBuckets(buckets, 'insert reports', 4_100, 10, 1_000);
    addToBuckets(buckets, 'insert reports', 4_900, 10, 1_000);
    addToBuckets(buckets, 'insert reports', 8_000, 10, 1_000);
    const records = bucketRecords(buckets);
    // The phase 4.0 s – 5.5 s covers the buckets of 4 s and 5 s.
    expect(phaseShapes(records, { name: 'search', startMs: 4_000, endMs: 5_500 }, 1_000)).toEqual([
      { shape: 'find audit {eventKey}', count: 0, ms: 2_000 },
      { shape: 'insert reports', count: 2, ms: 20 },
    ]);
    expect(phaseShapes(records, { name: 'idle', startMs: 6_000, endMs: 8_000 }, 1_000)).toEqual([]);
  });

  it('names what overlapped a window: commands started in it, and store time of those already running', () => {
    const log: LoggedCommand[] = [
      { shape: 'find reports {status}', startMs: 0, endMs: 1_000 },
      { shape: 'find person_lists {_id}', startMs: 105, endMs: 110 },
      { shape: 'find person_lists {_id}', startMs: 111, endMs: 113 },
      { shape: 'insert audit', startMs: 200, endMs: 210 },
    ];
    expect(inWindow(log, 100, 150)).toEqual([
      { shape: 'find reports {status}', started: 0, ms: 50 },
      { shape: 'find person_lists {_id}', started: 2, ms: 7 },
    ]);
  });

  it('sets the slowest claims against as many around the median, each with its own commands', () => {
    // 20 claims of 10–29 ms one after another; during the slowest one, a worker scan runs.
    const windows = Array.from({ length: 20 }, (_, i) => ({ startMs: i * 100, endMs: i * 100 + 10 + i }));
    const api = windows.flatMap((w, i) => Array.from({ length: i === 19 ? 5 : 3 }, (_, k) => ({ shape: 'find person_lists {_id}', startMs: w.startMs + k, endMs: w.startMs + k + 1 })));
    const worker = [{ shape: 'find reports {status}', startMs: 1_890, endMs: 2_500 }];
    const c = compareSlowest(windows, { api, worker }, 0.05)!;
    expect(c.claims).toBe(20);
    expect(c.slowest.claims).toBe(1);
    expect(c.slowest.meanMs).toBe(29);
    expect(c.median.claims).toBe(1);
    expect(c.median.meanMs).toBe(20);
    expect(c.slowest.byProcess.api).toMatchObject({ commandsPerClaim: 5 });
    expect(c.median.byProcess.api).toMatchObject({ commandsPerClaim: 3 });
    expect(c.slowest.byProcess.worker!.shapes).toEqual([{ shape: 'find reports {status}', startedPerClaim: 0, msPerClaim: 29 }]);
    expect(c.median.byProcess.worker!.shapes).toEqual([]);
    expect(compareSlowest(windows.slice(0, 1), { api }, 0.05)).toBeNull();
  });
});
