import { Tensor } from '@huggingface/transformers';
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
 * Stack single-sequence [1, heads, L_i, headDim] arrays into one [batch, heads, max L, headDim]
 * tensor, each row aligned to the right (left padding with zeros; the attention mask hides it).
 */
export function stackLeftPadded(rows: readonly HostTensor[]): Tensor {
  const [, heads, , headDim] = rows[0].dims;
  const length = Math.max(...rows.map((r) => r.dims[2]));
  const Data = rows[0].data.constructor as Float32ArrayConstructor | Uint16ArrayConstructor;
  const target = new Data(rows.length * heads * length * headDim);
  rows.forEach((r, b) => {
    const own = r.dims[2];
    for (let h = 0; h < heads; h++) {
      const to = ((b * heads + h) * length + (length - own)) * headDim;
      target.set(r.data.subarray(h * own * headDim, (h + 1) * own * headDim), to);
    }
  });
  return new Tensor(rows[0].type, target, [rows.length, heads, length, headDim]);
}

/** The tensor of a host array (a view of its data, not a copy). */
export function toTensor(t: HostTensor): Tensor {
  return new Tensor(t.type, t.data, t.dims);
}
