/**
 * Partial selection: the k-th smallest of n values in expected O(n), so that top_k, top_p, typical_p
 * and top-n logprobs never sort a whole vocabulary (up to ~150k entries) once per decoded token.
 */

/**
 * The k-th smallest (0-based) of `values[0..n)`, found by quickselect; REORDERS that range.
 * Median-of-three pivots and a three-way partition keep it linear on sorted input and on long
 * runs of equal values (e.g. thousands of −Infinity entries left by an earlier filter).
 */
export function selectKth(values: Float64Array, n: number, k: number): number {
  if (k < 0 || k >= n) throw new RangeError(`k=${k} is outside [0, ${n})`);
  let lo = 0;
  let hi = n - 1;
  for (;;) {
    if (lo === hi) return values[lo];
    const pivot = medianOfThree(values[lo], values[(lo + hi) >>> 1], values[hi]);
    // Dutch national flag: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi] > pivot.
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i <= gt) {
      const v = values[i];
      if (v < pivot) {
        values[i] = values[lt];
        values[lt] = v;
        lt++;
        i++;
      } else if (v > pivot) {
        values[i] = values[gt];
        values[gt] = v;
        gt--;
      } else {
        i++;
      }
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return pivot;
  }
}

export function medianOfThree(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}
