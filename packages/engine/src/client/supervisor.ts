/**
 * The engine as apps get it from `createEngine`: a worker engine (engine-client.ts) under a
 * supervisor that outlives it. When the worker dies, hangs, loses its GPU device or traps in
 * its wasm, the supervisor
 * - fails every generation that had produced a token, at once, with words that say what happened
 *   (the shim answers them 424 `generation`, or that error as the stream's last event);
 * - reports `loading` while it restarts (so `/health` answers 503, and requests wait for it);
 * - starts a new worker and loads the same model again, from the IndexedDB weight cache;
 * - sends the generations that had produced nothing yet (still queued in the dead worker) to the new
 *   one, so no request is lost; one that was already replayed once fails instead of looping;
 * - after a second loss of the GPU device, loads on WASM and says why in the model info (`/info`).
 *
 * With `sharedWorker`, the worker is the origin's SharedWorker of that name, watched by a supervisor
 * in every tab connected to it: each sees the same failure, retires the same worker, and joins the
 * same next one (shared-generation.ts), where the first tab's load loads and the others' join it.
 */
import type { Engine, EngineState } from '../protocol/engine';
import { EngineError, isEngineError, toEngineError } from '../protocol/errors';
import type { GenerateEvent, GenerateRequest, LoadEvent, LoadOptions, ModelInfo } from '../protocol/types';
import { type CreateEngineOptions, createEngine as createWorkerEngine } from './engine-client';
import { sharedGenerations } from './shared-generation';
import { type WorkerFailure, type WorkerWatch, watchWorker } from './worker-watch';

export interface SupervisorOptions {
  /** Heartbeat period, ms (default 2 s). */
  heartbeatMs?: number;
  /** Silence after which a worker counts as stuck and is replaced, ms (default 60 s: a long WASM prefill blocks it). */
  heartbeatTimeoutMs?: number;
  /** Told of each failure and restart (for logs and the demo's status). */
  onRestart?: (failure: WorkerFailure) => void;
}

export interface SupervisedEngine extends Engine {
  /** Workers started after a failure so far. */
  restarts(): number;
  /** Test-only: make the current worker fail the way a browser makes it fail. */
  readonly testHooks: {
    /** End the worker at once (as a crash or the browser's out-of-memory kill). */
    killWorker(): void;
    /** Destroy the real GPUDevice the model runs on (nothing happens on WASM). */
    loseDevice(): void;
    /** Make the worker stop answering for good (a busy loop): the heartbeat must find it. */
    hangWorker(): void;
  };
}

/** GPU losses after which WebGPU is given up for WASM. */
const GPU_LOSSES_BEFORE_WASM = 2;

interface Incarnation {
  engine: Engine;
  /** Of a shared engine's SharedWorker (0 otherwise). */
  generation: number;
  watch: WorkerWatch;
  /** Set when the worker is found dead: the error its generations fail with. */
  death: EngineError | null;
}

