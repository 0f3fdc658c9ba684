/**
 * A deterministic in-memory Engine for the HTTP layer's unit tests (the real engine is tested end to
 * end elsewhere). It mirrors the project's fixture model:
 * - tokens are UTF-8 bytes (id = byte value) plus `<s>` = 256 and `</s>` = 257 (also recognised in text);
 * - greedy rule on the last token: a..y → next letter, z → `</s>`; A..Y → next, Z → A (never stops);
 *   0..8 → next digit, 9 → space; anything else → `a`;
 * - token i (1-based) has logprob −0.25·i; top-n alternatives are the next ids at −1, −2, … below it;
 * - one generation runs at a time, in arrival order; a tick (a macrotask by default) between tokens.
 */
import { EngineError, type EngineErrorKind } from '@inpage/engine';
import type { Engine, EngineState } from '../src/engine';
import type {
  BatchStats,
  ChatTemplateOptions,
  FinishReason,
  GenerateEvent,
  GenerateRequest,
  GeneratedToken,
  ModelInfo,
  TemplateMessage,
  TokenSpan,
} from '../src/engine';

export const BOS = 256;
export const EOS = 257;
const SPECIAL: Record<number, string> = { [BOS]: '<s>', [EOS]: '</s>' };

export interface FakeEngineOptions {
  state?: 'ready' | 'loading' | 'failed' | 'idle';
  maxPositionEmbeddings?: number;
  hasChatTemplate?: boolean;
  /** Waited for between tokens. */
  tick?: () => Promise<void>;
  /** Throw this error after that many tokens (a `device_lost` EngineError unless another kind is given). */
  failAfter?: { tokens: number; message: string; kind?: EngineErrorKind };
  /** Finish without sending the finish event (an engine bug: the shim must call it incomplete). */
  dropFinish?: boolean;
  /** Run generations side by side, one step for all of them at a time (like TGI's batches). */
  parallel?: boolean;
}

export const MODEL_INFO: ModelInfo = {
  modelId: 'test/fake-model',
  modelType: 'llama',
  device: 'wasm',
  deviceReason: 'navigator.gpu is missing',
  dtype: 'fp32',
  vocabSize: 258,
  maxPositionEmbeddings: 64,
  bosToken: { id: BOS, content: '<s>' },
  eosTokens: [{ id: EOS, content: '</s>' }],
  padToken: null,
  specialTokenIds: [BOS, EOS],
  hasChatTemplate: true,
  templateUsesTools: false,
  batching: {
    maxBatchSize: 8,
    maxBatchPrefillTokens: 4096,
    maxBatchTotalTokens: 16384,
    maxWaitingTokens: 20,
    waitingServedRatio: 0.3,
    prefillChunkTokens: 512,
    prefillAttentionPairs: 2 ** 20,
    prefixCacheBytes: 16 * 1024 ** 2,
  },
  kvLayout: 'left-padded',
};

function nextId(last: number): number {
  const c = last < 256 ? String.fromCharCode(last) : '';
  if (c >= 'a' && c < 'z') return last + 1;
  if (c === 'z') return EOS;
  if (c >= 'A' && c < 'Z') return last + 1;
  if (c === 'Z') return 'A'.charCodeAt(0);
  if (c >= '0' && c < '9') return last + 1;
  if (c === '9') return ' '.charCodeAt(0);
  return 'a'.charCodeAt(0);
}

function decodeIds(ids: number[], skipSpecial: boolean): string {
  const parts: string[] = [];
  let bytes: number[] = [];
  const flush = () => {
    parts.push(new TextDecoder().decode(new Uint8Array(bytes)));
    bytes = [];
  };
  for (const id of ids) {
    if (id < 256) bytes.push(id);
    else {
      flush();
      if (!skipSpecial) parts.push(SPECIAL[id]);
    }
  }
  flush();
  return parts.join('');
}

