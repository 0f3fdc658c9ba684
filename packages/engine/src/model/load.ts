import {
  AutoConfig,
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type ProgressInfo,
} from '@huggingface/transformers';
import type {
  BatchingOptions,
  Device,
  Dtype,
  FileProgress,
  LoadEvent,
  LoadOptions,
  ModelInfo,
  SpecialToken,
} from '../protocol/types';
import { batchingOptions } from './batching';
import { EngineError, type EngineErrorKind, isEngineError } from '../protocol/errors';
import { chooseDevice } from './device';
import { runtimeFailure } from './runtime-failure';
import { resolveSource } from './source';
import { leanSessions } from './session-create';
import { openWeightCache } from './weight-cache';
import { modelOperators } from './graph-operators';
import { kvLayoutOf } from '../decode/kv';
import { chatTemplateSource } from '../tokenizer/text';

export interface LoadedModel {
  model: PreTrainedModel;
  tokenizer: PreTrainedTokenizer;
  info: ModelInfo;
  /** Ids that end a generation (generation_config, config and tokenizer EOS together). */
  eosIds: ReadonlySet<number>;
  /** Added tokens marked special: reported with `special: true` and skipped in generated_text. */
  specialIds: ReadonlySet<number>;
  /** The scheduler's bounds for this model (also in `info.batching`). */
  batching: BatchingOptions;
}

/** Where the app serves onnxruntime-web's wasm runtime (no CDN: the app ships its own). */
export interface WasmPaths {
  mjs: string;
  wasm: string;
}

const libraryRemote = { host: env.remoteHost, pathTemplate: env.remotePathTemplate };

/** Load a model; a failure rejects with an EngineError whose kind says why (see explainLoadFailure). */
export async function loadModel(
  options: LoadOptions,
  wasmPaths: WasmPaths,
  emit: (event: LoadEvent) => void,
  baseUrl: string,
): Promise<LoadedModel> {
  try {
    return await loadOrThrow(options, wasmPaths, emit, baseUrl);
  } catch (error) {
    throw explainLoadFailure(options.model, error);
  }
}

async function loadOrThrow(
  options: LoadOptions,
  wasmPaths: WasmPaths,
  emit: (event: LoadEvent) => void,
  baseUrl: string,
): Promise<LoadedModel> {
  const source = resolveSource(options.model, baseUrl);
  const remote = source.remote ?? libraryRemote;
  const cache = openWeightCache(options.model);
  Object.assign(env, {
    remoteHost: remote.host,
    remotePathTemplate: remote.pathTemplate,
    allowRemoteModels: true,
    // Local lookups would first probe `/models/<id>` on the page's origin: one wasted request per file.
    allowLocalModels: false,
    useBrowserCache: false,
    useCustomCache: true,
    customCache: cache,
    // The wasm runtime is part of the app (served and precached with it), not a model file.
    useWasmCache: false,
  });
  if (env.backends.onnx.wasm) env.backends.onnx.wasm.wasmPaths = { ...wasmPaths };
  leanSessions();

  const choice = await chooseDevice(options.device);
  emit({ type: 'device', device: choice.device, reason: choice.reason });

  const files = new Map<string, FileProgress>();
  const progress_callback = (info: ProgressInfo) => {
    if (!('file' in info)) return;
    const previous = files.get(info.file);
    const fromCache = [...cache.hits].some((url) => url.endsWith(`/${info.file}`));
    const next: FileProgress = {
      file: info.file,
      loaded: info.status === 'progress' ? info.loaded : (previous?.loaded ?? 0),
      total: info.status === 'progress' ? info.total : (previous?.total ?? 0),
      fromCache,
      done: info.status === 'done',
    };
    if (next.done && next.total === 0) next.total = next.loaded;
    files.set(info.file, next);
    emit({ type: 'file', progress: next });
  };

  const config = (await AutoConfig.from_pretrained(source.id, { progress_callback })) as unknown as ModelConfig;
  const tokenizerLoad = AutoTokenizer.from_pretrained(source.id, { progress_callback });
  const loadWith = (dtype: Dtype) =>
    AutoModelForCausalLM.from_pretrained(source.id, {
      device: choice.device,
      dtype: dtype === 'auto' ? undefined : dtype,
      progress_callback,
    });
  let [dtype, fallback] = dtypeCandidates(options.dtype, config, choice.device);
  const [tokenizer, model] = await Promise.all([
    tokenizerLoad,
    loadWith(dtype).catch((error: unknown) => {
      if (!fallback || !isMissingFile(error)) throw error;
      // A folder with only the fp32 export (no onnx/model_quantized.onnx): use what is there.
      emit({
        type: 'warning',
        kind: 'dtype_fallback',
        message: `No ${dtype} weights in "${options.model}"; loading ${fallback} instead.`,
      });
      dtype = fallback;
      return loadWith(fallback);
    }),
  ]);
  if (cache.quotaError) emit({ type: 'warning', kind: 'storage_full', message: cache.quotaError.message });

  const specialIds = collectSpecialIds(tokenizer);
  const eosIds = collectEosIds(config, model, tokenizer);
  const token = (id: number | null | undefined): SpecialToken | null =>
    id == null || id < 0 ? null : { id, content: tokenizer.decode([id], { skip_special_tokens: false }) };
  const template = chatTemplateSource(tokenizer);
  const weightBytes = [...files.values()]
    .filter((f) => /\.onnx(_data)?$/.test(f.file))
    .reduce((n, f) => n + f.total, 0);
  const batching = batchingOptions(options.batching, {
    text: config.text_config ?? config,
    weightBytes,
    kvBytesPerValue: /16/.test(dtype === 'auto' ? (configDtype(config) ?? '') : dtype) ? 2 : 4,
    contextLength: contextLength(config, tokenizer),
  });
  const info: ModelInfo = {
    modelId: options.model,
    modelType: config.model_type ?? 'unknown',
    device: choice.device,
    deviceReason: choice.reason,
    dtype: dtype === 'auto' ? (configDtype(config) ?? 'auto') : dtype,
    vocabSize: config.vocab_size ?? tokenizer.get_vocab().size,
    maxPositionEmbeddings: contextLength(config, tokenizer),
    bosToken: token(tokenizer.bos_token_id),
    eosTokens: [...eosIds].map((id) => token(id)!),
    padToken: token(tokenizer.pad_token_id),
    specialTokenIds: [...specialIds].sort((a, b) => a - b),
    hasChatTemplate: template.length > 0,
    templateUsesTools: /\btools\b/.test(template),
    batching,
    // The graph's operators decide how a batch lays out its rows (decode/kv.ts).
    kvLayout: kvLayoutOf(modelOperators((model as unknown as { sessions: Record<string, object> }).sessions)),
  };
  return { model, tokenizer, info, eosIds, specialIds, batching };
}

