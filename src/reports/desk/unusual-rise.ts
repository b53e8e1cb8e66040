/**
 * THE "unusual rise" test of the London picture (docs/statistics.md, "Unusual
 * rise"): is this period's count for a borough (and category) higher than its
 * rolling baseline makes likely?
 *
 * - Baseline: the RISE_BASELINE_PERIODS (8) periods of the same length just
 *   before the period; λ = their mean count, but never below RISE_MIN_RATE
 *   (3/8: eight empty periods are consistent, at 95 %, with a rate of up to
 *   3/8 a period, the "rule of three"), so a first few reports where there were
 *   none do not give p = 0.
 * - Test: one-sided Poisson, p = P(X ≥ count | λ).
 * - Flag: p < RISE_P_THRESHOLD (0.01) and count ≥ RISE_MIN_COUNT (5): a rise
 *   made of fewer than 5 reports is never flagged (and never reveals a small count).
 * Pure: the map query (statistics-map.ts) and the exports call it, the tests
 * check it against hand-computed cases.
 * Guarded by: tests/unit/reports/unusual-rise.test.ts
 */

export const RISE_BASELINE_PERIODS = 8;
export const RISE_P_THRESHOLD = 0.01;
export const RISE_MIN_COUNT = 5;
export const RISE_MIN_RATE = 3 / RISE_BASELINE_PERIODS;

export interface RiseResult {
  count: number;
  /** The baseline periods' mean count. */
  baselineMean: number;
  /** λ: the mean, or RISE_MIN_RATE when the mean is lower. */
  rate: number;
  /** P(X ≥ count) for X ~ Poisson(λ). */
  p: number;
  rise: boolean;
}

/** ln(n!) by summing logarithms (exact enough for the counts of a period; n is a count of reports). */
function lnFactorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

/**
 * P(X ≥ k) for X ~ Poisson(λ), λ > 0. Summed upwards from the k-th term when k is above λ (the tail is then small and
 * a difference from 1 would lose it), else 1 less the terms below k.
 */
export function poissonUpperTail(k: number, lambda: number): number {
  if (!Number.isInteger(k) || k < 0) throw new Error('k: a whole count');
  if (!(lambda > 0)) throw new Error('lambda: positive');
  if (k === 0) return 1;
  if (k > lambda) {
    let term = Math.exp(-lambda + k * Math.log(lambda) - lnFactorial(k));
    let sum = 0;
    for (let i = k; term > sum * 1e-17 || i < lambda + 1; i++) {
      sum += term;
      term *= lambda / (i + 1);
      if (term === 0) break;
    }
    return Math.min(1, sum);
  }
  // The terms below k, from the largest (i = k − 1, near the mode) down, each from its neighbour: e^−λ alone underflows for large λ.
  let term = Math.exp(-lambda + (k - 1) * Math.log(lambda) - lnFactorial(k - 1));
  let below = 0;
  for (let i = k - 1; i >= 0 && term > 0; i--) {
    below += term;
    term *= i / lambda;
  }
  return Math.max(0, 1 - below);
}

/** The test for one borough (and category): this period's count against the baseline periods' counts. */
export function unusualRise(count: number, baseline: readonly number[]): RiseResult {
  if (baseline.length === 0) throw new Error('baseline: at least one period');
  const baselineMean = baseline.reduce((a, b) => a + b, 0) / baseline.length;
  const rate = Math.max(baselineMean, RISE_MIN_RATE);
  const p = poissonUpperTail(count, rate);
  return { count, baselineMean, rate, p, rise: count >= RISE_MIN_COUNT && p < RISE_P_THRESHOLD };
}
