/**
 * A plain-JS forward pass of the same LLaMA decoder as onnx-graph.ts, written independently of ONNX so tests
 * can check the graph (and the engine's cache and mask handling) against it. Products are summed in float64
 * and stored as float32, close enough to onnxruntime to agree within 1e-5.
 */
import type { ModelSpec } from './config';
import { ropeInvFreq, type ModelWeights } from './weights';

/** One layer's cache, [batch, kvHeads, length, headDim] row-major, as in the graph's present.* outputs. */
export interface LayerCache {
  key: Float32Array;
  value: Float32Array;
}

export interface ForwardInput {
  inputIds: number[][]; // [batch, seq]
  attentionMask: number[][]; // [batch, past + seq]
  positionIds: number[][]; // [batch, seq]
  /** Cache from an earlier call (its `present`); omitted for the first call. */
  past?: LayerCache[];
}

export interface ForwardOutput {
  logits: Float32Array; // [batch, seq, vocab]
  present: LayerCache[]; // [batch, kvHeads, past + seq, headDim]
}

/** Same as the graph's masked scores: -1e9 added in float32 (which makes fully masked rows uniform). */
const MASKED = -1e9;

/** x [rows, n] · w [n, m] → [rows, m]. */
function matmul(x: Float32Array, rows: number, w: Float32Array, n: number, m: number): Float32Array {
  const out = new Float32Array(rows * m);
  const acc = new Float64Array(m);
  for (let r = 0; r < rows; r++) {
    acc.fill(0);
    for (let i = 0; i < n; i++) {
      const xi = x[r * n + i];
      const row = i * m;
      for (let j = 0; j < m; j++) acc[j] += xi * w[row + j];
    }
    out.set(acc, r * m);
  }
  return out;
}

function rmsNorm(x: Float32Array, rows: number, n: number, weight: Float32Array, eps: number): Float32Array {
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += x[r * n + i] * x[r * n + i];
    const scale = 1 / Math.sqrt(sum / n + eps);
    for (let i = 0; i < n; i++) out[r * n + i] = x[r * n + i] * scale * weight[i];
  }
  return out;
}

/** Rotates each head of x [seq, heads·headDim] in place: x·cos + rotate_half(x)·sin (the HF LLaMA layout). */
function applyRope(x: Float32Array, seq: number, heads: number, headDim: number, cos: Float32Array, sin: Float32Array) {
  const half = headDim / 2;
  for (let s = 0; s < seq; s++) {
    for (let hd = 0; hd < heads; hd++) {
      const base = (s * heads + hd) * headDim;
      const head = x.slice(base, base + headDim);
      for (let i = 0; i < headDim; i++) {
        const rotated = i < half ? -head[i + half] : head[i - half];
        x[base + i] = head[i] * cos[s * headDim + i] + rotated * sin[s * headDim + i];
      }
    }
  }
}

/** Positions as transformers.js derives them from the mask: cumsum − 1, padding at 1, last `seq` columns. */
export function positionIdsFromMask(attentionMask: number[][], seq: number): number[][] {
  return attentionMask.map((row) => {
    let count = 0;
    const positions = row.map((m) => (m ? count++ : 1));
    return positions.slice(positions.length - seq);
  });
}

