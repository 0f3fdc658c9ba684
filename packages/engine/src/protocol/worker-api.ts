import type {
  BatchStats,
  CachedModel,
  ChatTemplateOptions,
  GenerateEvent,
  GenerateRequest,
  LoadEvent,
  LoadOptions,
  ModelInfo,
  TemplateMessage,
  TokenSpan,
} from './types';

/** A generation's events plus its failure, as sent over the wire. */
export type WireEvent = GenerateEvent | { type: 'error'; name: string; message: string };

/**
 * What the engine worker exposes over comlink. Load callbacks are comlink proxies; a
 * generation is named by an id chosen by the client so it can be cancelled.
 */
export interface WorkerApi {
  /** `baseUrl` resolves relative model folder paths (the page's URL, not the worker's). */
  load(options: LoadOptions, baseUrl: string, onEvent: (event: LoadEvent) => void): Promise<ModelInfo>;
  tokenize(text: string, addSpecialTokens: boolean): Promise<TokenSpan[]>;
  decode(ids: number[], skipSpecialTokens: boolean): Promise<string>;
  applyChatTemplate(messages: TemplateMessage[], options: ChatTemplateOptions): Promise<string>;
  /**
   * The worker posts the generation's events on `events` (a transferred port), in order and
   * without waiting for replies: the tokens, then either `finish` or `error`, which is always
   * the last message. The call itself resolves when the worker is done with the request.
   */
  generate(id: number, request: GenerateRequest, events: MessagePort): Promise<void>;
  cancel(id: number): void;
  /** A snapshot of the scheduler; forward durations are handed over once (since the last call). */
  batchStats(): BatchStats;
  listCachedModels(): Promise<CachedModel[]>;
  deleteCachedModel(modelId: string): Promise<void>;
}
