/**
 * The arithmetic of `--trace` by time (no I/O, shared by trace-store.ts in
 * the service's processes and by index.ts in the bench, unit-tested): store
 * time per second of wall clock, per command shape, so a phase's figures
 * come from the run itself rather than from totals over the whole run; and,
 * for the claims, which commands overlapped each claim's own time window.
 *
 * A command's count goes to the bucket it started in; its time waited is
 * split over the buckets it spans, so a 30 s scan that began before a phase
 * shows in that phase with the time it took there (and a count of 0).
 */

/** Bucket width: fine enough to tell phases apart (the shortest runs for seconds), coarse enough to stay small. */
export const BUCKET_MS = 1_000;

/** Commands of one shape in one bucket: started in it, and ms of store time within it. */
export interface Tally {
  count: number;
  ms: number;
}

/** Bucket start (ms since the epoch) → shape → tally. Bounded by shapes × seconds of the run. */
export type Buckets = Map<number, Map<string, Tally>>;

/** One bucket as written to the trace file: `t` its start, `s` each shape's [count, ms]. */
export interface BucketRecord {
  t: number;
  s: Record<string, [number, number]>;
}

/** Adds one command that started at `startMs` and took `durationMs`. */
export function addToBuckets(buckets: Buckets, shape: string, startMs: number, durationMs: number, bucketMs = BUCKET_MS): void {
  const end = startMs + Math.max(0, durationMs);
  const first = Math.floor(startMs / bucketMs) * bucketMs;
  for (let b = first; b === first || b < end; b += bucketMs) {
    let bucket = buckets.get(b);
    if (!bucket) buckets.set(b, (bucket = new Map()));
    const tally = bucket.get(shape) ?? { count: 0, ms: 0 };
    if (b === first) tally.count++;
    tally.ms += Math.max(0, Math.min(end, b + bucketMs) - Math.max(startMs, b));
    bucket.set(shape, tally);
  }
}

/** The buckets in time order, ms rounded to 0.1 (the trace file's form). */
export function bucketRecords(buckets: Buckets): BucketRecord[] {
  return [...buckets]
    .sort(([a], [b]) => a - b)
    .map(([t, shapes]) => ({ t, s: Object.fromEntries([...shapes].map(([shape, x]) => [shape, [x.count, Math.round(x.ms * 10) / 10]])) }));
}

/** A stretch of the bench's run, by wall clock (`Date.now()` in the bench). */
export interface Phase {
  name: string;
  startMs: number;
  endMs: number;
}

export interface PhaseShape {
  shape: string;
  /** Commands of this shape started in the phase. */
  count: number;
  /** Store time waited within the phase, ms. */
  ms: number;
}

/**
 * A process's store time in one phase, by shape, most time first. Every bucket that overlaps the phase counts whole,
 * so the figures cover the phase widened to whole buckets (at most one bucket more at each end).
 */
export function phaseShapes(records: readonly BucketRecord[], phase: Phase, bucketMs = BUCKET_MS): PhaseShape[] {
  const sum = new Map<string, PhaseShape>();
  for (const r of records) {
    if (r.t + bucketMs <= phase.startMs || r.t >= phase.endMs) continue;
    for (const [shape, [count, ms]] of Object.entries(r.s)) {
      const s = sum.get(shape) ?? { shape, count: 0, ms: 0 };
      s.count += count;
      s.ms += ms;
      sum.set(shape, s);
    }
  }
  return [...sum.values()].map((s) => ({ ...s, ms: Math.round(s.ms) })).sort((a, b) => b.ms - a.ms || b.count - a.count);
}

/** One command in a process's log: its shape and when it ran (ms since the epoch, sub-ms precision). */
export interface LoggedCommand {
  shape: string;
  startMs: number;
  endMs: number;
}

/** What a process's store did during one time window. */
export interface WindowShape {
  shape: string;
  /** Commands started within the window. */
  started: number;
  /** Store time of this shape overlapping the window, ms (commands started before it included). */
  ms: number;
}

