import type { EngineError } from './errors';
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

export type EngineState =
  | { state: 'idle' }
  | { state: 'loading'; model: string }
  | { state: 'ready'; info: ModelInfo }
  | { state: 'failed'; model: string; error: EngineError };

/**
 * What the API shim (and any app) uses. One implementation talks to a Web Worker over
 * comlink (the worker serves the wire form of this interface, `WorkerApi`); callers never see
 * the worker. Every failure is an EngineError whose `kind` says what went wrong.
 */
export interface Engine {
  /** Load a model, replacing the current one. Resolves when it can generate. */
  load(options: LoadOptions, onEvent?: (event: LoadEvent) => void): Promise<ModelInfo>;
  /** Resolves with the model info once loaded; rejects if loading failed. Waits through a load in progress. */
  ready(): Promise<ModelInfo>;
  state(): EngineState;
  tokenize(text: string, options?: { addSpecialTokens?: boolean }): Promise<TokenSpan[]>;
  applyChatTemplate(messages: TemplateMessage[], options?: ChatTemplateOptions): Promise<string>;
  /**
   * Queue a generation. Events arrive as tokens are produced; the last one is `finish`.
   * Aborting the signal stops it within one decode step (the iterator then throws an AbortError).
   */
  generate(request: GenerateRequest, options?: { signal?: AbortSignal }): AsyncIterable<GenerateEvent>;
  /** Requests waiting + running. */
  pending(): number;
  /** The worker's scheduler: queue, batch sizes, forward passes (for /metrics). */
  batchStats(): Promise<BatchStats>;
  /** Resolves when nothing is waiting or running: no generation, no other call in flight (at once if so). */
  idle(): Promise<void>;
  listCachedModels(): Promise<CachedModel[]>;
  deleteCachedModel(modelId: string): Promise<void>;
  /**
   * Stop the worker at once; the engine cannot be used afterwards. Generations still running end
   * with an error, and calls still waiting (or made later) reject, so nothing hangs.
   */
  terminate(): void;
}
