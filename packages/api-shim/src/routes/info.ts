/** `GET /info` and `GET /v1/models`. Both wait for the model, like the generation routes. */
import { limitsFor, servedModelId, type ShimContext } from '../context';
import type { Device, Dtype, KvLayout } from '../engine';
import { modelReady } from '../generation/ready';
import { jsonResponse } from '../http/responses';

/** TGI's `Info`, plus where the model runs. */
export interface InfoJson {
  model_id: string;
  model_sha: string | null;
  model_pipeline_tag: string | null;
  max_concurrent_requests: number;
  max_best_of: number;
  max_stop_sequences: number;
  max_input_tokens: number;
  max_total_tokens: number;
  validation_workers: number;
  max_client_batch_size: number;
  router: string;
  version: string;
  sha: string | null;
  docker_label: string | null;
  /** Ours: "webgpu" or "wasm". */
  device: Device;
  /** Ours: why that device (e.g. no WebGPU adapter). */
  device_reason: string;
  /** Ours: the weights' precision. */
  dtype: Dtype;
  /** The scheduler's bounds, by TGI's launcher names (see the README's "Continuous batching"). */
  max_batch_size: number;
  max_batch_prefill_tokens: number;
  max_batch_total_tokens: number;
  max_waiting_tokens: number;
  waiting_served_ratio: number;
  /** Ours: prompt tokens prefilled per step (longer prompts prefill in chunks between decode steps). */
  prefill_chunk_tokens: number;
  /** Ours: bytes of keys and values the prefix cache keeps. */
  prefix_cache_bytes: number;
  /**
   * Ours: how a batch lays out its rows' caches: `left-padded`, or `ragged` (each row from position
   * 0) for models with onnxruntime's GroupQueryAttention, which reads each row's length from the mask.
   */
  kv_layout: KvLayout;
}

export async function info(ctx: ShimContext, request: Request): Promise<Response> {
  const model = await modelReady(ctx, request.signal);
  const limits = limitsFor(ctx.config, model);
  const body: InfoJson = {
    model_id: servedModelId(ctx.config, model),
    model_sha: null,
    // A text-generation model: hence `return_full_text` defaults to true on POST / (as in TGI).
    model_pipeline_tag: 'text-generation',
    max_concurrent_requests: ctx.config.maxConcurrentRequests,
    max_best_of: ctx.config.maxBestOf,
    max_stop_sequences: ctx.config.maxStopSequences,
    max_input_tokens: limits.maxInputTokens,
    max_total_tokens: limits.maxTotalTokens,
    // Validation runs on the page's thread, one request at a time.
    validation_workers: 1,
    max_client_batch_size: ctx.config.maxClientBatchSize,
    router: 'text-generation-router',
    version: ctx.config.version,
    sha: null,
    docker_label: null,
    device: model.device,
    device_reason: model.deviceReason,
    dtype: model.dtype,
    max_batch_size: model.batching.maxBatchSize,
    max_batch_prefill_tokens: model.batching.maxBatchPrefillTokens,
    max_batch_total_tokens: model.batching.maxBatchTotalTokens,
    max_waiting_tokens: model.batching.maxWaitingTokens,
    waiting_served_ratio: model.batching.waitingServedRatio,
    prefill_chunk_tokens: model.batching.prefillChunkTokens,
    prefix_cache_bytes: model.batching.prefixCacheBytes,
    kv_layout: model.kvLayout,
  };
  return jsonResponse(body);
}

export async function models(ctx: ShimContext, request: Request): Promise<Response> {
  const id = servedModelId(ctx.config, await modelReady(ctx, request.signal));
  return jsonResponse({ object: 'list', data: [{ id, object: 'model', created: 0, owned_by: id }] });
}
