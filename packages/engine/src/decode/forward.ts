import { DynamicCache, Tensor, type PreTrainedModel } from '@huggingface/transformers';

/** Bytes copied from GPU to CPU memory since load (0 on WASM, where everything is in CPU memory). */
export const readback = { bytes: 0 };

/**
 * Told before every pass how many positions it computes. A pass blocks the worker's thread for
 * as long as it runs (minutes for a long prompt on a slow device), so whoever watches the worker
 * for silence must know that a long silence is expected. Set by the worker; nothing by default.
 */
export const passes: { onStart: (positions: number) => void } = { onStart: () => undefined };

/**
 * One forward pass over a batch: `ids` [batch × n] after the cache's positions, under an
 * attention mask that covers past and new positions ([batch × total], 0 over padding;
 * transformers.js derives position_ids from it as a running count of the mask's ones, unless
 * `positions` gives them: one per row, for n = 1).
 * The session's `present*` outputs become the cache for the next call. Returns the logits of
 * every new position, flat row-major ([batch × n × vocab]).
 */
export async function forward(
  model: PreTrainedModel,
  cache: DynamicCache | null,
  ids: readonly number[],
  batch: number,
  mask: BigInt64Array,
  { lastOnly = true, positions }: { lastOnly?: boolean; positions?: readonly number[] } = {},
): Promise<{ logits: Float32Array; vocab: number; cache: DynamicCache }> {
  const n = ids.length / batch;
  passes.onStart(ids.length);
  const outputs = (await model.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [batch, n]),
    attention_mask: new Tensor('int64', mask, [batch, mask.length / batch]),
    past_key_values: cache ?? undefined,
    // Used by exports with a position_ids input; others ignore it.
    ...(positions && {
      position_ids: new Tensor('int64', BigInt64Array.from(positions, BigInt), [batch, 1]),
    }),
    // Exports that can return the last position's logits only: the others are never computed or read.
    ...(lastOnly && n > 1 && keepsLogits(model) && { num_logits_to_keep: new Tensor('int64', [1n], []) }),
  })) as Record<string, Tensor>;
  const next = keepPresent(cache, outputs);
  // On a GPU session the outputs that arrive in CPU memory (the logits) were read back.
  const values = Object.values(outputs);
  if (values.some((t) => t.location === 'gpu-buffer')) {
    for (const t of values) if (t.location === 'cpu') readback.bytes += (t.data as ArrayBufferView).byteLength;
  }
  // fp16 models return fp16 logits; sampling works in fp32.
  const logits = outputs.logits.type === 'float32' ? outputs.logits : outputs.logits.to('float32');
  return { logits: logits.data as Float32Array, vocab: logits.dims.at(-1)!, cache: next };
}

/**
 * The session's `present*` outputs as the next call's `past*` inputs. On WebGPU they stay on the
 * GPU; DynamicCache.update disposes the tensors it replaces, without which GPU memory grows with
 * every step.
 */
function keepPresent(cache: DynamicCache | null, outputs: Record<string, Tensor>): DynamicCache {
  const next: Record<string, Tensor> = {};
  for (const [name, tensor] of Object.entries(outputs)) {
    if (!name.startsWith('present')) continue;
    const pastName = name.startsWith('present.')
      ? `past_key_values.${name.slice('present.'.length)}`
      : name.replace(/^present/, 'past');
    next[pastName] = tensor;
  }
  if (!cache) return new DynamicCache(next);
  const replaced = Object.values(cacheTensors(cache));
  cache.update(next);
  for (const tensor of replaced) release(tensor);
  return cache;
}

/**
 * Frees a replaced CPU cache tensor's memory now rather than at the next garbage collection: each
 * pass copies the whole cache out of the runtime anew, so without this a long context holds two or
 * three generations of it (50 MB each for a 0.5B model at 2k positions). Only for an array that owns
 * its whole buffer. A cache being run is never shared: its arrays are the runtime's outputs or copies
 * made for it (kv.ts); the prefix cache holds copies, or the arrays of a cache that never runs again.
 */
function release(tensor: Tensor): void {
  if (tensor.location !== 'cpu') return;
  const data = tensor.data as ArrayBufferView;
  const buffer = data.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (data.byteOffset === 0 && data.byteLength === buffer.byteLength) buffer.transfer?.(0);
}

function keepsLogits(model: PreTrainedModel): boolean {
  const sessions = (model as unknown as { sessions: Record<string, { inputNames: string[] }> }).sessions;
  return sessions.model?.inputNames.includes('num_logits_to_keep') ?? false;
}

/** The tensors of a cache, by input name. */
export function cacheTensors(cache: DynamicCache): Record<string, Tensor> {
  return { ...(cache as unknown as Record<string, Tensor>) };
}

/** A single sequence's prefill: its cache (from the prefix cache, or empty) grows chunk by chunk. */
export class ForwardPass {
  constructor(
    private readonly model: PreTrainedModel,
    public cache: DynamicCache | null = null,
    /** The ids whose keys and values the cache holds, in order. */
    readonly ids: number[] = [],
  ) {}

  /** `allLogits`: every position's logits (prompt logprobs), not only the last one's. */
  async run(ids: readonly number[], allLogits = false): Promise<{ logits: Float32Array; vocab: number }> {
    const total = this.ids.length + ids.length;
    const out = await forward(this.model, this.cache, ids, 1, new BigInt64Array(total).fill(1n), {
      lastOnly: !allLogits,
    });
    this.cache = out.cache;
    this.ids.push(...ids);
    return out;
  }

  /** Free GPU-resident cache tensors (CPU ones go with the garbage collector). */
  async dispose(): Promise<void> {
    await this.cache?.dispose();
    this.cache = null;
  }
}
