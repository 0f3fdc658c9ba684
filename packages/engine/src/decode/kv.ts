import { Tensor } from '@huggingface/transformers';
import type { KvLayout } from '../protocol/types';
import { readback } from './forward';

/**
 * Keys and values in CPU memory, one [1, heads, positions, headDim] array per cache input name,
 * for one sequence: what the prefix cache stores and what the batch is rebuilt from.
 */
export type HostKv = Map<string, HostTensor>;

export interface HostTensor {
  type: Tensor['type'];
  data: KvData;
  /** [batch, heads, positions, headDim]. */
  dims: number[];
}

export type KvData = Float32Array | Uint16Array;

/**
 * Whether these cache tensors are attention keys and values only ([batch, heads, positions,
 * headDim], in CPU or GPU memory): only those can be cut, padded and regrouped. A model with
 * other state (e.g. recurrent) runs one sequence at a time and keeps no prefixes.
 */
export function isAttentionKv(cache: Record<string, Tensor>): boolean {
  return Object.entries(cache).every(
    ([name, t]) =>
      name.startsWith('past_key_values.') &&
      t.dims.length === 4 &&
      (t.location === 'cpu' || t.location === 'gpu-buffer'),
  );
}

/** A tensor's values in CPU memory (downloaded when they live on the GPU). */
export async function hostData(tensor: Tensor): Promise<KvData> {
  if (tensor.location === 'cpu') return tensor.data as KvData;
  const data = (await tensor.ort_tensor.getData()) as KvData;
  readback.bytes += data.byteLength;
  return data;
}

/** Bytes one position of `kv` takes. */
export function bytesPerPosition(kv: HostKv): number {
  let bytes = 0;
  for (const t of kv.values()) bytes += t.dims[1] * t.dims[3] * t.data.BYTES_PER_ELEMENT;
  return bytes;
}

/**
 * Row `row` of [batch, heads, positions, headDim] `source`, positions [from, to), as its own
 * [1, heads, to − from, headDim] array.
 */
export function slicePositions(source: HostTensor, row: number, from: number, to: number): HostTensor {
  const [, heads, positions, headDim] = source.dims;
  const length = to - from;
  const target = new (source.data.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(
    heads * length * headDim,
  );
  for (let h = 0; h < heads; h++) {
    const start = ((row * heads + h) * positions + from) * headDim;
    target.set(source.data.subarray(start, start + length * headDim), h * length * headDim);
  }
  return { type: source.type, data: target, dims: [1, heads, length, headDim] };
}

/**
 * The layout a model's graph needs, from its operators (model/graph-operators.ts). Where each row's
 * positions sit in a batched cache [rows, heads, positions, headDim] and its mask:
 * - 'left-padded': aligned to the right, zeros on the left that the attention mask hides. What
 *   exports with plain attention (a mask added to the scores, new keys concatenated at the end) need.
 * - 'ragged': every row starts at position 0, its length told by the mask's count of ones (ones
 *   first, zeros after). onnxruntime's GroupQueryAttention reads each row's length as the mask's sum
 *   minus one (`seqlens_k`, derived in the graph) and writes a row's new keys right after that many:
 *   under left padding it would attend to the padding and write over the row's own keys.
 */
export function kvLayoutOf(operators: ReadonlySet<string>): KvLayout {
  return operators.has('com.microsoft:GroupQueryAttention') ? 'ragged' : 'left-padded';
}

/** Positions [from, to) of a row of `length` cached positions that are its own `own` ones. */
export function ownPositions(layout: KvLayout, length: number, own: number): [number, number] {
  return layout === 'ragged' ? [0, own] : [length - own, length];
}

/**
 * Stack single-sequence [1, heads, L_i, headDim] arrays into one [batch, heads, max L, headDim]
 * tensor in `layout` (the padding is zeros).
 */
export function stackPadded(rows: readonly HostTensor[], layout: KvLayout): Tensor {
  const [, heads, , headDim] = rows[0].dims;
  const length = Math.max(...rows.map((r) => r.dims[2]));
  const Data = rows[0].data.constructor as Float32ArrayConstructor | Uint16ArrayConstructor;
  const target = new Data(rows.length * heads * length * headDim);
  rows.forEach((r, b) => {
    const own = r.dims[2];
    const [from] = ownPositions(layout, length, own);
    for (let h = 0; h < heads; h++) {
      const to = ((b * heads + h) * length + from) * headDim;
      target.set(r.data.subarray(h * own * headDim, (h + 1) * own * headDim), to);
    }
  });
  return new Tensor(rows[0].type, target, [rows.length, heads, length, headDim]);
}

/** The tensor of a host array (a view of its data, not a copy). */
export function toTensor(t: HostTensor): Tensor {
  return new Tensor(t.type, t.data, t.dims);
}
