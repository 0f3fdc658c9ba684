import type { Engine } from './engine';
import type { WireError } from './errors';
import type { GenerateEvent, GenerateRequest } from './types';

/** A generation's events plus its failure, as sent over the wire. */
export type WireEvent = GenerateEvent | ({ type: 'error' } & WireError);

/** The Engine calls comlink carries as they are: same arguments, same results. */
export type ServedCalls = Pick<
  Engine,
  'tokenize' | 'applyChatTemplate' | 'listCachedModels' | 'deleteCachedModel' | 'batchStats'
>;

/**
 * Every generation's events, as the worker posts them on the events port: one message per
 * scheduler step (the events of every request that step produced), each event tagged with its
 * request's id. A batch of n sequences thus costs one message per step, not n.
 */
export type WireBatch = [id: number, event: WireEvent][];

/**
 * What the engine worker exposes over comlink: the wire form of `Engine`. Where comlink cannot
 * carry an argument as it is, the call is adapted here and in the client, and nowhere else:
 * - `load`'s callback is a comlink proxy, and `baseUrl` (the page's URL, not the worker's)
 *   resolves relative model folder paths;
 * - `generate`'s AsyncIterable and AbortSignal become events on the port given to
 *   `connectEvents`, tagged with the request's id, and `cancel(id)`.
 * Failures cross as EngineErrors (see error-transfer.ts).
 */
export interface WorkerApi extends ServedCalls {
  load(...args: [...Parameters<Engine['load']>, baseUrl: string]): ReturnType<Engine['load']>;
  /** The (transferred) port on which the worker posts every generation's events; given once, before any generate. */
  connectEvents(port: MessagePort): void;
  /**
   * The worker posts the generation's events on the events port as `WireBatch`es, tagged with
   * `id`, in order and without waiting for replies: the tokens, then either `finish` or `error`,
   * which is always the last for that id. The call itself resolves when the worker is done with
   * the request.
   */
  generate(id: number, request: GenerateRequest): Promise<void>;
  cancel(id: number): void;
  /**
   * A SharedWorker's client names a Web Lock it holds for as long as it is connected: once the
   * worker is granted it, the client is gone (its tab closed, or terminate()), and its
   * generations are aborted.
   */
  leave(clientLock: string): void;
}
