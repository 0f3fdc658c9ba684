import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { generateRealVocabFiles, QWEN3 } from '../../tools/test-model/real-vocab';
import { promptLogits } from '../testing/prompt-logits';
import { moveWeightsOutOfGraph } from './external-weights';
import { splitWideMatMulNBits } from './split-matmul-nbits';

const files = generateRealVocabFiles(QWEN3);
const q4 = files.get('onnx/model_q4.onnx') as Uint8Array;

describe('splitWideMatMulNBits', () => {
  const external = moveWeightsOutOfGraph(q4, 'weights')!;
  const opCount = (model: Uint8Array, op: string) =>
    onnx.ModelProto.decode(model).graph!.node!.filter((n) => n.opType === op).length;

  it('splits every MatMulNBits whose float32 scratch exceeds the bound into slices of the same weights, with the same logits bit for bit', async () => {
    // The fixture is small: with a 4 MiB bound its lm_head (vocabulary 151,936) is the node to split.
    const split = splitWideMatMulNBits(external, 4 * 2 ** 20)!;
    const splitNodes = opCount(split, 'Concat') - opCount(external, 'Concat');
    expect(splitNodes).toBeGreaterThan(0);
    expect(opCount(split, 'MatMulNBits')).toBeGreaterThan(opCount(external, 'MatMulNBits') + splitNodes);
    // A split weight is gone from the graph: only its slices remain.
    const names = onnx.ModelProto.decode(split).graph!.initializer!.map((t) => t.name!);
    expect(names).not.toContain('lm_head.weight_Q4');
    expect(names.filter((n) => n.startsWith('lm_head.weight_Q4/inpage_part')).length).toBeGreaterThan(2);
    const expected = await promptLogits(q4);
    const got = await promptLogits(split, q4);
    expect(Buffer.compare(new Uint8Array(got.buffer), new Uint8Array(expected.buffer))).toBe(0);
  });

  it('leaves a graph alone when no MatMulNBits is large, or the weights are inline', () => {
    expect(splitWideMatMulNBits(external, 64 * 2 ** 20)).toBeNull();
    expect(splitWideMatMulNBits(q4, 4 * 2 ** 20)).toBeNull();
  });
});
