/**
 * The engine's public vocabulary: what goes into a generation, what comes out of it,
 * and what loading reports. These types cross the worker boundary (structured clone),
 * so they are plain data only: no classes, no functions, no bigint.
 */

/** Where a model comes from: a hub id ("org/name") or the base URL of a model folder. */
export type ModelSource = string;

export type Device = 'webgpu' | 'wasm';

/** Weight precision as transformers.js names it (selects `onnx/model{suffix}.onnx`). */
export type Dtype = 'auto' | 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';

/**
 * How requests are batched (see the README's "Continuous batching"); every field has a default
 * derived from the model and the machine, reported in `ModelInfo.batching`.
 */
/** TGI's scheduling bounds, by their launcher names, plus the prefill chunk. */
export interface BatchingOptions {
  /** Most sequences decoding together. */
  maxBatchSize: number;
  /** Most prompt tokens admitted in one round. */
  maxBatchPrefillTokens: number;
  /** The KV budget in tokens: every admitted sequence reserves prompt + max_new_tokens of it. */
  maxBatchTotalTokens: number;
  /** Decode steps a waiting request can be held back at most, before it is admitted anyway. */
  maxWaitingTokens: number;
  /** Join a running batch only when the waiting requests are at least this fraction of it. */
  waitingServedRatio: number;
  /** Prompt tokens prefilled per scheduler step; a longer prompt prefills over several steps, between decode steps. */
  prefillChunkTokens: number;
  /**
   * Most (new position × attended position) pairs one prefill pass may compute: a chunk into a long
   * context is cut shorter, so the attention scores it makes (these pairs × query heads × 4 bytes, per
   * layer) stay bounded. On WASM the runtime's heap keeps its highest size for good.
   */
  prefillAttentionPairs: number;
  /** Bytes of keys and values the prefix cache keeps (CPU memory). */
  prefixCacheBytes: number;
}

/** A snapshot of the scheduler, for /metrics. */
export interface BatchStats {
  queueSize: number;
  batchCurrentSize: number;
  /** Running plus admitted-and-prefilling sequences: the next step's batch. */
  batchNextSize: number;
  /** Prompt tokens served by the prefix cache since load. */
  cachedTokens: number;
  /** Forward passes since load, and each one's duration (ms) since the previous snapshot. */
  prefill: { count: number; ms: number[] };
  decode: { count: number; ms: number[] };
  /** Bytes read back from the GPU since load (logits, and caches regrouped or kept): 0 on WASM. */
  readbackBytes: number;
}

export interface LoadOptions {
  /** Hub id or model folder URL. */
  model: ModelSource;
  /** Defaults to the model's own `transformers.js_config.dtype`, else fp32 on WebGPU and q8 on WASM. */
  dtype?: Dtype;
  /** Force a device; by default WebGPU when an adapter and a device can be had, else WASM. */
  device?: Device | 'auto';
  batching?: Partial<BatchingOptions>;
}

/** One file's download progress. `total` is 0 while unknown. */
export interface FileProgress {
  file: string;
  loaded: number;
  total: number;
  /** True when the bytes came from the IndexedDB weight cache, not the network. */
  fromCache: boolean;
  done: boolean;
}

export type LoadEvent =
  | { type: 'device'; device: Device; reason: string }
  | { type: 'file'; progress: FileProgress }
  /** Something the user should know that does not stop the load. */
  | { type: 'warning'; kind: LoadWarningKind; message: string };

/**
 * `storage_full`: the weights could not be cached (the model still runs, and downloads again next
 * time); `dtype_fallback`: the folder lacks the default dtype's weights, another dtype loads instead.
 */
export type LoadWarningKind = 'storage_full' | 'dtype_fallback';

export interface SpecialToken {
  id: number;
  content: string;
}

export interface ModelInfo {
  /** The id the model was loaded under (hub id or folder URL). */
  modelId: string;
  modelType: string;
  device: Device;
  /** Why this device: e.g. "WebGPU adapter: google swiftshader" or "navigator.gpu is missing". */
  deviceReason: string;
  dtype: Dtype;
  vocabSize: number;
  /** The model's context length (config.max_position_embeddings or equivalent). */
  maxPositionEmbeddings: number;
  bosToken: SpecialToken | null;
  eosTokens: SpecialToken[];
  padToken: SpecialToken | null;
  /** Every added/special token the tokenizer knows, by id. */
  specialTokenIds: number[];
  hasChatTemplate: boolean;
  /** True when the chat template reads the `tools` variable. */
  templateUsesTools: boolean;
  /** The scheduler's bounds in force for this model. */
  batching: BatchingOptions;
  /** How a batch lays out its rows' keys and values, from the model's operators (decode/kv.ts). */
  kvLayout: KvLayout;
}