export class FakeEngine implements Engine {
  info: ModelInfo;
  /** Every request the shim sent to `generate`, in order. */
  readonly requests: GenerateRequest[] = [];
  /** Every chat template call. */
  readonly templateCalls: { messages: TemplateMessage[]; options?: ChatTemplateOptions }[] = [];
  aborted = 0;
  private current: EngineState;
  private readyWaiters: { resolve: (i: ModelInfo) => void; reject: (e: Error) => void }[] = [];
  private queue: Promise<void> = Promise.resolve();
  private step: Promise<void> | undefined;
  private waiting = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: FakeEngineOptions = {}) {
    this.info = {
      ...MODEL_INFO,
      maxPositionEmbeddings: options.maxPositionEmbeddings ?? MODEL_INFO.maxPositionEmbeddings,
      hasChatTemplate: options.hasChatTemplate ?? true,
    };
    const state = options.state ?? 'ready';
    this.current =
      state === 'ready'
        ? { state: 'ready', info: this.info }
        : state === 'failed'
          ? { state: 'failed', model: this.info.modelId, error: new EngineError('out_of_memory', 'out of memory') }
          : state === 'loading'
            ? { state: 'loading', model: this.info.modelId }
            : { state: 'idle' };
  }

  finishLoading(): void {
    this.current = { state: 'ready', info: this.info };
    for (const w of this.readyWaiters.splice(0)) w.resolve(this.info);
  }

  failLoading(message: string): void {
    const error = new EngineError('load', message);
    this.current = { state: 'failed', model: this.info.modelId, error };
    for (const w of this.readyWaiters.splice(0)) w.reject(error);
  }

  async load(): Promise<ModelInfo> {
    this.finishLoading();
    return this.info;
  }

  ready(): Promise<ModelInfo> {
    const s = this.current;
    if (s.state === 'ready') return Promise.resolve(s.info);
    if (s.state === 'failed') return Promise.reject(s.error);
    if (s.state === 'idle')
      return Promise.reject(new EngineError('not_loaded', 'No model is loaded: call load() first.'));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  state(): EngineState {
    return this.current;
  }

  async tokenize(text: string, options?: { addSpecialTokens?: boolean }): Promise<TokenSpan[]> {
    const spans: TokenSpan[] = [];
    if (options?.addSpecialTokens ?? true) spans.push({ id: BOS, text: '', start: 0, stop: 0 });
    const bytes = new TextEncoder().encode(text);
    const specials = Object.entries(SPECIAL).map(([id, s]) => ({ id: Number(id), bytes: new TextEncoder().encode(s) }));
    for (let i = 0; i < bytes.length; ) {
      const special = specials.find((s) => s.bytes.every((b, k) => bytes[i + k] === b));
      const id = special ? special.id : bytes[i];
      const length = special ? special.bytes.length : 1;
      spans.push({ id, text: new TextDecoder().decode(bytes.subarray(i, i + length)), start: i, stop: i + length });
      i += length;
    }
    return spans;
  }

  async applyChatTemplate(messages: TemplateMessage[], options?: ChatTemplateOptions): Promise<string> {
    this.templateCalls.push({ messages, options });
    if (messages.some((m) => m.role === 'bad')) throw new EngineError('template', 'Conversation roles must alternate');
    let text = `<s>${messages.map((m) => `<|${m.role}|>\n${m.content}\n`).join('')}`;
    if (options?.continueFinalMessage) {
      const last = messages[messages.length - 1].content;
      text = text.slice(0, text.lastIndexOf(last) + last.length).trimEnd();
    } else if (options?.addGenerationPrompt) {
      text += '<|assistant|>\n';
    }
    return text;
  }

  pending(): number {
    return this.waiting;
  }

  /** No batches of its own: every pending request counts as running. */
  async batchStats(): Promise<BatchStats> {
    const none = { count: 0, ms: [] };
    return {
      queueSize: 0,
      batchCurrentSize: this.waiting,
      batchNextSize: this.waiting,
      cachedTokens: 0,
      prefill: none,
      decode: none,
      readbackBytes: 0,
    };
  }

  idle(): Promise<void> {
    return this.waiting === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async *generate(request: GenerateRequest, options?: { signal?: AbortSignal }): AsyncIterable<GenerateEvent> {
    this.requests.push(request);
    this.waiting++;
    let release!: () => void;
    const previous = this.queue;
    this.queue = new Promise((r) => (release = r));
    const queuedAt = performance.now();
    try {
      if (!this.options.parallel) await previous;
      yield* this.run(request, options?.signal, performance.now() - queuedAt);
    } finally {
      this.waiting--;
      release();
      if (this.waiting === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  private async *run(
    request: GenerateRequest,
    signal: AbortSignal | undefined,
    queueMs: number,
  ): AsyncIterable<GenerateEvent> {
    const tick =
      this.options.tick ??
      (this.options.parallel ? () => this.batchStep() : () => new Promise<void>((r) => setTimeout(r, 0)));
    const generated: number[] = [];
    const decoder = new TextDecoder();
    let last = request.inputIds[request.inputIds.length - 1] ?? BOS;
    let finishReason: FinishReason | undefined;
    for (let index = 1; finishReason === undefined; index++) {
      await tick();
      if (signal?.aborted) {
        this.aborted++;
        throw new DOMException('The generation was aborted', 'AbortError');
      }
      const fail = this.options.failAfter;
      if (fail && index > fail.tokens) throw new EngineError(fail.kind ?? 'device_lost', fail.message);
      const id = nextId(last);
      last = id;
      generated.push(id);
      const special = id >= 256;
      const text = special ? SPECIAL[id] : decoder.decode(new Uint8Array([id]), { stream: true });
      const logprob = -0.25 * index;
      const token: GeneratedToken = { id, text, logprob, special };
      const n = request.topNTokens ?? 0;
      const topTokens =
        n > 0
          ? Array.from({ length: n }, (_, k) => {
              const alt = k === 0 ? id : (id + k) % 258;
              return {
                id: alt,
                text: alt >= 256 ? SPECIAL[alt] : String.fromCharCode(alt),
                logprob: logprob - k,
                special: alt >= 256,
              };
            })
          : undefined;
      const output = decodeIds(generated, true);
      if (index >= request.maxNewTokens) finishReason = 'length';
      else if (id === EOS && !request.ignoreEos) finishReason = 'eos_token';
      else if (request.stop?.some((s) => output.endsWith(s))) finishReason = 'stop_sequence';
      yield { type: 'token', index, token, last: finishReason !== undefined, ...(topTokens && { topTokens }) };
    }
    if (this.options.dropFinish) return;
    yield {
      type: 'finish',
      finishReason,
      generatedText: decodeIds(generated, true),
      generatedTokens: generated.length,
      seed: request.sampling.doSample ? (request.sampling.seed ?? 1234) : null,
      inputLength: request.inputIds.length,
      cachedTokens: 0,
      ...(request.prefillLogprobs && {
        prefill: request.inputIds.map((id, i) => ({
          id,
          text: decodeIds([id], false),
          logprob: i === 0 ? null : -1.5,
        })),
      }),
      timings: { queueMs, prefillMs: 1, decodeMs: 2 },
    };
  }

  /** Every running generation takes its next step in the same macrotask. */
  private batchStep(): Promise<void> {
    this.step ??= new Promise<void>((r) =>
      setTimeout(() => {
        this.step = undefined;
        r();
      }, 0),
    );
    return this.step;
  }

  async listCachedModels() {
    return [];
  }

  async deleteCachedModel(): Promise<void> {}

  terminate(): void {}
}

/** POST a JSON body to a handler. */
export function post(path: string, body: unknown, init: RequestInit = {}): Request {
  return new Request(`http://shim.test${path}`, {
    method: 'POST',
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function get(path: string, init: RequestInit = {}): Request {
  return new Request(`http://shim.test${path}`, init);
}

/** The SSE frames of a response body (each `data: …` payload, `[DONE]` included, keep-alives dropped). */
export async function sseData(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice('data: '.length));
}
