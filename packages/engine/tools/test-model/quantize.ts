/**
 * Weight quantization as transformers.js' exports carry it. 4-bit block quantization in the layout of onnxruntime's MatMulNBits (contrib op, com.microsoft), which
 * transformers.js' q4/q4f16 exports use for every linear layer: for each output column n and each block of
 * Q4_BLOCK inputs, one scale and Q4_BLOCK 4-bit values, two per byte (low nibble first); with no zero-point
 * input the zero point is 8, so a weight is (q − 8)·scale. Symmetric: scale = max|w| / 7.
 */
export const Q4_BLOCK = 32;

export interface Q4Weights {
  /** [n, blocks, Q4_BLOCK / 2] */
  packed: Uint8Array;
  /** [n · blocks] */
  scales: Float32Array;
  blocks: number;
}

/** W [k, n] row-major (x·W) → MatMulNBits' B and scales. */
export function quantizeQ4(w: Float32Array, k: number, n: number): Q4Weights {
  const blocks = Math.ceil(k / Q4_BLOCK);
  const packed = new Uint8Array(n * blocks * (Q4_BLOCK / 2));
  const scales = new Float32Array(n * blocks);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < blocks; b++) {
      const from = b * Q4_BLOCK;
      const to = Math.min(k, from + Q4_BLOCK);
      let max = 0;
      for (let row = from; row < to; row++) max = Math.max(max, Math.abs(w[row * n + col]));
      const scale = max / 7;
      scales[col * blocks + b] = scale;
      for (let row = from; row < to; row++) {
        const q = scale === 0 ? 8 : Math.max(0, Math.min(15, Math.round(w[row * n + col] / scale) + 8));
        const i = row - from;
        packed[(col * blocks + b) * (Q4_BLOCK / 2) + (i >> 1)] |= i & 1 ? q << 4 : q;
      }
      // Padding past k (when k is not a multiple of the block) stays 0 and is ignored by the kernel.
    }
  }
  return { packed, scales, blocks };
}

export interface Q8Weights {
  values: Uint8Array;
  scale: number;
  zeroPoint: number;
}

/** Per-tensor symmetric 8-bit: q = round(w / scale) + 128, scale = max|w| / 127 (weights of MatMulInteger). */
export function quantizeQ8(w: Float32Array): Q8Weights {
  let max = 0;
  for (const x of w) max = Math.max(max, Math.abs(x));
  const scale = max / 127 || 1;
  const zeroPoint = 128;
  const values = Uint8Array.from(w, (x) => Math.max(0, Math.min(255, Math.round(x / scale) + zeroPoint)));
  return { values, scale, zeroPoint };
}

/** IEEE 754 half-precision bits of each value, rounded to nearest even (Node 20 has no Float16Array). */
export function toFloat16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(Float32Array.from(values).buffer);
  return Uint16Array.from(bits, (x) => {
    const sign = (x >>> 16) & 0x8000;
    const exponent = ((x >>> 23) & 0xff) - 127 + 15;
    const mantissa = x & 0x7fffff;
    if (exponent >= 31) return sign | 0x7c00 | (((x >>> 23) & 0xff) === 0xff && mantissa ? 0x200 : 0);
    if (exponent <= 0) {
      if (exponent < -10) return sign;
      const shifted = (mantissa | 0x800000) >>> (14 - exponent);
      const rest = (mantissa | 0x800000) & ((1 << (14 - exponent)) - 1);
      const half = 1 << (13 - exponent);
      return sign | (shifted + (rest > half || (rest === half && shifted & 1) ? 1 : 0));
    }
    const rounded = (exponent << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    return sign | (rounded + (rest > 0x1000 || (rest === 0x1000 && rounded & 1) ? 1 : 0));
  });
}
