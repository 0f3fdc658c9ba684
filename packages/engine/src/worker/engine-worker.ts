/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { type ServingModel, withPrefixCache } from '../decode/prefix-cache';
import { loadModel } from '../model/load';
import { resolveSource } from '../model/source';
import { runtimeFailure } from '../model/runtime-failure';
import { deleteCachedModel, listCachedModels } from '../model/weight-cache';
import { registerErrorTransfer } from '../protocol/error-transfer';
import { EngineError, toWire } from '../protocol/errors';
import type { LoadEvent, LoadOptions } from '../protocol/types';
import type { WireEvent, WorkerApi } from '../protocol/worker-api';
import { Scheduler } from '../scheduler/scheduler';
import { announceAlive, post, startLiveness, watchGpuDevice } from './liveness';
import { applyChatTemplate, tokenize } from '../tokenizer/text';
import { EventOutbox } from './event-outbox';
import { ortFiles } from './ort-files';

const scheduler = new Scheduler();
let current: Promise<ServingModel> | null = null;
/** What `current` was loaded from (see loadKey). */
let currentKey: string | null = null;

function model(): Promise<ServingModel> {
  if (!current) throw new EngineError('not_loaded', 'No model is loaded: call load() first.');
  return current;
}

/**
 * The calls of one client. A dedicated worker has one; a SharedWorker (one engine for every tab of
 * the origin) has one per connected tab, each with its own generation ids. In a SharedWorker, a
 * load of what is already loaded (or loading) joins it instead of loading again: every tab asks
 * for the model when it connects, and only the first one loads it.
 */
function serveClient(shared: boolean): WorkerApi {
  const running = new Map<number, AbortController>();
  // Each client's events go to its own port.
  const outbox = new EventOutbox();
  return {
    async load(options, onEvent, baseUrl) {
      const key = loadKey(options, baseUrl);
      if (shared && current && key !== null && key === currentKey) {
        release(onEvent);
        return (await current).info;
      }
      const previous = current;
      // Loading takes the queue's turn, so running generations finish on the old model first.
      const next = scheduler.exclusive(async () => {
        await previous?.then(async (old) => (old.prefixes.clear(), old.model.dispose())).catch(() => undefined);
        const emit = (event: LoadEvent) => void onEvent?.(event);
        return withPrefixCache(
          await loadModel(options, { mjs: absolute(ortFiles.mjs), wasm: absolute(ortFiles.wasm) }, emit, baseUrl),
        );
      });
      next.finally(() => release(onEvent)).catch(() => undefined);
      next.then((loaded) => (loaded.info.device === 'webgpu' ? watchGpuDevice() : undefined)).catch(() => undefined);
      if (shared)
        next.then(({ info }) => current === next && post({ type: 'model', options, info })).catch(() => undefined);
      // A failed load is not joined: the next asks again.
      next.catch(() => (current === next ? (currentKey = null) : undefined));
      current = next;
      currentKey = key;
      return (await next).info;
    },

    async tokenize(text, options) {
      return tokenize((await model()).tokenizer, text, options?.addSpecialTokens ?? true);
    },

    async applyChatTemplate(messages, options) {
      return applyChatTemplate((await model()).tokenizer, messages, options);
    },

    connectEvents(port) {
      outbox.connect(port);
    },

    async generate(id, request) {
      const controller = new AbortController();
      running.set(id, controller);
      const onEvent = (event: WireEvent) => outbox.post(id, event);
      try {
        const loaded = await model();
        await scheduler.generate(loaded, request, onEvent, controller.signal);
      } catch (error) {
        onEvent({ type: 'error', ...toWire(runtimeFailure(error, 'generation')) });
      } finally {
        running.delete(id);
      }
    },

    cancel(id) {
      running.get(id)?.abort();
    },

    leave(clientLock) {
      // Granted when the client's page is gone (closed, crashed) or it called terminate(): its
      // generations stop, so a tab that left holds no batch slot.
      void navigator.locks.request(clientLock, () => running.forEach((controller) => controller.abort()));
    },

    batchStats: async () => scheduler.takeStats(),

    listCachedModels: () => listCachedModels(),
    deleteCachedModel: (modelId) => deleteCachedModel(modelId),
  };
}

/** Two loads with the same key load the same thing (the page's URL only resolves a relative folder). */
function loadKey(options: LoadOptions, baseUrl: string): string | null {
  try {
    const { model, ...rest } = options;
    return JSON.stringify([
      resolveSource(model, baseUrl),
      rest.dtype ?? null,
      rest.device ?? 'auto',
      rest.batching ?? null,
    ]);
  } catch {
    return null;
  }
}

/** Close the MessagePort behind a comlink callback proxy once it has served its call. */
function release(callback: unknown): void {
  (callback as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy]?.();
}

function absolute(url: string): string {
  return new URL(url, self.location.href).href;
}

registerErrorTransfer();
startLiveness();
if (typeof SharedWorkerGlobalScope !== 'undefined' && self instanceof SharedWorkerGlobalScope) {
  self.addEventListener('connect', (event) => {
    const port = (event as MessageEvent).ports[0];
    Comlink.expose(serveClient(true), port);
    // The new tab's supervisor starts watching this worker's life lock.
    announceAlive();
  });
} else Comlink.expose(serveClient(false));