/**
 * 'left-padded': each row aligned to the right (exports with plain attention); 'ragged': each row
 * from position 0, its length given by the mask (models with GroupQueryAttention).
 */
export type KvLayout = 'left-padded' | 'ragged';

/** A token of the input with its byte offsets into the UTF-8 encoding of the text. */
export interface TokenSpan {
  id: number;
  text: string;
  start: number;
  stop: number;
}

export interface ChatTemplateOptions {
  addGenerationPrompt?: boolean;
  /** Continue the final (assistant) message instead of opening a new turn. */
  continueFinalMessage?: boolean;
  tools?: unknown[];
  /** Extra variables for the template (e.g. `tools_in_user_message`). */
  extra?: Record<string, unknown>;
}

/** Chat messages as the template sees them (content already flattened to a string). */
export interface TemplateMessage {
  role: string;
  content: string;
  [key: string]: unknown;
}

/** Sampling and processing, already validated (TGI's rules live in the shim). */
export interface SamplingParams {
  doSample: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  typicalP?: number;
  /** HF/TGI multiplicative penalty over prompt and generated tokens (1 = off). */
  repetitionPenalty?: number;
  /** TGI's frequency penalty: logit -= penalty × (count of the token / number of tokens so far). */
  frequencyPenalty?: number;
  /** OpenAI's presence penalty: logit -= penalty once for any token already generated. */
  presencePenalty?: number;
  /** Seed of the request's RNG; a random one is drawn (and reported) when sampling without one. */
  seed?: number;
}

export interface GenerateRequest {
  /** Prompt token ids (already truncated by the caller if it wants truncation). */
  inputIds: number[];
  sampling: SamplingParams;
  /** Stop after this many generated tokens. */
  maxNewTokens: number;
  /** Stop strings matched against the end of the decoded output text. */
  stop?: string[];
  /** How many most likely alternatives to report per step (0 = none). */
  topNTokens?: number;
  /** Report the prompt tokens' logprobs (the first one is null). */
  prefillLogprobs?: boolean;
  /** Ignore EOS (keep generating until length or a stop string). */
  ignoreEos?: boolean;
  /**
   * Constrain every token to this grammar (vocabulary mask); EOS becomes allowed once the grammar
   * can end, and only then. An invalid grammar fails the request with a `grammar` EngineError.
   */
  grammar?: GrammarSpec;
  /**
   * False when no step's logprob will be reported (e.g. chat without `logprobs`): greedy steps
   * then skip the whole-vocabulary log-softmax and report a logprob of 0.
   */
  logprobs?: boolean;
  /** Kirchenbauer watermark, TGI's parameters (γ 0.5, δ 2.0, key 15485863 × previous token). */
  watermark?: boolean;
}

/** What output a grammar allows. */
export type GrammarSpec =
  /** A JSON value valid against this JSON Schema, written compactly (no whitespace outside strings). */
  | { type: 'json_schema'; schema: Record<string, unknown> }
  /** A text the whole of which matches this regular expression (xgrammar's regex dialect, ECMAScript-like). */
  | { type: 'regex'; pattern: string };

export interface GeneratedToken {
  id: number;
  text: string;
  logprob: number;
  special: boolean;
}

export interface PrefillToken {
  id: number;
  text: string;
  logprob: number | null;
}

export type FinishReason = 'length' | 'eos_token' | 'stop_sequence';

export interface TokenEvent {
  type: 'token';
  /** 1-based index of the generated token. */
  index: number;
  token: GeneratedToken;
  /** True on the generation's last token: the `finish` event follows at once. */
  last: boolean;
  /** The `topNTokens` most likely tokens of this step, best first (absent when not asked). */
  topTokens?: GeneratedToken[];
}

export interface FinishEvent {
  type: 'finish';
  finishReason: FinishReason;
  /** decode(generated ids, skipping special tokens): not always the concatenation of token texts. */
  generatedText: string;
  generatedTokens: number;
  /** The seed used when sampling, else null. */
  seed: number | null;
  inputLength: number;
  /** Prompt tokens whose keys and values came from the prefix cache instead of a prefill. */
  cachedTokens: number;
  prefill?: PrefillToken[];
  timings: GenerationTimings;
}

export interface GenerationTimings {
  /** Time spent waiting in the queue, ms. */
  queueMs: number;
  /** Prompt forward pass, ms (time to first token excludes queueing). */
  prefillMs: number;
  /** All decode steps after the first token, ms. */
  decodeMs: number;
}

export type GenerateEvent = TokenEvent | FinishEvent;

export interface CachedModel {
  modelId: string;
  files: { url: string; size: number }[];
  bytes: number;
}