/** The config.json fields read here (transformers.js types them loosely). */
export interface ModelConfig {
  model_type?: string;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  num_key_value_heads?: number;
  hidden_size?: number;
  head_dim?: number;
  vocab_size?: number;
  max_position_embeddings?: number;
  n_positions?: number;
  max_seq_len?: number;
  eos_token_id?: number | number[];
  'transformers.js_config'?: { dtype?: Dtype | Record<string, Dtype> };
  text_config?: ModelConfig;
}

function configDtype(config: ModelConfig): Dtype | null {
  const dtype = config['transformers.js_config']?.dtype;
  return typeof dtype === 'string' ? dtype : null;
}

/**
 * The dtype to load, and what to fall back to when its weights file is missing. An explicit
 * dtype wins, with no fallback; else the model's own `transformers.js_config.dtype` (left to the
 * library, which also reads per-file settings); else transformers.js's device default (spelled
 * out so /info can report it), falling back to fp32, the one export every model folder has.
 */
function dtypeCandidates(requested: Dtype | undefined, config: ModelConfig, device: Device): [Dtype, Dtype | null] {
  if (requested && requested !== 'auto') return [requested, null];
  if (config['transformers.js_config']?.dtype) return ['auto', null];
  return device === 'webgpu' ? ['fp32', null] : ['q8', 'fp32'];
}

function isMissingFile(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /404|not found|could not locate/i.test(message);
}

function contextLength(config: ModelConfig, tokenizer: PreTrainedTokenizer): number {
  const text = config.text_config ?? config;
  const fromConfig = text.max_position_embeddings ?? text.n_positions ?? text.max_seq_len;
  if (fromConfig) return fromConfig;
  const fromTokenizer = Number(tokenizer.model_max_length);
  // Tokenizers without a limit report ~1e30: not a context length.
  return Number.isFinite(fromTokenizer) && fromTokenizer < 1e7 ? fromTokenizer : 2048;
}

function collectSpecialIds(tokenizer: PreTrainedTokenizer): Set<number> {
  const ids = new Set<number>(tokenizer.all_special_ids);
  const added = (tokenizer as unknown as { _tokenizerJSON?: { added_tokens?: { id: number; special?: boolean }[] } })
    ._tokenizerJSON?.added_tokens;
  for (const token of added ?? []) if (token.special) ids.add(token.id);
  return ids;
}

function collectEosIds(config: ModelConfig, model: PreTrainedModel, tokenizer: PreTrainedTokenizer): Set<number> {
  const ids = new Set<number>();
  const add = (value: unknown) => {
    for (const id of Array.isArray(value) ? value : [value]) if (typeof id === 'number' && id >= 0) ids.add(id);
  };
  add((model.generation_config as { eos_token_id?: unknown } | null)?.eos_token_id);
  add(config.eos_token_id);
  add(tokenizer.eos_token_id);
  return ids;
}

/**
 * A load failure as an EngineError. Ours already have their kind (an invalid source, WebGPU asked
 * for and missing); transformers.js and onnxruntime say theirs only in words, which are read here,
 * where they are born for our code, and nowhere else.
 */
function explainLoadFailure(model: string, error: unknown): EngineError {
  if (isEngineError(error)) return error;
  const { kind, message } = runtimeFailure(error, 'load');
  const typed = (kind: EngineErrorKind, text: string) => {
    const explained = new EngineError(kind, text, { cause: error });
    if (error instanceof Error && error.stack) explained.stack = error.stack;
    return explained;
  };
  if (kind !== 'load') return typed(kind, `Loading "${model}" failed: ${message}`);
  // A GPU without 16-bit float shaders refuses q4f16/fp16 weights.
  if (/shader-f16|float16|f16 is not supported/i.test(message)) {
    return typed(
      'unsupported_device',
      `"${model}" needs 16-bit float shaders (shader-f16), which this GPU lacks: ${message}`,
    );
  }
  if (/Failed to fetch|NetworkError|network/i.test(message)) {
    return typed(
      'network',
      `Could not download "${model}": the network request failed (offline, or the server refused). ${message}`,
    );
  }
  if (/404|not found|could not locate/i.test(message)) {
    return typed(
      'model_not_found',
      `"${model}" is missing files (config.json, a tokenizer, onnx/model*.onnx): ${message}`,
    );
  }
  if (/Unsupported model type|not supported/i.test(message)) {
    return typed(
      'unsupported_architecture',
      `"${model}" is not a text-generation model transformers.js can run: ${message}`,
    );
  }
  return typed('load', `Loading "${model}" failed: ${message}`);
}
