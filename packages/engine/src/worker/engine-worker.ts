/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { type ServingModel, withPrefixCache } from '../decode/prefix-cache';
import { loadModel } from '../model/load';
import { runtimeFailure } from '../model/runtime-failure';
import { deleteCachedModel, listCachedModels } from '../model/weight-cache';
import { registerErrorTransfer } from '../protocol/error-transfer';
import { EngineError, toWire } from '../protocol/errors';
import type { LoadEvent } from '../protocol/types';
import type { WireEvent, WorkerApi } from '../protocol/worker-api';
import { Scheduler } from '../scheduler/scheduler';
import { startLiveness, watchGpuDevice } from './liveness';
import { applyChatTemplate, tokenize } from '../tokenizer/text';
import { EventOutbox } from './event-outbox';
import { ortFiles } from './ort-files';

const scheduler = new Scheduler();
const running = new Map<number, AbortController>();
const outbox = new EventOutbox();
let current: Promise<ServingModel> | null = null;

function model(): Promise<ServingModel> {
  if (!current) throw new EngineError('not_loaded', 'No model is loaded: call load() first.');
  return current;
}

const api: WorkerApi = {
  async load(options, onEvent, baseUrl) {
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
    current = next;
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

  batchStats: async () => scheduler.takeStats(),

  listCachedModels: () => listCachedModels(),
  deleteCachedModel: (modelId) => deleteCachedModel(modelId),
};

/** Close the MessagePort behind a comlink callback proxy once it has served its call. */
function release(callback: unknown): void {
  (callback as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy]?.();
}

function absolute(url: string): string {
  return new URL(url, self.location.href).href;
}

registerErrorTransfer();
startLiveness();
Comlink.expose(api);