/** The commands that overlap [startMs, endMs), by shape. */
export function inWindow(log: readonly LoggedCommand[], startMs: number, endMs: number): WindowShape[] {
  const by = new Map<string, WindowShape>();
  for (const c of log) {
    const overlap = Math.min(c.endMs, endMs) - Math.max(c.startMs, startMs);
    const started = c.startMs >= startMs && c.startMs < endMs;
    if (overlap <= 0 && !started) continue;
    const s = by.get(c.shape) ?? { shape: c.shape, started: 0, ms: 0 };
    if (started) s.started++;
    s.ms += Math.max(0, overlap);
    by.set(c.shape, s);
  }
  return [...by.values()];
}

/** A claim as the bench timed it: its window by wall clock and its latency. */
export interface TimedWindow {
  startMs: number;
  endMs: number;
}

export interface GroupProfile {
  /** Per claim of the group: commands started, and store time overlapping the claims, by shape. */
  commandsPerClaim: number;
  msPerClaim: number;
  shapes: { shape: string; startedPerClaim: number; msPerClaim: number }[];
}

export interface ClaimGroup {
  claims: number;
  meanMs: number;
  /** Each process's store during these claims (`api`, `worker`). */
  byProcess: Record<string, GroupProfile>;
}

export interface SlowestComparison {
  claims: number;
  /** The slowest `fraction` of the claims (at least one). */
  slowest: ClaimGroup;
  /** As many claims around the median latency (none of the slowest). */
  median: ClaimGroup;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function profileOf(windows: readonly TimedWindow[], log: readonly LoggedCommand[]): GroupProfile {
  const by = new Map<string, { started: number; ms: number }>();
  for (const w of windows) {
    for (const s of inWindow(log, w.startMs, w.endMs)) {
      const t = by.get(s.shape) ?? { started: 0, ms: 0 };
      t.started += s.started;
      t.ms += s.ms;
      by.set(s.shape, t);
    }
  }
  const n = windows.length || 1;
  const shapes = [...by]
    .map(([shape, t]) => ({ shape, startedPerClaim: round1(t.started / n), msPerClaim: round1(t.ms / n) }))
    .sort((a, b) => b.msPerClaim - a.msPerClaim || b.startedPerClaim - a.startedPerClaim);
  return {
    commandsPerClaim: round1([...by.values()].reduce((sum, t) => sum + t.started, 0) / n),
    msPerClaim: round1([...by.values()].reduce((sum, t) => sum + t.ms, 0) / n),
    shapes,
  };
}

/**
 * The slowest `fraction` of the claims (at least one) against as many around the median, each with what every
 * process's store did during those claims' own windows. Null with fewer than two claims (nothing to compare).
 */
export function compareSlowest(windows: readonly TimedWindow[], logs: Record<string, readonly LoggedCommand[]>, fraction = 0.05): SlowestComparison | null {
  if (windows.length < 2) return null;
  const byLatency = [...windows].sort((a, b) => a.endMs - a.startMs - (b.endMs - b.startMs));
  const k = Math.min(Math.max(1, Math.ceil(windows.length * fraction)), Math.floor(windows.length / 2));
  const slow = byLatency.slice(-k);
  const rest = byLatency.slice(0, -k);
  const from = Math.max(0, Math.min(rest.length - k, Math.floor(byLatency.length / 2) - Math.floor(k / 2)));
  const median = rest.slice(from, from + k);
  const group = (ws: readonly TimedWindow[]): ClaimGroup => ({
    claims: ws.length,
    meanMs: round1(ws.reduce((sum, w) => sum + (w.endMs - w.startMs), 0) / ws.length),
    byProcess: Object.fromEntries(Object.entries(logs).map(([name, log]) => [name, profileOf(ws, log)])),
  });
  return { claims: windows.length, slowest: group(slow), median: group(median) };
}
