import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { generateRealVocabFiles, QWEN3 } from '../../tools/test-model/real-vocab';
import { addLogitsToKeep } from './logits-to-keep';

const files = generateRealVocabFiles(QWEN3);
const bytes = (file: string) => files.get(file) as Uint8Array;
const PROMPT = [11n, 22n, 33n, 44n];

/**
 * The logits of PROMPT and their dims, with `num_logits_to_keep` when given. float16 logits come as their
 * bits (Node 20 has no Float16Array), so for those the comparisons below are exact.
 */
async function logits(model: Uint8Array, keep?: bigint): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  try {
    const n = PROMPT.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(PROMPT), [1, n]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(PROMPT.keys(), BigInt), [1, n]),
    };
    if (keep !== undefined) feeds.num_logits_to_keep = new ort.Tensor('int64', [keep], []);
    const pastType = session.inputMetadata.find((m) => m.name.startsWith('past_key_values'));
    for (const name of session.inputNames.filter((name) => name.startsWith('past_key_values'))) {
      const type = pastType?.isTensor && pastType.type === 'float16' ? 'float16' : 'float32';
      feeds[name] = new ort.Tensor(type, type === 'float16' ? new Uint16Array(0) : new Float32Array(0), [
        1,
        QWEN3.numKvHeads,
        0,
        QWEN3.headDim,
      ]);
    }
    const out = (await session.run(feeds)).logits;
    const data = out.type === 'float16' ? Float32Array.from(out.data as Uint16Array) : (out.data as Float32Array);
    return { data, dims: out.dims };
  } finally {
    await session.release();
  }
}

describe('addLogitsToKeep', () => {
  it.each(['onnx/model.onnx', 'onnx/model_q4.onnx', 'onnx/model_fp16.onnx'])(
    '%s: num_logits_to_keep 0 gives every position, k the last k, as the model computed them',
    async (file) => {
      const model = bytes(file);
      const kept = addLogitsToKeep(model)!;
      expect(onnx.ModelProto.decode(kept).graph!.input!.map((i) => i.name)).toContain('num_logits_to_keep');
      const all = await logits(model);
      const vocab = all.dims.at(-1)!;
      const everything = await logits(kept, 0n);
      expect(everything.dims).toEqual(all.dims);
      expect(Buffer.compare(new Uint8Array(everything.data.buffer), new Uint8Array(all.data.buffer))).toBe(0);
      for (const k of [1n, 2n]) {
        const last = await logits(kept, k);
        expect(last.dims).toEqual([1, Number(k), vocab]);
        const expected = all.data.subarray(all.data.length - Number(k) * vocab);
        let largest = 0;
        for (let i = 0; i < expected.length; i++) largest = Math.max(largest, Math.abs(last.data[i] - expected[i]));
        // The same rows through a smaller matrix product: equal up to the order of float additions.
        expect(largest).toBeLessThan(1e-4);
      }
    },
  );

  it('leaves alone a model that has the input, and what it cannot read', () => {
    expect(addLogitsToKeep(addLogitsToKeep(bytes('onnx/model.onnx'))!)).toBeNull();
    expect(addLogitsToKeep(new TextEncoder().encode('not a model'))).toBeNull();
  });
});
