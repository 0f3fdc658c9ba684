/**
 * The decoder as onnxruntime-genai's model builder writes it for the CPU and WebGPU execution providers
 * (builders/base.py), with its fused com.microsoft operators:
 * - `GroupQueryAttention` with `do_rotary` (RoPE inside, from `cos_cache`/`sin_cache` initializers of
 *   [max positions, head_dim / 2]), KV cache in and out as `past_key_values.{i}.key|value` →
 *   `present.{i}.key|value`, BNSH;
 * - its per-row lengths derived from `attention_mask` inside the graph, as the builder's
 *   make_attention_mask_reformatting_for_gqa does: `seqlens_k` = ReduceSum(mask, axis 1) − 1 as int32, and
 *   `total_sequence_length` = the mask's width as int32; so there is no `position_ids` input;
 * - `SimplifiedLayerNormalization` (RMSNorm) for the first layer's input norm and q/k norm (over each head,
 *   between two Reshapes), `SkipSimplifiedLayerNormalization` (residual add + RMSNorm, the sum as output 3)
 *   for every later norm;
 * - q, k and v as one packed `qkv_proj` MatMul split in three (the builder's layout when q/k norm is present);
 * - or, with `rotary: 'node'`, its DirectML layout: RoPE in `RotaryEmbedding` nodes fed by a `position_ids`
 *   input, q, k and v as separate MatMuls;
 * - with q4, every MatMul as `MatMulNBits` (quantize.ts), as the builder's int4 precision;
 * - with fp16, its io_dtype float16 (fp16 precision, and int4 for CUDA/DirectML/WebGPU): weights, MatMulNBits
 *   scales, cos/sin caches, KV cache, logits and all arithmetic in float16, with no Cast (Qwen3 keeps its
 *   norms in io_dtype: layernorm_attrs.cast.use_fp32 is off).
 * IR 10, opsets '' 21 and com.microsoft 1, as the builder's.
 */
import onnxProto from 'onnx-proto';
import type { Dimensions } from './config';
import { GraphBuilder, intAttr, intsAttr, matMulNBits, transpose, valueInfo } from './onnx-graph';
import { ropeInvFreq, type ModelWeights } from './weights';

const { onnx } = onnxProto;
const { FLOAT, FLOAT16, INT32, INT64 } = onnx.TensorProto.DataType;
type Attribute = onnxProto.onnx.IAttributeProto;

const floatAttr = (name: string, f: number): Attribute => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });

export interface FusedGraphOptions {
  /** Qwen3's RMSNorm over each head of q and k (weights in layer.qNorm/kNorm). */
  qkNorm?: boolean;
  /** lm_head is the embedding table transposed (tie_word_embeddings). */
  tiedEmbeddings?: boolean;
  /** Every linear layer (lm_head included) as 4-bit MatMulNBits. */
  quantize?: 'q4';
  /**
   * Where RoPE runs: inside GroupQueryAttention (`do_rotary`, no position_ids input: the builder's layout
   * for CPU, CUDA and WebGPU), or in `RotaryEmbedding` nodes fed by a `position_ids` input, with q, k
   * and v as separate MatMuls (its layout for DirectML, where GQA's rotary is not supported).
   */
  rotary?: 'attention' | 'node';
  /**
   * The builder's io_dtype float16 (its fp16 precision, and int4 for the GPU execution providers): every
   * weight (MatMulNBits scales included), the cos/sin caches, the KV cache, the logits and every activation
   * in float16, computed in float16; no Cast.
   */
  fp16?: boolean;
}

