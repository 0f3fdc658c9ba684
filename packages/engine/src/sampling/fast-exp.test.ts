import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expNonPositive } from './fast-exp';

describe('expNonPositive', () => {
  it('is exact where sampling relies on it: 1 at 0, 0 for removed tokens and far below the best', () => {
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-0)).toBe(1);
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(expNonPositive(-708)).toBe(0);
    expect(expNonPositive(-1e30)).toBe(0);
  });

  it('agrees with Math.exp to a relative 1e-8 over the whole range', () => {
    fc.assert(
      fc.property(fc.double({ min: -707.99, max: 0, noNaN: true }), (d) => {
        const exact = Math.exp(d);
        expect(Math.abs(expNonPositive(d) - exact)).toBeLessThanOrEqual(1e-8 * exact);
      }),
      { numRuns: 20_000 },
    );
    for (let d = -707.5; d <= 0; d += 0.001) {
      const exact = Math.exp(d);
      if (Math.abs(expNonPositive(d) - exact) > 1e-8 * exact) expect.fail(`exp(${d})`);
    }
  });

  it('never increases as d decreases', () => {
    let previous = expNonPositive(0);
    for (let d = 0; d > -708; d -= 0.0137) {
      const value = expNonPositive(d);
      expect(value).toBeLessThanOrEqual(previous);
      previous = value;
    }
  });
});
