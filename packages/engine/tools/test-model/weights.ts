/**
 * Deterministic weights. Matrices are stored [in, out] row-major (the transpose of PyTorch's Linear.weight),
 * which is what ONNX MatMul(x, W) and the reference forward pass both read.
 */
import type { Dimensions, ModelSpec } from './config';
import { Random } from './random';
import { ruleNext, ruleTargets } from './rule';
import type { Vocab } from './tokenizer';

export interface LayerWeights {
  inputNorm: Float32Array; // [hidden]
  q: Float32Array; // [hidden, heads·headDim]
  k: Float32Array; // [hidden, kvHeads·headDim]
  v: Float32Array; // [hidden, kvHeads·headDim]
  o: Float32Array; // [heads·headDim, hidden]
  /** Qwen3/Gemma 3 only: RMSNorm weights over each head of q and k. */
  qNorm?: Float32Array; // [headDim]
  kNorm?: Float32Array; // [headDim]
  postNorm: Float32Array; // [hidden]
  /** Gemma only: norms before and after the MLP (postNorm then norms the attention output). */
  preFeedforwardNorm?: Float32Array; // [hidden]
  postFeedforwardNorm?: Float32Array; // [hidden]
  gate: Float32Array; // [hidden, intermediate]
  up: Float32Array; // [hidden, intermediate]
  down: Float32Array; // [intermediate, hidden]
}

export interface ModelWeights {
  embed: Float32Array; // [vocab, hidden]
  layers: LayerWeights[];
  finalNorm: Float32Array; // [hidden]
  lmHead: Float32Array; // [hidden, vocab]
}

/** Standard deviations of the random parts (norm weights: of their deviation from 1). */
export interface Scales {
  embed: number;
  qk: number;
  v: number;
  o: number;
  gateUp: number;
  down: number;
  norm: number;
  lmHead: number;
}

/**
 * Rule model: q/k are large enough that attention is far from uniform (so RoPE, mask and cache bugs change the
 * logits), while o/down are small enough that what attention and the MLP add to the residual stream never
 * overturns the rule (tests check a margin of ≥ 3 logits over thousands of random contexts).
 */
export const RULE_SCALES: Scales = {
  embed: 0.02,
  qk: 0.15,
  v: 0.1,
  o: 0.004,
  gateUp: 0.15,
  down: 0.003,
  norm: 0.05,
  lmHead: 0.02,
};
/** Bench model: typical initialisation; a wider lm_head makes next-token distributions peaked like a real LM's. */
const RANDOM_SCALES: Scales = {
  embed: 0.02,
  qk: 0.02,
  v: 0.02,
  o: 0.02,
  gateUp: 0.02,
  down: 0.02,
  norm: 0,
  lmHead: 0.1,
};

/** Logit of the rule's token, before the random parts: at temperature 1 its probability is ~0.75, not 1. */
const RULE_LOGIT = 6;
/** Logit of tokens the rule never predicts (merges, most bytes, special tokens): rarely sampled. */
const NON_TARGET_LOGIT = -3;

/** RoPE inverse frequencies 1/θ^(2i/d), as float32 like the PyTorch implementation. */
export function ropeInvFreq(spec: Pick<Dimensions, 'headDim' | 'ropeTheta'>): Float32Array {
  const half = spec.headDim / 2;
  return Float32Array.from({ length: half }, (_, i) => 1 / spec.ropeTheta ** ((2 * i) / spec.headDim));
}

export function buildWeights(spec: ModelSpec, vocab: Vocab): ModelWeights {
  const weights = randomWeights(spec, spec.weights === 'rule' ? RULE_SCALES : RANDOM_SCALES);
  if (spec.weights === 'rule') addRule(spec, vocab, weights);
  return weights;
}

/** Seeded random weights of every tensor, at the given scales. */
export function randomWeights(spec: Dimensions, scales: Scales): ModelWeights {
  // One generator per tensor, seeded by its name: tensors do not shift when another one changes.
  const random = (name: string, count: number, std: number) => new Random(`${spec.seed}/${name}`).uniform(count, std);
  const norm = (name: string) => random(name, spec.hiddenSize, scales.norm).map((x) => 1 + x);
  const h = spec.hiddenSize;
  const qDim = spec.numHeads * spec.headDim;
  const kvDim = spec.numKvHeads * spec.headDim;
  const inter = spec.intermediateSize;
  const layers = Array.from({ length: spec.numLayers }, (_, i): LayerWeights => {
    const p = `layers.${i}`;
    return {
      inputNorm: norm(`${p}.input_layernorm`),
      q: random(`${p}.q_proj`, h * qDim, scales.qk),
      k: random(`${p}.k_proj`, h * kvDim, scales.qk),
      v: random(`${p}.v_proj`, h * kvDim, scales.v),
      o: random(`${p}.o_proj`, qDim * h, scales.o),
      postNorm: norm(`${p}.post_attention_layernorm`),
      gate: random(`${p}.gate_proj`, h * inter, scales.gateUp),
      up: random(`${p}.up_proj`, h * inter, scales.gateUp),
      down: random(`${p}.down_proj`, inter * h, scales.down),
    };
  });
  return {
    embed: random('embed_tokens', spec.vocabSize * h, scales.embed),
    layers,
    finalNorm: norm('norm'),
    lmHead: random('lm_head', h * spec.vocabSize, scales.lmHead),
  };
}

/**
 * Hand-builds the rule into the embedding and lm_head. Each possible next token gets its own hidden dimension
 * ("direction"), and the last dimension is a bias shared by all tokens:
 * - embedding of token t = 1 on the direction of ruleNext(t) + 1 on the bias dimension (+ noise);
 * - lm_head maps each direction to its token's logit, and the bias dimension to NON_TARGET_LOGIT for every
 *   token that is never a rule target.
 * After the final RMSNorm each of the two unit components is ≈ √(hidden/2), which sets the lm_head scale.
 */
function addRule(spec: ModelSpec, vocab: Vocab, weights: ModelWeights): void {
  const h = spec.hiddenSize;
  const v = spec.vocabSize;
  const targets = ruleTargets(vocab);
  if (targets.length >= h)
    throw new Error(`${spec.name}: ${targets.length} rule targets need hidden size > ${targets.length}`);
  const direction = new Map(targets.map((token, d) => [token, d]));
  const bias = h - 1;
  const normalized = Math.sqrt(h / 2);
  for (let t = 0; t < v; t++) {
    weights.embed[t * h + direction.get(ruleNext(vocab, t))!] += 1;
    weights.embed[t * h + bias] += 1;
    if (direction.has(t)) weights.lmHead[direction.get(t)! * v + t] += RULE_LOGIT / normalized;
    else weights.lmHead[bias * v + t] += NON_TARGET_LOGIT / normalized;
  }
}
