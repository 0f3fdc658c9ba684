/**
 * Unit-test support for the graph rewrites (model/*.test.ts): every logit of one fixed 3-token
 * prompt from a Qwen3-fixture graph, run on onnxruntime-web's WASM build in Node, so a rewritten
 * graph can be compared bit for bit with the file it came from.
 */
import * as ort from 'onnxruntime-web';
import { QWEN3 } from '../../tools/test-model/real-vocab';

/** `weights`, when given, is mounted as the external-data file named `weights` (what the rewrites point at). */
export async function promptLogits(model: Uint8Array, weights?: Uint8Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['wasm'],
    ...(weights && { externalData: [{ path: 'weights', data: weights }] }),
  });
  try {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from([11n, 22n, 33n]), [1, 3]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(3).fill(1n), [1, 3]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from([0n, 1n, 2n]), [1, 3]),
    };
    for (const name of session.inputNames.filter((n) => n.startsWith('past_key_values'))) {
      feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, QWEN3.numKvHeads, 0, QWEN3.headDim]);
    }
    return (await session.run(feeds)).logits.data as Float32Array;
  } finally {
    await session.release();
  }
}
