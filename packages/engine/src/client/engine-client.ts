import * as Comlink from 'comlink';
import type { Engine, EngineState } from '../protocol/engine';
import { registerErrorTransfer } from '../protocol/error-transfer';
import { EngineError, fromWire, toEngineError } from '../protocol/errors';
import type { GenerateEvent, GenerateRequest, LoadEvent, LoadOptions, ModelInfo } from '../protocol/types';
import type { ServedCalls, WireBatch, WireEvent, WorkerApi } from '../protocol/worker-api';
import { EventChannel } from './event-channel';

export interface CreateEngineOptions extends Partial<LoadOptions> {
  /** Load events (device chosen, per-file progress, warnings) of the first load. */
  onLoadEvent?: (event: LoadEvent) => void;
  /** The worker's name (a supervisor names it, to find the worker's liveness channel). */
  workerName?: string;
  /**
   * Host the engine in a module SharedWorker instead of this page's own Worker: every
   * `createEngine` of the origin with the same `sharedWorker` name reaches the same engine, which
   * lives as long as one of them stays connected. Loads of what it already serves join it; a load
   * of another model changes the model for every one of them. (In Chromium a SharedWorker has
   * WebGPU but is not cross-origin isolated: on WASM it runs single-threaded.)
   */
  sharedWorker?: string;
}

/**
 * The engine as the page sees it: a typed object whose work happens in a module Web
 * Worker (transformers.js, onnxruntime-web and the decode loop never touch the main thread).
 * Given `model`, loading starts at once; `ready()` resolves when it can generate.
 */