export function buildFusedOnnxModel(
  spec: Dimensions,
  weights: ModelWeights,
  options: FusedGraphOptions = {},
): Uint8Array {
  const g = new GraphBuilder(options.fp16 ? 'fp16' : 'fp32');
  const io = options.fp16 ? FLOAT16 : FLOAT;
  const { hiddenSize: h, numHeads, numKvHeads: kvHeads, headDim, intermediateSize: inter, vocabSize: vocab } = spec;
  const qSize = numHeads * headDim;
  const kvSize = kvHeads * headDim;
  /** A node with several outputs or a domain ('' outputs are the optional ones left out). */
  const node = (opType: string, input: string[], output: string[], attribute: Attribute[] = [], domain?: string) => {
    g.nodes.push({ name: output.find(Boolean), opType, input, output, attribute, ...(domain && { domain }) });
    return output;
  };
  const matmul = (x: string, name: string, data: Float32Array, rows: number, cols: number, output?: string) =>
    options.quantize === 'q4'
      ? matMulNBits(g, x, name, data, rows, cols, output)
      : g.op('MatMul', [x, g.weight(name, [rows, cols], data)], [], output);
  const normAttributes = [intAttr('axis', -1), floatAttr('epsilon', spec.rmsNormEps), intAttr('stash_type', 1)];
  const simplifiedNorm = (x: string, weight: string) =>
    g.op('SimplifiedLayerNormalization', [x, weight], normAttributes);
  /** RMSNorm of root + skip (output 0) and root + skip itself (output 3, the next residual). */
  const skipNorm = (root: string, skip: string, weight: string, name: string, last = false) =>
    node(
      'SkipSimplifiedLayerNormalization',
      [root, skip, weight],
      last ? [`${name}/output_0`] : [`${name}/output_0`, '', '', `${name}/output_3`],
      [floatAttr('epsilon', spec.rmsNormEps)],
      'com.microsoft',
    );

  // The builder's attention-mask reformatting: per-row lengths − 1, and the total length.
  const maskSum = g.op('ReduceSum', ['attention_mask', g.ints(1)], [intAttr('keepdims', 0)]);
  const seqlensK = g.op('Cast', [g.op('Sub', [maskSum, g.constant('int64', [], [1])])], [intAttr('to', INT32)]);
  const totalLength = g.op(
    'Cast',
    [g.op('Gather', [g.op('Shape', ['attention_mask']), g.constant('int64', [], [1])], [intAttr('axis', 0)])],
    [intAttr('to', INT32)],
  );

  // cos/sin of position × inv_freq for every position up to the context length, [positions, headDim / 2].
  const invFreq = ropeInvFreq(spec);
  const cos = new Float32Array(spec.maxPositions * invFreq.length);
  const sin = new Float32Array(cos.length);
  for (let p = 0; p < spec.maxPositions; p++) {
    for (let i = 0; i < invFreq.length; i++) {
      const angle = Math.fround(p * invFreq[i]);
      cos[p * invFreq.length + i] = Math.cos(angle);
      sin[p * invFreq.length + i] = Math.sin(angle);
    }
  }
  const cosCache = g.weight('cos_cache', [spec.maxPositions, invFreq.length], cos);
  const sinCache = g.weight('sin_cache', [spec.maxPositions, invFreq.length], sin);

  const rotaryNode = options.rotary === 'node';
  /** RoPE over [B, S, heads · headDim] (heads and head size read from the width and the caches). */
  const rotate = (x: string) =>
    node(
      'RotaryEmbedding',
      [x, 'position_ids', cosCache, sinCache],
      [`/RotaryEmbedding_${g.nodes.length}`],
      [intAttr('interleaved', 0), intAttr('num_heads', 0), intAttr('rotary_embedding_dim', 0)],
      'com.microsoft',
    )[0];
  const embedTable = g.weight('model.embed_tokens.weight', [vocab, h], weights.embed);
  const embedded = g.op('Gather', [embedTable, 'input_ids']);
  const pastInputs: onnxProto.onnx.IValueInfoProto[] = [];
  const presentOutputs: onnxProto.onnx.IValueInfoProto[] = [];
  /** One packed qkv_proj MatMul, split in three (the builder's layout where GQA's input may be packed). */
  const packedQkv = (hn: string, p: string, i: number, layer: ModelWeights['layers'][number]) => {
    const width = qSize + 2 * kvSize;
    const packed = new Float32Array(h * width);
    for (let r = 0; r < h; r++) {
      packed.set(layer.q.subarray(r * qSize, (r + 1) * qSize), r * width);
      packed.set(layer.k.subarray(r * kvSize, (r + 1) * kvSize), r * width + qSize);
      packed.set(layer.v.subarray(r * kvSize, (r + 1) * kvSize), r * width + qSize + kvSize);
    }
    const qkv = matmul(hn, `${p}.attn.qkv_proj.weight`, packed, h, width);
    const split = `/model/layers.${i}/attn/qkv_proj/Split`;
    return node(
      'Split',
      [qkv, g.ints(qSize, kvSize, kvSize)],
      [0, 1, 2].map((n) => `${split}/output_${n}`),
      [intAttr('axis', -1)],
    );
  };
  const separateQkv = (hn: string, p: string, layer: ModelWeights['layers'][number]) => [
    matmul(hn, `${p}.attn.q_proj.weight`, layer.q, h, qSize),
    matmul(hn, `${p}.attn.k_proj.weight`, layer.k, h, kvSize),
    matmul(hn, `${p}.attn.v_proj.weight`, layer.v, h, kvSize),
  ];
  let residual = embedded;
  let pending: string | null = null; // the last block's output, not yet added to the residual
  weights.layers.forEach((layer, i) => {
    const p = `model.layers.${i}`;
    const inputNorm = g.weight(`${p}.input_layernorm.weight`, [h], layer.inputNorm);
    let hn: string;
    if (pending === null) hn = simplifiedNorm(residual, inputNorm);
    else
      [hn, , , residual] = skipNorm(residual, pending, inputNorm, `/model/layers.${i}/input_layernorm/SkipLayerNorm`);

    let [q, k, v] = rotaryNode ? separateQkv(hn, p, layer) : packedQkv(hn, p, i, layer);
    if (options.qkNorm) {
      // Over each head: [B, S, N·H] → [B, S·N, H] → norm → [B, S, N·H].
      const headNorm = (x: string, name: string, data: Float32Array, width: number) =>
        g.op('Reshape', [
          simplifiedNorm(g.op('Reshape', [x, g.ints(0, -1, headDim)]), g.weight(name, [headDim], data)),
          g.ints(0, -1, width),
        ]);
      q = headNorm(q, `${p}.attn.q_norm.layernorm.weight`, layer.qNorm!, qSize);
      k = headNorm(k, `${p}.attn.k_norm.layernorm.weight`, layer.kNorm!, kvSize);
    }
    if (rotaryNode) [q, k] = [rotate(q), rotate(k)];
    for (const kind of ['key', 'value'] as const) {
      pastInputs.push(
        valueInfo(`past_key_values.${i}.${kind}`, io, ['batch_size', kvHeads, 'past_sequence_length', headDim]),
      );
      presentOutputs.push(
        valueInfo(`present.${i}.${kind}`, io, ['batch_size', kvHeads, 'total_sequence_length', headDim]),
      );
    }
    const [attention] = node(
      'GroupQueryAttention',
      [
        q,
        k,
        v,
        `past_key_values.${i}.key`,
        `past_key_values.${i}.value`,
        seqlensK,
        totalLength,
        ...(rotaryNode ? [] : [cosCache, sinCache]),
      ],
      [`/model/layers.${i}/attn/GroupQueryAttention/output_0`, `present.${i}.key`, `present.${i}.value`],
      [
        intAttr('num_heads', numHeads),
        intAttr('kv_num_heads', kvHeads),
        floatAttr('scale', 1 / Math.sqrt(headDim)),
        intAttr('local_window_size', -1),
        floatAttr('softcap', 0),
        intAttr('do_rotary', rotaryNode ? 0 : 1),
        intAttr('rotary_interleaved', 0),
      ],
      'com.microsoft',
    );
    const attentionOut = matmul(attention, `${p}.attn.o_proj.weight`, layer.o, qSize, h);
    const postNorm = g.weight(`${p}.post_attention_layernorm.weight`, [h], layer.postNorm);
    let hn2: string;
    [hn2, , , residual] = skipNorm(
      residual,
      attentionOut,
      postNorm,
      `/model/layers.${i}/post_attention_layernorm/SkipLayerNorm`,
    );
    const gate = matmul(hn2, `${p}.mlp.gate_proj.weight`, layer.gate, h, inter);
    const up = matmul(hn2, `${p}.mlp.up_proj.weight`, layer.up, h, inter);
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    pending = matmul(act, `${p}.mlp.down_proj.weight`, layer.down, inter, h);
  });
  const finalNorm = g.weight('model.norm.weight', [h], weights.finalNorm);
  const [final] = skipNorm(residual, pending!, finalNorm, '/model/layers.final_norm_layernorm/SkipLayerNorm', true);
  if (options.quantize === 'q4') {
    const lmHead = options.tiedEmbeddings ? transpose(weights.embed, vocab, h) : weights.lmHead;
    matmul(final, 'lm_head.weight', lmHead, h, vocab, 'logits');
  } else if (options.tiedEmbeddings) {
    g.op('MatMul', [final, g.op('Transpose', [embedTable], [intsAttr('perm', [1, 0])])], [], 'logits');
  } else {
    matmul(final, 'lm_head.weight', weights.lmHead, h, vocab, 'logits');
  }

  return onnx.ModelProto.encode({
    irVersion: 10,
    opsetImport: [
      { domain: '', version: 21 },
      { domain: 'com.microsoft', version: 1 },
    ],
    producerName: 'inpage-test-model',
    graph: {
      name: spec.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [
        valueInfo('input_ids', INT64, ['batch_size', 'sequence_length']),
        valueInfo('attention_mask', INT64, ['batch_size', 'total_sequence_length']),
        ...(rotaryNode ? [valueInfo('position_ids', INT64, ['batch_size', 'sequence_length'])] : []),
        ...pastInputs,
      ],
      output: [valueInfo('logits', io, ['batch_size', 'sequence_length', vocab]), ...presentOutputs],
    },
  }).finish();
}
