import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';

import { generateRealVocabFiles, QWEN3 } from '../../tools/test-model/real-vocab';
import { promptLogits } from '../testing/prompt-logits';
import { moveWeightsOutOfGraph } from './external-weights';

/** Byte equality as a boolean: a failing toEqual on megabytes would print (and build) a huge diff. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

const files = generateRealVocabFiles(QWEN3);
const bytes = (file: string) => files.get(file) as Uint8Array;

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
      const inPlace = await promptLogits(graph, model);
      const direct = await promptLogits(model);
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
