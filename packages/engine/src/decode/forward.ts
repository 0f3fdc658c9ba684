import { DynamicCache, Tensor, type PreTrainedModel } from '@huggingface/transformers';

/**
 * The model's forward pass with its KV cache, one call per prefill or decode step.
 * transformers.js runs the ONNX session; this keeps the cache between calls.
 */
export class ForwardPass {
  private cache: DynamicCache | null = null;
  /** The ids whose keys and values the cache holds, in order. */
  private readonly ids: number[] = [];

  constructor(private readonly model: PreTrainedModel) {}

  get tokens(): readonly number[] {
    return this.ids;
  }

  /**
   * Run `ids` after everything seen so far; returns the logits of every new position
   * as one flat row-major Float32Array ([ids.length × vocab]).
   */
  async run(ids: readonly number[]): Promise<{ logits: Float32Array; vocab: number }> {
    const total = this.ids.length + ids.length;
    const inputIds = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
    const attentionMask = new Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]);
    const outputs = (await this.model.forward({
      input_ids: inputIds,
      attention_mask: attentionMask,
      past_key_values: this.cache ?? undefined,
    })) as Record<string, Tensor>;
    this.keep(outputs);
    this.ids.push(...ids);
    // fp16 models return fp16 logits; sampling works in fp32.
    const logits = outputs.logits.type === 'float32' ? outputs.logits : outputs.logits.to('float32');
    return { logits: logits.data as Float32Array, vocab: logits.dims.at(-1)! };
  }

  /**
   * Keep only the first `length` positions, so a prompt that shares them skips their prefill.
   * A cache on the GPU is read back and cut on the CPU (the next pass uploads it again: far
   * cheaper than recomputing the prefix). Returns false, changing nothing, for a cache that holds
   * state other than keys and values.
   */
  async rewind(length: number): Promise<boolean> {
    if (length >= this.ids.length) return true;
    if (!this.cache) return false;
    const entries = Object.entries(this.cache) as [string, Tensor][];
    const cuttable = ({ location }: Tensor) => location === 'cpu' || location === 'gpu-buffer';
    if (entries.some(([name, t]) => !name.startsWith('past_key_values.') || !cuttable(t) || t.dims.length !== 4)) {
      return false;
    }
    const cut: Record<string, Tensor> = {};
    for (const [name, tensor] of entries) cut[name] = firstPositions(tensor, await hostData(tensor), length);
    await this.cache.dispose();
    this.cache = new DynamicCache(cut);
    this.ids.length = length;
    return true;
  }

  /** Free GPU-resident cache tensors (CPU ones go with the garbage collector). */
  async dispose(): Promise<void> {
    await this.cache?.dispose();
    this.cache = null;
    this.ids.length = 0;
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

type TensorData = Float32Array | Uint16Array;

/** A tensor's values in CPU memory (downloaded when they live on the GPU). */
async function hostData(tensor: Tensor): Promise<TensorData> {
  return (tensor.location === 'cpu' ? tensor.data : await tensor.ort_tensor.getData()) as TensorData;
}

/** A [batch, heads, positions, headDim] tensor cut to its first `length` positions, in CPU memory. */
function firstPositions(tensor: Tensor, source: TensorData, length: number): Tensor {
  const [batch, heads, positions, headDim] = tensor.dims;
  const target = new (source.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(batch * heads * length * headDim);
  for (let row = 0; row < batch * heads; row++) {
    const from = row * positions * headDim;
    target.set(source.subarray(from, from + length * headDim), row * length * headDim);
  }
  return new Tensor(tensor.type, target, [batch, heads, length, headDim]);
}
