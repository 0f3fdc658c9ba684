/**
 * Sizes of the models the project builds for itself (see README.md in this folder).
 */
import { CHATML, type ChatFormat, TAGGED } from './tokenizer';

export interface ModelSpec {
  /** Folder name under the models directory; also the id passed to from_pretrained. */
  name: string;
  /**
   * 'rule': hand-built embedding/lm_head so greedy decoding follows a documented rule (tests assert exact text).
   * 'random': random weights only, for speed and memory measurements.
   */
  weights: 'rule' | 'random';
  seed: string;
  numLayers: number;
  hiddenSize: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  /** Token ids in the tokenizer, logits width: 256 byte tokens + merges + special tokens. */
  vocabSize: number;
  maxPositions: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Special tokens and chat template. */
  chat: ChatFormat;
}

/** The sizes a decoder graph needs, whatever its tokenizer and weights. */
export type Dimensions = Omit<ModelSpec, 'weights' | 'chat'>;

export const TINY: ModelSpec = {
  name: 'inpage-tiny',
  weights: 'rule',
  seed: 'inpage-tiny/v1',
  numLayers: 2,
  // 64 = 63 rule directions (one per possible next token) + 1 bias direction; see weights.ts.
  hiddenSize: 64,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  intermediateSize: 128,
  vocabSize: 271,
  maxPositions: 2048,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  chat: TAGGED,
};

/** The tiny model's rule and sizes with ChatML's special tokens and template (no BOS, two EOS ids). */
export const TINY_CHATML: ModelSpec = {
  ...TINY,
  name: 'inpage-tiny-chatml',
  seed: 'inpage-tiny-chatml/v1',
  // 256 bytes + the same 8 merges + ChatML's 5 special tokens.
  vocabSize: 269,
  chat: CHATML,
};

export const BENCH: ModelSpec = {
  name: 'inpage-bench',
  weights: 'random',
  seed: 'inpage-bench/v1',
  numLayers: 10,
  hiddenSize: 512,
  numHeads: 8,
  numKvHeads: 4,
  headDim: 64,
  intermediateSize: 1536,
  vocabSize: 32000,
  maxPositions: 2048,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  chat: TAGGED,
};

/** The decoder's sizes as config.json names them (every architecture here has them, in this order). */
export function decoderSizes(spec: Dimensions) {
  return {
    hidden_size: spec.hiddenSize,
    intermediate_size: spec.intermediateSize,
    num_hidden_layers: spec.numLayers,
    num_attention_heads: spec.numHeads,
    num_key_value_heads: spec.numKvHeads,
    head_dim: spec.headDim,
  };
}

/** Sizes, activation, vocabulary, positions, norm and RoPE of a Llama-style config (Llama, Qwen3). */
export function llamaStyleConfig(spec: Dimensions) {
  return {
    ...decoderSizes(spec),
    hidden_act: 'silu',
    vocab_size: spec.vocabSize,
    max_position_embeddings: spec.maxPositions,
    rms_norm_eps: spec.rmsNormEps,
    rope_theta: spec.ropeTheta,
    attention_bias: false,
  };
}

/** Number of weights, embedding and lm_head included (one table for both when tied). */
export function parameterCount(spec: Dimensions, tied = false): number {
  const h = spec.hiddenSize;
  const qDim = spec.numHeads * spec.headDim;
  const kvDim = spec.numKvHeads * spec.headDim;
  const attention = h * qDim + 2 * h * kvDim + qDim * h;
  const mlp = 3 * h * spec.intermediateSize;
  const norms = 2 * h;
  return (tied ? 1 : 2) * spec.vocabSize * h + spec.numLayers * (attention + mlp + norms) + h;
}
