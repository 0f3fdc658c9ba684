/**
 * Seeded pseudo-random numbers for the test models.
 *
 * Only integer arithmetic and one division are used (no Math.log/cos), so the same seed gives the same
 * bits on every machine and Node version: model files must be byte-identical on every build.
 */

/** FNV-1a over the UTF-16 code units of `text`: turns a tensor name into an independent seed. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny and fast; its 2^32 period is far more than the ~64M draws the bench model needs. */
export class Random {
  private state: number;

  constructor(seed: number | string) {
    this.state = typeof seed === 'string' ? hashSeed(seed) : seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * `count` values, uniform with mean 0 and standard deviation `std` (half-width std·√3).
   * Uniform rather than Gaussian keeps the bits platform-independent (see above).
   */
  uniform(count: number, std: number): Float32Array {
    const out = new Float32Array(count);
    const halfWidth = std * Math.sqrt(3);
    for (let i = 0; i < count; i++) out[i] = (this.next() * 2 - 1) * halfWidth;
    return out;
  }
}
