/**
 * The LLaMA decoder as an ONNX model (IR 8, opset 17, fp32 weights inline), with the inputs and outputs that
 * transformers.js expects of a decoder exported by Optimum:
 *   input_ids, position_ids [batch_size, sequence_length], attention_mask [batch_size, total_sequence_length],
 *   past_key_values.{i}.key|value [batch_size, kvHeads, past_sequence_length, headDim]
 *   → logits [batch_size, sequence_length, vocab], present.{i}.key|value [batch_size, kvHeads, total_sequence_length, headDim].
 * transformers.js builds the first, empty cache from the input metadata, so the batch dimension must be named
 * `batch_size` and kvHeads/headDim must be numbers.
 *
 * Opset 17 because ReduceMean takes its axes as an attribute there (an input from 18 on).
 */
import onnxProto from 'onnx-proto';
import type { Dimensions } from './config';
import { Q4_BLOCK, quantizeQ4, quantizeQ8, toFloat16 } from './quantize';
import { ropeInvFreq, type ModelWeights } from './weights';

const { onnx } = onnxProto;
type Attribute = onnxProto.onnx.IAttributeProto;
const { FLOAT, FLOAT16, INT64, BOOL } = onnx.TensorProto.DataType;

/** Added to the scores of masked positions. Finite: -inf would give NaN on rows that are all padding. */
const MASKED = -1e9;

export const intAttr = (name: string, i: number): Attribute => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i,
});
export const intsAttr = (name: string, ints: number[]): Attribute => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints,
});

