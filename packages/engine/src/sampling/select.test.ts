import { describe, expect, it } from 'vitest';
import { createRng } from './rng';
import { selectKth } from './select';

describe('selectKth', () => {
  it('finds the k-th smallest of a small array', () => {
    const values = [5, 1, 4, 1, 3];
    const sorted = [1, 1, 3, 4, 5];
    for (let k = 0; k < 5; k++) expect(selectKth(Float64Array.from(values), 5, k)).toBe(sorted[k]);
  });

  it('agrees with a full sort on random data with duplicates and infinities', () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(rng.next() * 500);
      const values = Float64Array.from({ length: n }, () => {
        const u = rng.next();
        return u < 0.2 ? -Infinity : u > 0.9 ? Infinity : Math.floor(u * 20);
      });
      const sorted = Array.from(values).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const k = Math.floor(rng.next() * n);
      expect(selectKth(Float64Array.from(values), n, k)).toBe(sorted[k]);
    }
  });

  it('only looks at the first n entries', () => {
    expect(selectKth(Float64Array.from([3, 2, 1, -5]), 3, 0)).toBe(1);
  });

  it('rejects k outside the range', () => {
    expect(() => selectKth(new Float64Array(3), 3, 3)).toThrow(RangeError);
  });
});
