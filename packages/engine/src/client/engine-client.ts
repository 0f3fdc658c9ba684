import * as Comlink from 'comlink';
import type { Engine, EngineState } from '../protocol/engine';
import type { GenerateEvent, GenerateRequest, LoadEvent, LoadOptions, ModelInfo } from '../protocol/types';
import type { WireEvent, WorkerApi } from '../protocol/worker-api';
import { EventChannel } from './event-channel';

export interface CreateEngineOptions extends Partial<LoadOptions> {
  /** Load events (device chosen, per-file progress, warnings) of the first load. */
  onLoadEvent?: (event: LoadEvent) => void;
  /** The worker's name (a supervisor names it, to find the worker's liveness channel). */
  workerName?: string;
}

/**
 * The engine as the page sees it: a typed object whose work happens in a module Web
 * Worker (transformers.js, onnxruntime-web and the decode loop never touch the main thread).
 * Given `model`, loading starts at once; `ready()` resolves when it can generate.
 */
export function createEngine(options: CreateEngineOptions = {}): Engine {
  const worker = new Worker(new URL('../worker/engine-worker.ts', import.meta.url), {
    type: 'module',
    name: options.workerName ?? 'inpage-engine',
  });
  const remote = Comlink.wrap<WorkerApi>(worker);
  // A terminated worker never answers: every call still waiting (and every later one) rejects instead.
  let closed = false;
  let shutDown!: (error: Error) => void;
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
    shutDown(new Error("The engine's worker could not start: its script did not load. Check the connection and reload the page."));
  });
  const api = {
    load: (...args: Parameters<WorkerApi['load']>) => call(() => remote.load(...args)),
    tokenize: (...args: Parameters<WorkerApi['tokenize']>) => call(() => remote.tokenize(...args)),
    decode: (...args: Parameters<WorkerApi['decode']>) => call(() => remote.decode(...args)),
    applyChatTemplate: (...args: Parameters<WorkerApi['applyChatTemplate']>) => call(() => remote.applyChatTemplate(...args)),
    generate: (...args: Parameters<WorkerApi['generate']>) => call(() => remote.generate(...args)),
    cancel: (id: number) => call(() => remote.cancel(id)),
    listCachedModels: () => call(() => remote.listCachedModels()),
    deleteCachedModel: (modelId: string) => call(() => remote.deleteCachedModel(modelId)),
  };
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
    const attempt = api
      .load(loadOptions, globalThis.location?.href ?? '', Comlink.proxy((event: LoadEvent) => onEvent?.(event)))
      .then(
        (info) => {
          if (loading === attempt) state = { state: 'ready', info };
          return info;
        },
        (error: unknown) => {
          if (loading === attempt) state = { state: 'failed', model: loadOptions.model, error: messageOf(error) };
          throw error;
        },
      );
    loading = attempt;
    return attempt;
  };

  const engine: Engine = {
    load,
    ready() {
      return loading ?? Promise.reject(new Error('No model is loaded: call load() first.'));
    },
    state: () => state,
    tokenize: (text, opts) => api.tokenize(text, opts?.addSpecialTokens ?? true),
    decode: (ids, opts) => api.decode(ids, opts?.skipSpecialTokens ?? true),
    applyChatTemplate: (messages, opts) => api.applyChatTemplate(messages, opts ?? {}),
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
          // The worker posts the events on a port of their own, without waiting for replies; it is
          // done with the request once the last one (finish or error) is here.
          const events = new MessageChannel();
          let settled = false;
          const settle = () => {
            if (settled) return;
            settled = true;
            events.port1.close();
            pending--;
            signal?.removeEventListener('abort', cancel);
            notifyIdle();
          };
          events.port1.onmessage = ({ data: event }: MessageEvent<WireEvent>) => {
            if (event.type === 'error') channel.fail(rebuildError(event));
            else channel.push(event);
            if (event.type === 'finish') channel.close();
            if (event.type === 'finish' || event.type === 'error') settle();
          };
          api.generate(id, request, Comlink.transfer(events.port2, [events.port2])).catch((error: unknown) => {
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
    listCachedModels: () => api.listCachedModels(),
    deleteCachedModel: (modelId) => api.deleteCachedModel(modelId),
    terminate() {
      if (closed) return;
      closed = true;
      shutDown(new Error('The engine was shut down (terminate() was called); load a model in a new engine.'));
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };

  if (options.model) {
    const { onLoadEvent, workerName: _, ...loadOptions } = options;
    load(loadOptions as LoadOptions, onLoadEvent).catch(() => undefined);
  }
  return engine;
}

/** Errors cross the worker boundary as name + message; AbortError comes back as a DOMException. */
function rebuildError({ name, message }: { name: string; message: string }): Error {
  if (name === 'AbortError') return new DOMException(message, 'AbortError');
  const error = new Error(message);
  error.name = name;
  return error;
}

function abortError(): DOMException {
  return new DOMException('The generation was aborted.', 'AbortError');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
