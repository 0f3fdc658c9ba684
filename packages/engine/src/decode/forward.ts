import { DynamicCache, Tensor, type PreTrainedModel } from '@huggingface/transformers';

/**
 * The model's forward pass with its KV cache, one call per prefill or decode step.
 * transformers.js runs the ONNX session; this keeps the cache between calls.
 */
export class ForwardPass {
  private cache: DynamicCache | null = null;
  /** Tokens the cache holds. */
  private length = 0;

  constructor(private readonly model: PreTrainedModel) {}

  /**
   * Run `ids` after everything seen so far; returns the logits of every new position
   * as one flat row-major Float32Array ([ids.length × vocab]).
   */
  async run(ids: readonly number[]): Promise<{ logits: Float32Array; vocab: number }> {
    const total = this.length + ids.length;
    const inputIds = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
    const attentionMask = new Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]);
    const outputs = (await this.model.forward({
      input_ids: inputIds,
      attention_mask: attentionMask,
      past_key_values: this.cache ?? undefined,
    })) as Record<string, Tensor>;
    this.keep(outputs);
    this.length = total;
    // fp16 models return fp16 logits; sampling works in fp32.
    const logits = outputs.logits.type === 'float32' ? outputs.logits : outputs.logits.to('float32');
    return { logits: logits.data as Float32Array, vocab: logits.dims.at(-1)! };
  }

  /** Free GPU-resident cache tensors (CPU ones go with the garbage collector). */
  async dispose(): Promise<void> {
    await this.cache?.dispose();
    this.cache = null;
    this.length = 0;
  }

  /**
   * The session's `present*` outputs become the next call's `past*` inputs. On WebGPU they
   * stay on the GPU; DynamicCache.update disposes the tensors it replaces, without which
   * GPU memory grows with every step.
   */
  private keep(outputs: Record<string, Tensor>): void {
    const next: Record<string, Tensor> = {};
    for (const [name, tensor] of Object.entries(outputs)) {
      if (!name.startsWith('present')) continue;
      const pastName = name.startsWith('present.')
        ? `past_key_values.${name.slice('present.'.length)}`
        : name.replace(/^present/, 'past');
      next[pastName] = tensor;
    }
    if (this.cache) this.cache.update(next);
    else this.cache = new DynamicCache(next);
  }
}
