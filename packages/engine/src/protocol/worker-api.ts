import type {
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
 * What the engine worker exposes over comlink. Callbacks are comlink proxies; a
 * generation is named by an id chosen by the client so it can be cancelled.
 */
export interface WorkerApi {
  /** `baseUrl` resolves relative model folder paths (the page's URL, not the worker's). */
  load(options: LoadOptions, baseUrl: string, onEvent: (event: LoadEvent) => void): Promise<ModelInfo>;
  tokenize(text: string, addSpecialTokens: boolean): Promise<TokenSpan[]>;
  decode(ids: number[], skipSpecialTokens: boolean): Promise<string>;
  applyChatTemplate(messages: TemplateMessage[], options: ChatTemplateOptions): Promise<string>;
  /**
   * Every outcome travels through `onEvent`, in order, on one port: the tokens, then either
   * `finish` or `error` (comlink answers the call itself on another port, which could
   * overtake the last events).
   */
  generate(id: number, request: GenerateRequest, onEvent: (event: WireEvent) => void): Promise<void>;
  cancel(id: number): void;
  listCachedModels(): Promise<CachedModel[]>;
  deleteCachedModel(modelId: string): Promise<void>;
}
