/**
 * The unusual-rise test (src/reports/desk/unusual-rise.ts) against cases
 * worked by hand from the Poisson series P(X ≥ k) = 1 − e^−λ Σ_{i<k} λ^i / i!.
 */
import { describe, expect, it } from 'vitest';
import { poissonUpperTail, RISE_MIN_RATE, unusualRise } from '../../../src/reports/desk/unusual-rise.js';

const e = Math.exp;

describe('the one-sided Poisson tail', () => {
  it('matches the series worked by hand', () => {
    // λ = 1, k = 5: 1 − e^−1 (1 + 1 + 1/2 + 1/6 + 1/24) = 1 − 0.3678794 × 2.7083333 = 0.0036598
    expect(poissonUpperTail(5, 1)).toBeCloseTo(1 - e(-1) * (1 + 1 + 1 / 2 + 1 / 6 + 1 / 24), 12);
    expect(poissonUpperTail(5, 1)).toBeCloseTo(0.0036598, 6);
    // λ = 2, k = 5: 1 − e^−2 (1 + 2 + 2 + 4/3 + 2/3) = 1 − 0.1353353 × 7 = 0.0526530
    expect(poissonUpperTail(5, 2)).toBeCloseTo(0.052653, 6);
    // λ = 2, k = 7: add 2^5/5! = 0.2666667 and 2^6/6! = 0.0888889: 1 − 0.1353353 × 7.3555556 = 0.0045338
    expect(poissonUpperTail(7, 2)).toBeCloseTo(0.0045338, 6);
    // λ = 3, k = 8 and 9: 0.0119045 and 0.0038030 (the edge of 0.01 between them)
    expect(poissonUpperTail(8, 3)).toBeCloseTo(0.0119045, 6);
    expect(poissonUpperTail(9, 3)).toBeCloseTo(0.003803, 6);
    // k = 0: certain; k = 1: 1 − e^−λ
    expect(poissonUpperTail(0, 4)).toBe(1);
    expect(poissonUpperTail(1, 1)).toBeCloseTo(1 - e(-1), 12);
  });

  it('stays accurate far in the tail and sane for large counts', () => {
    // λ = 1, k = 20: the first term dominates: e^−1 / 20! ≈ 1.5e-19
    const first = e(-1) / 2432902008176640000;
    expect(poissonUpperTail(20, 1) / first).toBeGreaterThan(1);
    expect(poissonUpperTail(20, 1) / first).toBeLessThan(1.05);
    const p = poissonUpperTail(1000, 1000);
    expect(p).toBeGreaterThan(0.49);
    expect(p).toBeLessThan(0.51);
  });
});

describe('the unusual-rise flag', () => {
  it('flags a count of 5 against a baseline averaging 1 a period (p = 0.0037)', () => {
    const r = unusualRise(5, [1, 0, 2, 1, 1, 0, 2, 1]);
    expect(r.baselineMean).toBe(1);
    expect(r.rate).toBe(1);
    expect(r.p).toBeCloseTo(0.0036598, 6);
    expect(r.rise).toBe(true);
  });

  it('does not flag 5 against a baseline of 2 a period (p = 0.053), nor 8 against 3 (p = 0.012), but flags 9 against 3', () => {
    expect(unusualRise(5, [2, 2, 2, 2, 2, 2, 2, 2]).rise).toBe(false);
    expect(unusualRise(8, [3, 3, 3, 3, 3, 3, 3, 3]).rise).toBe(false);
    expect(unusualRise(9, [3, 3, 3, 3, 3, 3, 3, 3]).rise).toBe(true);
  });

  it('never flags fewer than 5, however unlikely', () => {
    const r = unusualRise(4, [0, 0, 0, 0, 0, 0, 0, 0]);
    // λ = 3/8: P(X ≥ 4) = 1 − e^−0.375 (1 + 0.375 + 0.0703125 + 0.0087891) = 0.00061159
    expect(r.rate).toBe(RISE_MIN_RATE);
    expect(r.p).toBeCloseTo(1 - e(-0.375) * (1 + 0.375 + 0.375 ** 2 / 2 + 0.375 ** 3 / 6), 12);
    expect(r.p).toBeLessThan(0.01);
    expect(r.rise).toBe(false);
  });

  it('uses the floor rate 3/8 where the baseline was empty, so 5 new reports are a rise but the p is not 0', () => {
    const r = unusualRise(5, [0, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.p).toBeGreaterThan(0);
    expect(r.p).toBeCloseTo(4.5277e-5, 8);
    expect(r.rise).toBe(true);
  });

  it('does not flag a count at or below the baseline', () => {
    expect(unusualRise(10, [12, 9, 11, 10, 8, 13, 10, 7]).rise).toBe(false);
    expect(unusualRise(0, [1, 1, 1, 1, 1, 1, 1, 1])).toMatchObject({ p: 1, rise: false });
  });
});