/** Collects nodes and initializers; every op gets a deterministic output name. */
export class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly constants = new Map<string, string>();

  /**
   * How `weight()` stores weights: float32; float16 cast to float32 where used ('fp16-cast': the arithmetic
   * stays float32); or float16 used as they are ('fp16': the arithmetic is float16 too).
   */
  constructor(private readonly storage: 'fp32' | 'fp16-cast' | 'fp16' = 'fp32') {}

  op(
    opType: string,
    inputs: string[],
    attribute: Attribute[] = [],
    output = `/${opType}_${this.nodes.length}`,
  ): string {
    this.nodes.push({ name: output, opType, input: inputs, output: [output], attribute });
    return output;
  }

  /** Float32 weights; the bytes are shared with `data`, not copied (little-endian, as ONNX raw_data requires). */
  weight(name: string, dims: number[], data: Float32Array): string {
    if (this.storage !== 'fp32') {
      const half = toFloat16(data);
      this.initializers.push({ name, dims, dataType: FLOAT16, rawData: new Uint8Array(half.buffer) });
      return this.storage === 'fp16' ? name : this.op('Cast', [name], [intAttr('to', FLOAT)]);
    }
    this.initializers.push({
      name,
      dims,
      dataType: FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** A small constant, deduplicated by value (scalars when dims is []). */
  constant(type: 'float' | 'int64', dims: number[], values: number[]): string {
    const key = `${type}:${dims.join('x')}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = `const_${this.constants.size}`;
      const bytes = type === 'float' ? new Float32Array(values) : BigInt64Array.from(values, BigInt);
      this.initializers.push({
        name,
        dims,
        dataType: type === 'float' ? FLOAT : INT64,
        rawData: new Uint8Array(bytes.buffer),
      });
      this.constants.set(key, name);
    }
    return name;
  }

  ints(...values: number[]): string {
    return this.constant('int64', [values.length], values);
  }

  scalar(value: number): string {
    return this.constant('float', [], [value]);
  }
}

export function valueInfo(name: string, elemType: number, shape: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** What a family's export does differently from the plain LLaMA graph. */
export interface GraphOptions {
  /** Qwen3/Gemma 3: RMSNorm over each head of q and k before RoPE (weights in layer.qNorm/kNorm). */
  qkNorm?: boolean;
  /** lm_head is the embedding table transposed (tie_word_embeddings), not a weight of its own. */
  tiedEmbeddings?: boolean;
  /**
   * Linear layers quantized as transformers.js' exports do (quantize.ts): 'q4' as 4-bit MatMulNBits
   * (com.microsoft), 'q8' as ONNX dynamic quantization (DynamicQuantizeLinear + MatMulInteger, uint8).
   */
  quantize?: 'q4' | 'q8';
  /**
   * Gemma's layer: the embedding times √hidden; the attention output normed (post_attention_layernorm)
   * before the residual add, and the MLP between pre_feedforward_layernorm and post_feedforward_layernorm;
   * GELU (tanh approximation) instead of SiLU; keys further back than `slidingWindow` masked out.
   */
  gemma?: { slidingWindow: number };
  /**
   * transformers.js' fp16 file as its inputs and outputs see it: float16 weights, KV cache and logits. The
   * arithmetic stays float32 (Cast after each weight and input, before each output), so the same file runs
   * on every execution provider; real fp16 exports compute in float16 too.
   */
  fp16?: boolean;
}

/** A graph whose large initializers live in a side file (ONNX external data), as exports over 2 GB do. */
export interface ExternalDataModel {
  model: Uint8Array;
  data: Uint8Array;
}

export function buildOnnxModel(spec: Dimensions, weights: ModelWeights, options: GraphOptions = {}): Uint8Array {
  return onnx.ModelProto.encode(buildModelProto(spec, weights, options)).finish();
}

/**
 * The same graph with every initializer of 1 KiB or more in `location` (a file beside the .onnx, named as
 * transformers.js requests it: `model.onnx_data` for `model.onnx`).
 */
export function buildOnnxModelWithExternalData(
  spec: Dimensions,
  weights: ModelWeights,
  options: GraphOptions,
  location: string,
): ExternalDataModel {
  const proto = buildModelProto(spec, weights, options);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const tensor of proto.graph!.initializer!) {
    const raw = tensor.rawData as Uint8Array;
    if (raw.byteLength < 1024) continue;
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    tensor.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.byteLength) },
    ];
    tensor.rawData = new Uint8Array(0);
    chunks.push(raw);
    offset += raw.byteLength;
  }
  return { model: onnx.ModelProto.encode(proto).finish(), data: Buffer.concat(chunks) };
}

function buildModelProto(spec: Dimensions, weights: ModelWeights, options: GraphOptions): onnxProto.onnx.IModelProto {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1)
    throw new Error('ONNX raw_data is little-endian; this machine is not');
  const g = new GraphBuilder(options.fp16 ? 'fp16-cast' : 'fp32');
  const io = options.fp16 ? FLOAT16 : FLOAT;
  /** Graph inputs and outputs are float16 with fp16; inside, everything is float32. */
  const fromIo = (name: string) => (options.fp16 ? g.op('Cast', [name], [intAttr('to', FLOAT)]) : name);
  const toIo = (compute: (output?: string) => string, output: string) =>
    options.fp16 ? g.op('Cast', [compute()], [intAttr('to', FLOAT16)], output) : compute(output);
  const { hiddenSize: h, numHeads, numKvHeads: kvHeads, headDim, intermediateSize: inter, vocabSize: vocab } = spec;
  const group = numHeads / kvHeads;
  const half = headDim / 2;

  const rmsNorm = (x: string, weight: string) => {
    const meanSquare = g.op('ReduceMean', [g.op('Mul', [x, x])], [intsAttr('axes', [-1]), intAttr('keepdims', 1)]);
    const rms = g.op('Sqrt', [g.op('Add', [meanSquare, g.scalar(spec.rmsNormEps)])]);
    return g.op('Mul', [g.op('Div', [x, rms]), weight]);
  };
  const matmul = (x: string, name: string, data: Float32Array, rows: number, cols: number, output?: string) => {
    if (options.quantize === 'q4') return matMulNBits(g, x, name, data, rows, cols, output);
    if (options.quantize === 'q8') return matMulInteger(g, x, name, data, rows, cols, output);
    return g.op('MatMul', [x, g.weight(name, [rows, cols], data)], [], output);
  };
  /** RMSNorm over the last axis (head_dim) of q or k, as Qwen3's q_norm/k_norm. */
  const headNorm = (x: string, name: string, data: Float32Array | undefined) =>
    options.qkNorm ? rmsNorm(x, g.weight(name, [headDim], data!)) : x;
  const silu = (gate: string) => g.op('Mul', [gate, g.op('Sigmoid', [gate])]);
  /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): gelu_pytorch_tanh (opset 17 has no Gelu op). */
  const geluTanh = (v: string) => {
    const cube = g.op('Mul', [g.op('Mul', [v, v]), v]);
    const inner = g.op('Mul', [
      g.op('Add', [v, g.op('Mul', [cube, g.scalar(0.044715)])]),
      g.scalar(Math.sqrt(2 / Math.PI)),
    ]);
    return g.op('Mul', [g.op('Mul', [v, g.scalar(0.5)]), g.op('Add', [g.op('Tanh', [inner]), g.scalar(1)])]);
  };
  /** down(act(gate(x)) · up(x)). */
  const mlp = (v: string, p: string, layer: ModelWeights['layers'][number], act: (gate: string) => string) => {
    const gate = matmul(v, `${p}.mlp.gate_proj.weight`, layer.gate, h, inter);
    const up = matmul(v, `${p}.mlp.up_proj.weight`, layer.up, h, inter);
    return matmul(g.op('Mul', [act(gate), up]), `${p}.mlp.down_proj.weight`, layer.down, inter, h);
  };
  /** x·cos + rotate_half(x)·sin, rotate_half(x) = [-x2, x1] for the two halves of the head dimension. */
  const rope = (x: string, cos: string, sin: string) => {
    const x1 = `${x}/x1`;
    const x2 = `${x}/x2`;
    g.nodes.push({
      name: `${x}/Split`,
      opType: 'Split',
      input: [x, g.ints(half, half)],
      output: [x1, x2],
      attribute: [intAttr('axis', -1)],
    });
    const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], [intAttr('axis', -1)]);
    return g.op('Add', [g.op('Mul', [x, cos]), g.op('Mul', [rotated, sin])]);
  };

  // RoPE tables from position_ids: no precomputed table, so no length limit.
  const positions = g.op('Unsqueeze', [g.op('Cast', ['position_ids'], [intAttr('to', FLOAT)]), g.ints(-1)]); // [B,S,1]
  const freqs = g.op('Mul', [positions, g.weight('rope.inv_freq', [half], ropeInvFreq(spec))]); // [B,S,half]
  const angles = g.op('Concat', [freqs, freqs], [intAttr('axis', -1)]); // [B,S,headDim]
  const cos = g.op('Cos', [angles]);
  const sin = g.op('Sin', [angles]);
  const cosK = g.op('Unsqueeze', [cos, g.ints(1)]); // [B,1,S,headDim], broadcasts over k's KV heads
  const sinK = g.op('Unsqueeze', [sin, g.ints(1)]);
  const cosQ = g.op('Unsqueeze', [cos, g.ints(1, 2)]); // [B,1,1,S,headDim], over q's [KV, group] heads
  const sinQ = g.op('Unsqueeze', [sin, g.ints(1, 2)]);

  // Additive mask [B,1,1,S,T]: key t is visible to query s iff t ≤ past + s (causal) and attention_mask[t] = 1.
  const toScalar = (x: string) => g.op('Squeeze', [x, g.ints(0)]);
  const seqLen = toScalar(g.op('Shape', ['input_ids'], [intAttr('start', 1), intAttr('end', 2)]));
  const totalLen = toScalar(g.op('Shape', ['attention_mask'], [intAttr('start', 1), intAttr('end', 2)]));
  const pastLen = g.op('Sub', [totalLen, seqLen]);
  const one = g.constant('int64', [], [1]);
  const queryPos = g.op('Range', [pastLen, totalLen, one]); // [S]
  const keyPos = g.op('Range', [g.constant('int64', [], [0]), totalLen, one]); // [T]
  const causal = g.op('LessOrEqual', [
    g.op('Unsqueeze', [keyPos, g.ints(0)]),
    g.op('Unsqueeze', [queryPos, g.ints(1)]),
  ]); // [S,T]
  const notPadding = g.op('Unsqueeze', [g.op('Cast', ['attention_mask'], [intAttr('to', BOOL)]), g.ints(1, 2, 3)]); // [B,1,1,1,T]
  let visible = g.op('And', [causal, notPadding]);
  if (options.gemma) {
    // Sliding window: query s sees key t only when s − t < window.
    const distance = g.op('Sub', [g.op('Unsqueeze', [queryPos, g.ints(1)]), g.op('Unsqueeze', [keyPos, g.ints(0)])]); // [S,T]
    visible = g.op('And', [visible, g.op('Less', [distance, g.constant('int64', [], [options.gemma.slidingWindow])])]);
  }
  const mask = g.op('Where', [visible, g.scalar(0), g.scalar(MASKED)]);
  const scale = g.scalar(1 / Math.sqrt(headDim));

  const embedTable = g.weight('model.embed_tokens.weight', [vocab, h], weights.embed);
  let x = g.op('Gather', [embedTable, 'input_ids']);
  if (options.gemma) x = g.op('Mul', [x, g.scalar(Math.sqrt(h))]);
  const pastInputs: onnxProto.onnx.IValueInfoProto[] = [];
  const presentOutputs: onnxProto.onnx.IValueInfoProto[] = [];
  weights.layers.forEach((layer, i) => {
    const p = `model.layers.${i}`;
    const hn = rmsNorm(x, g.weight(`${p}.input_layernorm.weight`, [h], layer.inputNorm));

    // q as [B, KV, group, S, headDim] so that grouped-query attention is a broadcasting MatMul against
    // k/v [B, KV, 1, T, headDim]: query head kv·group + j reads KV head kv, as HF's repeat_kv does.
    const q5 = g.op('Reshape', [
      matmul(hn, `${p}.self_attn.q_proj.weight`, layer.q, h, numHeads * headDim),
      g.ints(0, 0, kvHeads, group, headDim),
    ]);
    const q = rope(
      headNorm(
        g.op('Transpose', [q5], [intsAttr('perm', [0, 2, 3, 1, 4])]),
        `${p}.self_attn.q_norm.weight`,
        layer.qNorm,
      ),
      cosQ,
      sinQ,
    );
    const heads = (name: string, data: Float32Array) =>
      g.op(
        'Transpose',
        [g.op('Reshape', [matmul(hn, name, data, h, kvHeads * headDim), g.ints(0, 0, kvHeads, headDim)])],
        [intsAttr('perm', [0, 2, 1, 3])],
      );
    const k = rope(
      headNorm(heads(`${p}.self_attn.k_proj.weight`, layer.k), `${p}.self_attn.k_norm.weight`, layer.kNorm),
      cosK,
      sinK,
    );
    const v = heads(`${p}.self_attn.v_proj.weight`, layer.v);

    for (const kind of ['key', 'value'] as const) {
      pastInputs.push(
        valueInfo(`past_key_values.${i}.${kind}`, io, ['batch_size', kvHeads, 'past_sequence_length', headDim]),
      );
      presentOutputs.push(
        valueInfo(`present.${i}.${kind}`, io, ['batch_size', kvHeads, 'total_sequence_length', headDim]),
      );
    }
    const cache = (kind: 'key' | 'value', fresh: string) => {
      const all = (output?: string) =>
        g.op('Concat', [fromIo(`past_key_values.${i}.${kind}`), fresh], [intAttr('axis', 2)], output);
      if (!options.fp16) return all(`present.${i}.${kind}`);
      const concatenated = all();
      g.op('Cast', [concatenated], [intAttr('to', FLOAT16)], `present.${i}.${kind}`);
      return concatenated;
    };
    const keys = cache('key', k);
    const values = cache('value', v);
    const keysT = g.op('Transpose', [g.op('Unsqueeze', [keys, g.ints(2)])], [intsAttr('perm', [0, 1, 2, 4, 3])]); // [B,KV,1,hd,T]
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, keysT]), scale]), mask]);
    const probs = g.op('Softmax', [scores], [intAttr('axis', -1)]);
    const context = g.op('MatMul', [probs, g.op('Unsqueeze', [values, g.ints(2)])]); // [B,KV,group,S,hd]
    const merged = g.op('Reshape', [
      g.op('Transpose', [context], [intsAttr('perm', [0, 3, 1, 2, 4])]),
      g.ints(0, 0, numHeads * headDim),
    ]);
    const attention = matmul(merged, `${p}.self_attn.o_proj.weight`, layer.o, numHeads * headDim, h);
    const postAttentionNorm = () => g.weight(`${p}.post_attention_layernorm.weight`, [h], layer.postNorm);
    if (options.gemma) {
      x = g.op('Add', [x, rmsNorm(attention, postAttentionNorm())]);
      const hn2 = rmsNorm(x, g.weight(`${p}.pre_feedforward_layernorm.weight`, [h], layer.preFeedforwardNorm!));
      const down = mlp(hn2, p, layer, geluTanh);
      x = g.op('Add', [
        x,
        rmsNorm(down, g.weight(`${p}.post_feedforward_layernorm.weight`, [h], layer.postFeedforwardNorm!)),
      ]);
    } else {
      x = g.op('Add', [x, attention]);
      x = g.op('Add', [x, mlp(rmsNorm(x, postAttentionNorm()), p, layer, silu)]);
    }
  });
  const final = rmsNorm(x, g.weight('model.norm.weight', [h], weights.finalNorm));
  toIo((output) => {
    if (options.quantize) {
      const lmHead = options.tiedEmbeddings ? transpose(weights.embed, vocab, h) : weights.lmHead;
      return matmul(final, 'lm_head.weight', lmHead, h, vocab, output);
    }
    if (options.tiedEmbeddings) return g.op('MatMul', [final, g.op('Transpose', [embedTable])], [], output);
    return matmul(final, 'lm_head.weight', weights.lmHead, h, vocab, output);
  }, 'logits');

  return {
    irVersion: 8,
    opsetImport:
      options.quantize === 'q4'
        ? [
            { domain: '', version: 17 },
            { domain: 'com.microsoft', version: 1 },
          ]
        : [{ domain: '', version: 17 }],
    producerName: 'inpage-test-model',
    graph: {
      name: spec.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [
        valueInfo('input_ids', INT64, ['batch_size', 'sequence_length']),
        valueInfo('attention_mask', INT64, ['batch_size', 'total_sequence_length']),
        valueInfo('position_ids', INT64, ['batch_size', 'sequence_length']),
        ...pastInputs,
      ],
      output: [valueInfo('logits', io, ['batch_size', 'sequence_length', vocab]), ...presentOutputs],
    },
  };
}

/** A [rows, cols] row-major matrix transposed. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** x · W with W [k, n] stored as 4-bit blocks: onnxruntime's MatMulNBits (com.microsoft). */
export function matMulNBits(
  g: GraphBuilder,
  x: string,
  name: string,
  data: Float32Array,
  k: number,
  n: number,
  output?: string,
): string {
  const q = quantizeQ4(data, k, n);
  g.initializers.push({
    name: `${name}_Q4`,
    dims: [n, q.blocks, Q4_BLOCK / 2],
    dataType: onnx.TensorProto.DataType.UINT8,
    rawData: q.packed,
  });
  const scales = g.weight(`${name}_scales`, [n * q.blocks], q.scales);
  const attributes = [intAttr('K', k), intAttr('N', n), intAttr('bits', 4), intAttr('block_size', Q4_BLOCK)];
  const out = output ?? `/MatMulNBits_${g.nodes.length}`;
  g.nodes.push({
    name: out,
    opType: 'MatMulNBits',
    domain: 'com.microsoft',
    input: [x, `${name}_Q4`, scales],
    output: [out],
    attribute: attributes,
  });
  return out;
}

/**
 * x · W with W [k, n] as uint8 (per-tensor scale, zero point 128) and x quantized per call:
 * DynamicQuantizeLinear → MatMulInteger → Cast · (x_scale · w_scale), the pattern of ORT's quantize_dynamic
 * that transformers.js' q8 (`model_quantized.onnx`) exports carry.
 */
function matMulInteger(
  g: GraphBuilder,
  x: string,
  name: string,
  data: Float32Array,
  k: number,
  n: number,
  output?: string,
): string {
  const q = quantizeQ8(data);
  g.initializers.push({
    name: `${name}_quantized`,
    dims: [k, n],
    dataType: onnx.TensorProto.DataType.UINT8,
    rawData: q.values,
  });
  g.initializers.push({
    name: `${name}_zero_point`,
    dims: [],
    dataType: onnx.TensorProto.DataType.UINT8,
    rawData: Uint8Array.of(q.zeroPoint),
  });
  const scale = g.scalar(q.scale);
  const base = `/DynamicQuantizeLinear_${g.nodes.length}`;
  const [xq, xScale, xZero] = [`${base}/y`, `${base}/scale`, `${base}/zero_point`];
  g.nodes.push({ name: base, opType: 'DynamicQuantizeLinear', input: [x], output: [xq, xScale, xZero] });
  const product = g.op('MatMulInteger', [xq, `${name}_quantized`, xZero, `${name}_zero_point`]);
  return g.op('Mul', [g.op('Cast', [product], [intAttr('to', FLOAT)]), g.op('Mul', [xScale, scale])], [], output);
}