export function createEngine(options: CreateEngineOptions & SupervisorOptions = {}): SupervisedEngine {
  const { onLoadEvent, heartbeatMs = 2_000, heartbeatTimeoutMs = 60_000, onRestart, sharedWorker, ...first } = options;
  const generations = sharedWorker === undefined ? null : sharedGenerations(sharedWorker);
  let current = spawn(generations?.current());
  let lastLoad: LoadOptions | null = null;
  let loading: Promise<ModelInfo> | null = null;
  let state: EngineState = { state: 'idle' };
  let restarts = 0;
  let gpuLosses = 0;
  /** Why WebGPU was given up, once it was. */
  let wasmBecause: string | null = null;
  let closed = false;
  let pending = 0;
  const whenIdle: (() => void)[] = [];

  function spawn(shared?: { generation: number; workerName: string }): Incarnation {
    const incarnation: Incarnation = {
      engine: null as unknown as Engine,
      generation: shared?.generation ?? 0,
      death: null,
      watch: watchWorker({
        workerName: shared?.workerName,
        heartbeatMs,
        heartbeatTimeoutMs,
        quietAllowed: () => state.state === 'loading',
        onFailure: (failure) => fail(incarnation, failure),
        // Another tab's load changed the shared engine's model: serve (and after a restart load) that one.
        onModel: (options, info) => {
          if (incarnation !== current || incarnation.death) return;
          lastLoad = options;
          if (state.state === 'loading') return; // this tab's own load settles it
          state = { state: 'ready', info: shown(info) };
          loading = Promise.resolve(state.info);
        },
      }),
    };
    incarnation.engine = createWorkerEngine({ workerName: incarnation.watch.workerName, sharedWorker });
    return incarnation;
  }

  /** Retire a failed worker and start the next; everything waiting on the old one is told why. */
  function fail(incarnation: Incarnation, failure: WorkerFailure): void {
    if (closed || incarnation.death) return;
    const kind = failure.kind === 'device-lost' ? 'device_lost' : 'terminated';
    incarnation.death = new EngineError(kind, `${failure.message}; the engine is restarting`);
    // A SharedWorker is not this tab's to terminate: it is asked to end (a stuck one cannot, and is left behind).
    if (generations) incarnation.watch.end();
    incarnation.watch.close();
    incarnation.engine.terminate();
    if (failure.kind === 'device-lost' && ++gpuLosses >= GPU_LOSSES_BEFORE_WASM) {
      wasmBecause = `WebGPU device lost ${gpuLosses} times (last: ${failure.message}); running on WASM`;
    }
    restarts++;
    onRestart?.(failure);
    current = spawn(generations?.next(incarnation.generation));
    if (lastLoad) load(lastLoad).catch(() => undefined);
  }

  function load(loadOptions: LoadOptions, onEvent?: (event: LoadEvent) => void): Promise<ModelInfo> {
    lastLoad = loadOptions;
    const incarnation = current;
    const { engine } = incarnation;
    const device = wasmBecause ? 'wasm' : loadOptions.device;
    state = { state: 'loading', model: loadOptions.model };
    const attempt = engine.load({ ...loadOptions, device }, onEvent).then(
      (info) => {
        if (loading === attempt) state = { state: 'ready', info: shown(info) };
        return shown(info);
      },
      (error: unknown): Promise<ModelInfo> => {
        // The worker failed under this load: the supervisor's restart loads the same again.
        if (incarnation.death && loading && loading !== attempt) return loading;
        if (loading === attempt)
          state = { state: 'failed', model: loadOptions.model, error: toEngineError(error, 'load') };
        throw error;
      },
    );
    loading = attempt;
    attempt.catch(() => undefined);
    return attempt;
  }

  /** The model info as this engine reports it (with why WebGPU was given up, once it was). */
  function shown(info: ModelInfo): ModelInfo {
    return wasmBecause ? { ...info, deviceReason: wasmBecause } : info;
  }

  /**
   * Run on the current worker; if it dies before the first event, run again on the next one (once).
   * A wasm trap or out-of-memory inside the run leaves its onnxruntime session unusable: the
   * request fails with it and the worker is replaced.
   */
  async function* supervised(request: GenerateRequest, signal: AbortSignal | undefined): AsyncGenerator<GenerateEvent> {
    for (let attempt = 0; ; attempt++) {
      const incarnation = current;
      let started = false;
      try {
        for await (const event of incarnation.engine.generate(request, { signal })) {
          started = true;
          yield event;
        }
        return;
      } catch (error) {
        if (signal?.aborted) throw error;
        if (!incarnation.death && isFatal(error)) {
          const kind = isEngineError(error) && error.kind === 'device_lost' ? 'device-lost' : 'exited';
          fail(incarnation, { kind, message: `the engine's worker failed (${(error as Error).message})` });
          throw error;
        }
        if (!incarnation.death) throw error;
        if (started || attempt > 0) throw incarnation.death;
      }
    }
  }

  /** A call that changes nothing (tokenize, template): one cut short by a failure runs again on the next worker. */
  async function onLiveWorker<T>(call: (engine: Engine) => Promise<T>): Promise<T> {
    const incarnation = current;
    try {
      return await call(incarnation.engine);
    } catch (error) {
      if (!incarnation.death || incarnation === current) throw error;
      return call(current.engine);
    }
  }

  const engine: SupervisedEngine = {
    load: (loadOptions, onEvent) => load(loadOptions, onEvent),
    ready: () => loading ?? Promise.reject(new Error('No model is loaded: call load() first.')),
    state: () => state,
    tokenize: (...args) => onLiveWorker((e) => e.tokenize(...args)),
    applyChatTemplate: (...args) => onLiveWorker((e) => e.applyChatTemplate(...args)),
    generate(request, opts) {
      const signal = opts?.signal;
      return {
        [Symbol.asyncIterator]() {
          pending++;
          const run = supervised(request, signal);
          let ended = false;
          const end = () => {
            if (ended) return;
            ended = true;
            if (--pending === 0) whenIdle.splice(0).forEach((resolve) => resolve());
          };
          // Counted until the run ends, however it ends (a consumer's break included).
          return {
            next: () =>
              run.next().then(
                (r) => (r.done && end(), r),
                (e: unknown) => (end(), Promise.reject(e)),
              ),
            return: (value?: unknown) => (end(), run.return(value as undefined)),
          } as AsyncIterator<GenerateEvent>;
        },
      };
    },
    pending: () => pending,
    batchStats: () => onLiveWorker((e) => e.batchStats()),
    idle: async () => {
      if (pending > 0) await new Promise<void>((resolve) => whenIdle.push(resolve));
      return current.engine.idle();
    },
    listCachedModels: () => current.engine.listCachedModels(),
    deleteCachedModel: (modelId) => current.engine.deleteCachedModel(modelId),
    terminate() {
      if (closed) return;
      closed = true;
      current.watch.close();
      current.engine.terminate();
    },
    restarts: () => restarts,
    testHooks: {
      killWorker: () => current.watch.send({ type: 'kill' }),
      loseDevice: () => current.watch.send({ type: 'lose-device' }),
      hangWorker: () => current.watch.send({ type: 'hang' }),
    },
  };

  if (first.model) load(first as LoadOptions, onLoadEvent).catch(() => undefined);
  return engine;
}

/**
 * A lost device, an allocation failure or a wasm trap inside a run: the worker's runtime cannot be
 * trusted after it. (xgrammar's traps are the grammar module's own, kind `grammar`: it is rebuilt
 * in the worker, grammar/xgrammar.ts.)
 */
function isFatal(error: unknown): boolean {
  if (!isEngineError(error)) return false;
  if (error.kind === 'device_lost' || error.kind === 'out_of_memory') return true;
  return (
    (error.kind === 'generation' || error.kind === 'internal') &&
    /memory access out of bounds|unreachable|RuntimeError/i.test(error.message)
  );
}
