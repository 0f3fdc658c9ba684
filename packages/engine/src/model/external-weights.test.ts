import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';

/** Byte equality as a boolean: a failing toEqual on megabytes would print (and build) a huge diff. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
import { generateRealVocabFiles, QWEN3 } from '../../tools/test-model/real-vocab';
import { moveWeightsOutOfGraph } from './external-weights';

const files = generateRealVocabFiles(QWEN3);
const bytes = (file: string) => files.get(file) as Uint8Array;

/** Greedy-free check: every logit of a 3-token prompt, from a session on `model` with `options`. */
async function logits(model: Uint8Array, options: ort.InferenceSession.SessionOptions = {}): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], ...options });
  try {
    const ids = [11n, 22n, 33n];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids), [1, 3]),
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

describe('moveWeightsOutOfGraph', () => {
  it('points every large initializer at its own bytes in the original file, and keeps everything else', () => {
    const model = bytes('onnx/model_q4.onnx');
    const before = onnx.ModelProto.decode(model);
    const after = onnx.ModelProto.decode(moveWeightsOutOfGraph(model, 'weights')!);
    expect(JSON.stringify(after.graph!.node)).toBe(JSON.stringify(before.graph!.node));
    expect(after.opsetImport).toEqual(before.opsetImport);
    expect(after.graph!.initializer!.length).toBe(before.graph!.initializer!.length);
    let moved = 0;
    for (const [i, tensor] of after.graph!.initializer!.entries()) {
      const original = before.graph!.initializer![i];
      expect(tensor.name).toBe(original.name);
      expect(tensor.dims).toEqual(original.dims);
      if (original.rawData!.byteLength < 1024) {
        expect(same(tensor.rawData!, original.rawData!)).toBe(true);
        continue;
      }
      moved++;
      expect(tensor.dataLocation).toBe(onnx.TensorProto.DataLocation.EXTERNAL);
      expect(tensor.rawData!.byteLength).toBe(0);
      const entry = Object.fromEntries(tensor.externalData!.map((e) => [e.key, e.value]));
      expect(entry.location).toBe('weights');
      const offset = Number(entry.offset);
      expect(same(model.subarray(offset, offset + Number(entry.length)), original.rawData!)).toBe(true);
    }
    expect(moved).toBeGreaterThan(5);
  });

  it('gives the same logits, bit for bit, from the model bytes read in place (fp32 and q4 MatMulNBits)', async () => {
    for (const file of ['onnx/model.onnx', 'onnx/model_q4.onnx']) {
      const model = bytes(file);
      const graph = moveWeightsOutOfGraph(model, 'weights')!;
      expect(graph.byteLength).toBeLessThan(model.byteLength / 4);
      const inPlace = await logits(graph, { externalData: [{ path: 'weights', data: model }] });
      const direct = await logits(model);
      expect(same(new Uint8Array(inPlace.buffer), new Uint8Array(direct.buffer))).toBe(true);
    }
  });

  it('leaves alone what it cannot improve or read', () => {
    // Weights already in an external file (transformers.js' use_external_data_format): nothing to move.
    const withExternal = onnx.ModelProto.decode(bytes('onnx/model.onnx'));
    for (const tensor of withExternal.graph!.initializer!) {
      tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      tensor.externalData = [{ key: 'location', value: 'model.onnx_data' }];
      tensor.rawData = new Uint8Array(0);
    }
    expect(moveWeightsOutOfGraph(onnx.ModelProto.encode(withExternal).finish(), 'weights')).toBeNull();
    expect(moveWeightsOutOfGraph(new TextEncoder().encode('<!doctype html> not found'), 'weights')).toBeNull();
    expect(moveWeightsOutOfGraph(new Uint8Array(0), 'weights')).toBeNull();
  });
});