export function createEngine(options: CreateEngineOptions = {}): Engine {
  registerErrorTransfer();
  const name = options.workerName ?? 'inpage-engine';
  // Both literals stay in the `new (Shared)Worker(new URL(…))` form bundlers recognise as a worker entry.
  const worker =
    options.sharedWorker === undefined
      ? new Worker(new URL('../worker/engine-worker.ts', import.meta.url), { type: 'module', name })
      : new SharedWorker(new URL('../worker/engine-worker.ts', import.meta.url), { type: 'module', name });
  const shared = 'port' in worker ? worker : null;
  const remote = Comlink.wrap<WorkerApi>(shared ? shared.port : (worker as Worker));
  // A SharedWorker outlives this client: it learns that the client left from a lock held until then.
  const leave = shared && holdUntilLeft(remote);
  // A terminated worker never answers: every call still waiting (and every later one) rejects instead.
  let closed = false;
  let shutDown!: (error: EngineError) => void;
  const terminated = new Promise<never>((_, reject) => (shutDown = reject));
  terminated.catch(() => undefined);
  // Calls in flight (of any kind), for idle(): an engine is retired only once nothing waits on it.
  let calls = 0;
  const call = <T>(send: () => Promise<T>): Promise<T> => {
    if (closed) return terminated;
    calls++;
    return Promise.race([send(), terminated]).finally(() => {
      calls--;
      notifyIdle();
    });
  };
  // A worker whose script cannot load (offline and not cached, a blocked URL) only says so with a
  // plain 'error' event; every call would wait forever. An uncaught error inside a running worker
  // comes as an ErrorEvent instead and leaves it working (each call reports its own failures).
  worker.addEventListener('error', (event) => {
    if (event instanceof ErrorEvent) return;
    closed = true;
    shutDown(
      new EngineError(
        'terminated',
        "The engine's worker could not start: its script did not load. Check the connection and reload the page.",
      ),
    );
  });
  /** A worker call as a call of the engine: counted for idle(), and refused once terminated. */
  const forward =
    <K extends keyof WorkerApi>(name: K): Forwarded<K> =>
    (...args) =>
      call(() => (remote[name] as unknown as Forwarded<K>)(...args));
  const served: ServedCalls = {
    tokenize: forward('tokenize'),
    applyChatTemplate: forward('applyChatTemplate'),
    listCachedModels: forward('listCachedModels'),
    deleteCachedModel: forward('deleteCachedModel'),
    batchStats: forward('batchStats'),
  };
  const api = { load: forward('load'), generate: forward('generate'), cancel: forward('cancel') };
  // Every generation's events arrive on one port, a scheduler step's events in one message, each
  // tagged with its request's id (see WireBatch).
  const events = new MessageChannel();
  const handlers = new Map<number, (event: WireEvent) => void>();
  events.port1.onmessage = ({ data }: MessageEvent<WireBatch>) => {
    for (const [id, event] of data) handlers.get(id)?.(event);
  };
  remote.connectEvents(Comlink.transfer(events.port2, [events.port2])).catch(() => undefined);
  let state: EngineState = { state: 'idle' };
  let loading: Promise<ModelInfo> | null = null;
  let nextId = 1;
  let pending = 0;
  const whenIdle: (() => void)[] = [];
  function notifyIdle(): void {
    if (pending === 0 && calls === 0) whenIdle.splice(0).forEach((resolve) => resolve());
  }

  const load = (loadOptions: LoadOptions, onEvent?: (event: LoadEvent) => void): Promise<ModelInfo> => {
    state = { state: 'loading', model: loadOptions.model };
    const attempt = api.load(loadOptions, onEvent && Comlink.proxy(onEvent), globalThis.location?.href ?? '').then(
      (info) => {
        if (loading === attempt) state = { state: 'ready', info };
        return info;
      },
      (error: unknown) => {
        if (loading === attempt)
          state = { state: 'failed', model: loadOptions.model, error: toEngineError(error, 'load') };
        throw error;
      },
    );
    loading = attempt;
    return attempt;
  };

  const engine: Engine = {
    ...served,
    load,
    ready() {
      return loading ?? Promise.reject(new EngineError('not_loaded', 'No model is loaded: call load() first.'));
    },
    state: () => state,
    generate(request: GenerateRequest, opts?: { signal?: AbortSignal }): AsyncIterable<GenerateEvent> {
      const id = nextId++;
      const signal = opts?.signal;
      return {
        [Symbol.asyncIterator]() {
          const channel = new EventChannel<GenerateEvent>();
          // The consumer stops at once (events still in flight are dropped); the worker stops at its next step.
          const cancel = () => {
            channel.fail(signal?.reason ?? abortError());
            api.cancel(id).catch(() => undefined);
          };
          if (signal?.aborted) {
            channel.fail(signal.reason ?? abortError());
            return channel;
          }
          signal?.addEventListener('abort', cancel, { once: true });
          pending++;
          // The worker posts the events without waiting for replies; it is done with the request
          // once the last one (finish or error) is here.
          let settled = false;
          const settle = () => {
            if (settled) return;
            settled = true;
            handlers.delete(id);
            pending--;
            signal?.removeEventListener('abort', cancel);
            notifyIdle();
          };
          handlers.set(id, (event) => {
            if (event.type === 'error') channel.fail(fromWire(event));
            else channel.push(event);
            if (event.type === 'finish') channel.close();
            if (event.type === 'finish' || event.type === 'error') settle();
          });
          api.generate(id, request).catch((error: unknown) => {
            channel.fail(error);
            settle();
          });
          // A consumer that stops iterating early (break, return) cancels the generation too.
          channel.onReturn = cancel;
          return channel;
        },
      };
    },
    pending: () => pending,
    idle: () => (pending === 0 && calls === 0 ? Promise.resolve() : new Promise((resolve) => whenIdle.push(resolve))),
    terminate() {
      if (closed) return;
      closed = true;
      shutDown(
        new EngineError(
          'terminated',
          'The engine was shut down (terminate() was called); load a model in a new engine.',
        ),
      );
      remote[Comlink.releaseProxy]();
      events.port1.close();
      if (!shared) (worker as Worker).terminate();
      else {
        // The engine is shared: only this client leaves (its generations stop).
        leave?.();
        shared.port.close();
      }
    },
  };

  if (options.model) {
    const { onLoadEvent, workerName: _, sharedWorker: __, ...loadOptions } = options;
    load(loadOptions as LoadOptions, onLoadEvent).catch(() => undefined);
  }
  return engine;
}

/** Hold a Web Lock the SharedWorker waits for; the returned function (or the page's end) releases it. */
function holdUntilLeft(remote: Comlink.Remote<WorkerApi>): () => void {
  const lock = `inpage-engine-client#${crypto.randomUUID()}`;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  void navigator.locks.request(lock, () => {
    remote.leave(lock).catch(() => undefined);
    return held;
  });
  return release;
}

/** A WorkerApi call as the client makes it: always asynchronous. */
type Forwarded<K extends keyof WorkerApi> = (
  ...args: Parameters<WorkerApi[K]>
) => Promise<Awaited<ReturnType<WorkerApi[K]>>>;

function abortError(): EngineError {
  return new EngineError('aborted', 'The generation was aborted.');
}
