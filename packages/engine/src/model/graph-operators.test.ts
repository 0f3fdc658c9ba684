import { describe, expect, it } from 'vitest';
import { TINY } from '../../tools/test-model/config';
import { buildFusedOnnxModel } from '../../tools/test-model/fused-graph';
import { buildOnnxModel } from '../../tools/test-model/onnx-graph';
import { randomWeights, RULE_SCALES } from '../../tools/test-model/weights';
import { kvLayoutOf } from '../decode/kv';
import { graphOperators, modelOperators, recordOperators } from './graph-operators';

const weights = randomWeights(TINY, RULE_SCALES);

describe('graphOperators', () => {
  it('lists the operators of an Optimum-style graph, inline weights skipped', () => {
    const ops = graphOperators(buildOnnxModel(TINY, weights));
    expect([...ops]).toEqual(expect.arrayContaining(['Gather', 'MatMul', 'Softmax', 'ReduceMean', 'Concat']));
    expect(ops.has('com.microsoft:GroupQueryAttention')).toBe(false);
    expect(kvLayoutOf(ops)).toBe('left-padded');
  });

  it("names contrib operators by domain (onnxruntime-genai's builder graph, q4)", () => {
    const ops = graphOperators(buildFusedOnnxModel(TINY, weights, { quantize: 'q4' }));
    expect([...ops].filter((op) => op.includes(':')).sort()).toEqual([
      'com.microsoft:GroupQueryAttention',
      'com.microsoft:MatMulNBits',
      'com.microsoft:SkipSimplifiedLayerNormalization',
    ]);
    expect(ops.has('SimplifiedLayerNormalization')).toBe(true);
    expect(kvLayoutOf(ops)).toBe('ragged');
  });

  it('refuses bytes that are not a protobuf message', () => {
    expect(() => graphOperators(new Uint8Array([0x3a, 0xff, 0xff, 0xff, 0x0f]))).toThrow();
  });

  it("gives a model's operators from its sessions' records; none for a session it never saw", () => {
    const [a, b, unseen] = [{}, {}, {}];
    recordOperators(a, new Set(['MatMul', 'com.microsoft:GroupQueryAttention']));
    recordOperators(b, new Set(['Gather']));
    expect(modelOperators({ model: a, other: b, unseen })).toEqual(
      new Set(['MatMul', 'com.microsoft:GroupQueryAttention', 'Gather']),
    );
    expect(modelOperators({ model: unseen }).size).toBe(0);
  });
});
