/**
 * The request's random source. A request seed (any integer from 0 to 2^64 − 1 that a JS number
 * holds exactly; TGI's seed is a u64) is expanded with splitmix64 into the 128-bit state of
 * xoshiro128** (Blackman & Vigna): the seeding their reference code recommends, so two nearby
 * seeds give unrelated streams. Only integer arithmetic is involved, so one seed gives the same
 * sequence in every browser, in Node and on every device.
 */

export interface Rng {
  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number;
}

const MASK64 = (1n << 64n) - 1n;

/** splitmix64 (Vigna): each call advances the state by the golden gamma and mixes it. */
function splitmix64(seed: bigint): () => bigint {
  let state = seed & MASK64;
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A seeded generator. Throws a RangeError for a seed that is not an integer in [0, 2^64).
 * (Seeds above 2^53 are accepted, but only those a double represents exactly reach here.)
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 64) {
    throw new RangeError(`seed must be an integer in [0, 2^64), got ${seed}`);
  }
  const mix = splitmix64(BigInt(seed));
  const a = mix();
  const b = mix();
  // splitmix64's mixer is a bijection, so two consecutive outputs are never both zero:
  // the all-zero state that would stall xoshiro cannot occur.
  let s0 = Number(a & 0xffffffffn) | 0;
  let s1 = Number(a >> 32n) | 0;
  let s2 = Number(b & 0xffffffffn) | 0;
  let s3 = Number(b >> 32n) | 0;

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };

  return {
    // Two outputs: the top 27 and 26 bits make one 53-bit mantissa (the usual construction).
    next: () => ((nextU32() >>> 5) * 67108864 + (nextU32() >>> 6)) / 9007199254740992,
  };
}

/**
 * A fresh seed for a sampled request that gave none (TGI reports it in `details.seed`).
 * Below 2^53 so that it survives JSON and a JS number exactly.
 */
export function randomSeed(): number {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (words[0] & 0x1fffff) * 4294967296 + words[1];
}