export function referenceForward(spec: ModelSpec, weights: ModelWeights, input: ForwardInput): ForwardOutput {
  const { hiddenSize: h, numHeads, numKvHeads, headDim, intermediateSize: inter, vocabSize: vocab } = spec;
  const batch = input.inputIds.length;
  const seq = input.inputIds[0].length;
  const total = input.attentionMask[0].length;
  const past = total - seq;
  const qDim = numHeads * headDim;
  const kvDim = numKvHeads * headDim;
  const group = numHeads / numKvHeads;
  const invFreq = ropeInvFreq(spec);
  const scale = Math.fround(1 / Math.sqrt(headDim));
  const logits = new Float32Array(batch * seq * vocab);
  const present = weights.layers.map(() => ({
    key: new Float32Array(batch * numKvHeads * total * headDim),
    value: new Float32Array(batch * numKvHeads * total * headDim),
  }));

  for (let b = 0; b < batch; b++) {
    // cos/sin per position, in float32 like the graph's Cos(Cast(position_ids) · inv_freq).
    const cos = new Float32Array(seq * headDim);
    const sin = new Float32Array(seq * headDim);
    for (let s = 0; s < seq; s++) {
      for (let i = 0; i < headDim; i++) {
        const angle = Math.fround(input.positionIds[b][s] * invFreq[i % (headDim / 2)]);
        cos[s * headDim + i] = Math.cos(angle);
        sin[s * headDim + i] = Math.sin(angle);
      }
    }
    const allowed = (s: number, t: number) => t <= past + s && input.attentionMask[b][t] !== 0;

    const x = new Float32Array(seq * h);
    for (let s = 0; s < seq; s++)
      x.set(weights.embed.subarray(input.inputIds[b][s] * h, (input.inputIds[b][s] + 1) * h), s * h);

    weights.layers.forEach((layer, l) => {
      const hn = rmsNorm(x, seq, h, layer.inputNorm, spec.rmsNormEps);
      const q = matmul(hn, seq, layer.q, h, qDim);
      const k = matmul(hn, seq, layer.k, h, kvDim);
      const v = matmul(hn, seq, layer.v, h, kvDim);
      applyRope(q, seq, numHeads, headDim, cos, sin);
      applyRope(k, seq, numKvHeads, headDim, cos, sin);

      // present = past ++ new, laid out [kvHeads, total, headDim] for this batch row.
      const keys = present[l].key.subarray(b * numKvHeads * total * headDim, (b + 1) * numKvHeads * total * headDim);
      const values = present[l].value.subarray(
        b * numKvHeads * total * headDim,
        (b + 1) * numKvHeads * total * headDim,
      );
      for (let kv = 0; kv < numKvHeads; kv++) {
        if (input.past) {
          const from = (b * numKvHeads + kv) * past * headDim;
          keys.set(input.past[l].key.subarray(from, from + past * headDim), kv * total * headDim);
          values.set(input.past[l].value.subarray(from, from + past * headDim), kv * total * headDim);
        }
        for (let s = 0; s < seq; s++) {
          const at = (kv * total + past + s) * headDim;
          keys.set(k.subarray(s * kvDim + kv * headDim, s * kvDim + (kv + 1) * headDim), at);
          values.set(v.subarray(s * kvDim + kv * headDim, s * kvDim + (kv + 1) * headDim), at);
        }
      }

      // Grouped-query attention: query head `hq` reads KV head ⌊hq / group⌋.
      const context = new Float32Array(seq * qDim);
      const scores = new Float64Array(total);
      for (let hq = 0; hq < numHeads; hq++) {
        const kvBase = Math.floor(hq / group) * total * headDim;
        for (let s = 0; s < seq; s++) {
          const qBase = s * qDim + hq * headDim;
          let max = -Infinity;
          for (let t = 0; t < total; t++) {
            let dot = 0;
            for (let i = 0; i < headDim; i++) dot += q[qBase + i] * keys[kvBase + t * headDim + i];
            const score = Math.fround(Math.fround(dot) * scale);
            scores[t] = allowed(s, t) ? score : Math.fround(score + MASKED);
            max = Math.max(max, scores[t]);
          }
          let sum = 0;
          for (let t = 0; t < total; t++) sum += scores[t] = Math.exp(scores[t] - max);
          for (let i = 0; i < headDim; i++) {
            let acc = 0;
            for (let t = 0; t < total; t++) acc += scores[t] * values[kvBase + t * headDim + i];
            context[qBase + i] = acc / sum;
          }
        }
      }
      const attnOut = matmul(context, seq, layer.o, qDim, h);
      for (let i = 0; i < x.length; i++) x[i] += attnOut[i];

      const hn2 = rmsNorm(x, seq, h, layer.postNorm, spec.rmsNormEps);
      const gate = matmul(hn2, seq, layer.gate, h, inter);
      const up = matmul(hn2, seq, layer.up, h, inter);
      for (let i = 0; i < gate.length; i++) gate[i] = (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
      const mlpOut = matmul(gate, seq, layer.down, inter, h);
      for (let i = 0; i < x.length; i++) x[i] += mlpOut[i];
    });

    const out = matmul(rmsNorm(x, seq, h, weights.finalNorm, spec.rmsNormEps), seq, weights.lmHead, h, vocab);
    logits.set(out, b * seq * vocab);
  }
  return { logits, present };
}
