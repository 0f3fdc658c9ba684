import type { BatchingOptions } from '../protocol/types';
import type { ModelConfig } from './load';

/** What the defaults are derived from. */
export interface BatchingFacts {
  text: ModelConfig;
  /** Bytes of the ONNX weight files (0 when unknown). */
  weightBytes: number;
  /** 2 when the cache is fp16, else 4. */
  kvBytesPerValue: number;
  contextLength: number;
}

/** Memory the KV cache of running sequences may take at most. */
const KV_BUDGET_CAP = 1024 ** 3;

/**
 * Bytes one layer's attention scores may take in a prefill pass. A 512-token chunk at 2k context of a
 * 14-head model makes 58 MB of them (and as much again for their softmax); on WASM that raised the
 * heap's high-water mark, which never comes down, by about a tenth of a 0.5B q4 model's weights.
 */
const PREFILL_SCORES_BYTES = 16 * 1024 ** 2;

/**
 * The scheduler's bounds: `requested` where given, else these rules.
 * - max_batch_total_tokens (the KV budget in tokens): min(device memory / 8, 1 GiB) divided by
 *   TWICE the bytes one token's keys and values take (layers × 2 × KV heads × head dim × 4 or 2
 *   bytes): during a step the past and the present cache both exist (on WASM both sit in the
 *   32-bit heap, whose 4 GiB also hold the weights). Never less than one full context.
 * - prefix cache: a tenth of the weights' bytes, at least 16 MiB: on WASM the engine decodes a 0.5B q4 model in
 *   1.18–1.21× the weights' bytes up to ~1000 tokens of context, so a full prefix cache keeps it near 1.3×.
 * - max_batch_size 8, max_batch_prefill_tokens 4096, max_waiting_tokens 20,
 *   waiting_served_ratio 0.3 (TGI's), prefill chunks of 512 tokens.
 * - prefill attention pairs: 16 MiB of fp32 scores over the query heads (see `prefillChunkLength`).
 */
export function batchingOptions(
  requested: Partial<BatchingOptions> | undefined,
  facts: BatchingFacts,
): BatchingOptions {
  const deviceMemory = ((globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory ?? 4) * 1024 ** 3;
  const budget = Math.min(deviceMemory / 8, KV_BUDGET_CAP);
  const perToken = kvBytesPerToken(facts);
  const derivedTotal = Math.max(Math.floor(budget / (2 * perToken)), facts.contextLength);
  return {
    maxBatchSize: 8,
    maxBatchPrefillTokens: 4096,
    maxBatchTotalTokens: derivedTotal,
    maxWaitingTokens: 20,
    waitingServedRatio: 0.3,
    prefillChunkTokens: 512,
    prefillAttentionPairs: Math.floor(PREFILL_SCORES_BYTES / (4 * (facts.text.num_attention_heads ?? 1))),
    prefixCacheBytes: Math.max(16 * 1024 ** 2, Math.floor(facts.weightBytes / 10)),
    ...Object.fromEntries(Object.entries(requested ?? {}).filter(([, v]) => v !== undefined)),
  };
}

function kvBytesPerToken({ text, kvBytesPerValue }: BatchingFacts): number {
  const layers = text.num_hidden_layers ?? 1;
  const heads = text.num_attention_heads ?? 1;
  const kvHeads = text.num_key_value_heads ?? heads;
  const headDim = text.head_dim ?? (text.hidden_size ?? 64 * heads) / heads;
  return layers * 2 * kvHeads * headDim * kvBytesPerValue;
}

/**
 * How many of `pending` prompt tokens one prefill pass takes after `cached` positions: at most
 * `budget`, and few enough that each new token attending over every position up to its own
 * (chunk × (cached + chunk) pairs) stays within `pairs`; always at least one.
 */
export function prefillChunkLength(cached: number, pending: number, budget: number, pairs: number): number {
  // The largest c with c × (cached + c) ≤ pairs.
  const fits = Math.floor((Math.sqrt(cached * cached + 4 * pairs) - cached) / 2);
  const length = Math.min(pending, budget, fits);
  // A pass always makes progress, whatever the bounds say (NaN included).
  return length >= 1 ? length : 1;
}
