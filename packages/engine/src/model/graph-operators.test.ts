import { describe, expect, it } from 'vitest';
import { TINY } from '../../tools/test-model/config';
import { buildFusedOnnxModel } from '../../tools/test-model/fused-graph';
import { buildOnnxModel } from '../../tools/test-model/onnx-graph';
import { randomWeights, RULE_SCALES } from '../../tools/test-model/weights';
import { kvLayoutOf } from '../decode/kv';
import { graphOperators } from './graph-operators';

const weights = randomWeights(TINY, RULE_SCALES);
const blob = (bytes: Uint8Array) => new Blob([bytes.slice()]);

describe('graphOperators', () => {
  it('lists the operators of an Optimum-style graph, inline weights skipped', async () => {
    const ops = await graphOperators(blob(buildOnnxModel(TINY, weights)));
    expect([...ops]).toEqual(expect.arrayContaining(['Gather', 'MatMul', 'Softmax', 'ReduceMean', 'Concat']));
    expect(ops.has('com.microsoft:GroupQueryAttention')).toBe(false);
    expect(kvLayoutOf(ops)).toBe('left-padded');
  });

  it("names contrib operators by domain (onnxruntime-genai's builder graph, q4)", async () => {
    const ops = await graphOperators(blob(buildFusedOnnxModel(TINY, weights, { quantize: 'q4' })));
    expect([...ops].filter((op) => op.includes(':')).sort()).toEqual([
      'com.microsoft:GroupQueryAttention',
      'com.microsoft:MatMulNBits',
      'com.microsoft:SkipSimplifiedLayerNormalization',
    ]);
    expect(ops.has('SimplifiedLayerNormalization')).toBe(true);
    expect(kvLayoutOf(ops)).toBe('ragged');
  });

  it('refuses bytes that are not a protobuf message', async () => {
    await expect(graphOperators(blob(new Uint8Array([0x3a, 0xff, 0xff, 0xff, 0x0f])))).rejects.toThrow(
      'Not an ONNX model',
    );
  });
});
