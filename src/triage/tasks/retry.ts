/**
 * The worker's write loop, written once: read the report, check it still
 * qualifies, apply one guarded change (writer.apply: null when another writer
 * got there first), and on a lost race read it again, up to N attempts.
 */
import type { ReportDoc } from '../../reports/model/types.js';

export interface RetryOnLostRace<R> {
  /** Apply attempts before giving up. */
  attempts: number;
  /** Reads the report as it is now. */
  read(): Promise<ReportDoc | null>;
  /** The report as the caller already read it, used for the first attempt instead of a read. */
  first?: ReportDoc;
  /** A result to stop with when the report (as read) no longer qualifies; undefined to go on. */
  check(doc: ReportDoc | null): R | undefined;
  /** One guarded change of `doc` as read; null when it lost a race. */
  apply(doc: ReportDoc): Promise<R | null>;
  /** What running out of attempts means (a result, or a throw so the job is tried again). */
  exhausted(): R | Promise<R>;
}

/** Runs the loop (see the file header); the result of the first check that stops it or of the first change that lands. */
export async function retryOnLostRace<R>(loop: RetryOnLostRace<R>): Promise<R> {
  for (let attempt = 0; attempt < loop.attempts; attempt++) {
    const doc = attempt === 0 && loop.first ? loop.first : await loop.read();
    const stop = loop.check(doc);
    if (stop !== undefined) return stop;
    const done = await loop.apply(doc!);
    if (done !== null) return done;
  }
  return loop.exhausted();
}
