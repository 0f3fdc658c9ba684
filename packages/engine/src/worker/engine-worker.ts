/// <reference lib="webworker" />
import * as Comlink from 'comlink';
// The app serves onnxruntime-web's runtime itself (bundled as assets), so nothing loads from a CDN.
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { loadModel, type LoadedModel } from '../model/load';
import { deleteCachedModel, listCachedModels } from '../model/weight-cache';
import type { WireEvent, WorkerApi } from '../protocol/worker-api';
import { Scheduler } from '../scheduler/scheduler';
import { applyChatTemplate, tokenize } from '../tokenizer/text';

const scheduler = new Scheduler();
const running = new Map<number, AbortController>();
let current: Promise<LoadedModel> | null = null;

function model(): Promise<LoadedModel> {
  if (!current) throw new Error('No model is loaded: call load() first.');
  return current;
}

const api: WorkerApi = {
  async load(options, baseUrl, onEvent) {
    const previous = current;
    // Loading takes the queue's turn, so running generations finish on the old model first.
    const next = scheduler.exclusive(async () => {
      await previous?.then(async (old) => (old.prefixes.clear(), old.model.dispose())).catch(() => undefined);
      return loadModel(options, { mjs: absolute(ortMjsUrl), wasm: absolute(ortWasmUrl) }, onEvent, baseUrl);
    });
    next.finally(() => release(onEvent)).catch(() => undefined);
    current = next;
    return (await next).info;
  },

  async tokenize(text, addSpecialTokens) {
    return tokenize((await model()).tokenizer, text, addSpecialTokens);
  },

  async decode(ids, skipSpecialTokens) {
    return (await model()).tokenizer.decode(ids, { skip_special_tokens: skipSpecialTokens });
  },

  async applyChatTemplate(messages, options) {
    return applyChatTemplate((await model()).tokenizer, messages, options);
  },

  async generate(id, request, events) {
    const controller = new AbortController();
    running.set(id, controller);
    const onEvent = (event: WireEvent) => events.postMessage(event);
    try {
      const loaded = await model();
      await scheduler.generate(loaded, request, onEvent, controller.signal);
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      onEvent({ type: 'error', name, message });
    } finally {
      running.delete(id);
      events.close();
    }
  },

  cancel(id) {
    running.get(id)?.abort();
  },

  batchStats: () => scheduler.takeStats(),

  listCachedModels: () => listCachedModels(),
  deleteCachedModel: (modelId) => deleteCachedModel(modelId),
};

/** Close the MessagePort behind a comlink callback proxy once it has served its call. */
function release(callback: unknown): void {
  (callback as { [Comlink.releaseProxy]?: () => void })[Comlink.releaseProxy]?.();
}

function absolute(url: string): string {
  return new URL(url, self.location.href).href;
}

Comlink.expose(api);
