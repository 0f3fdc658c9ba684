import { installShim, type Shim } from '@inpage/api-shim';
import { createEngine, type Device, type Dtype, type Engine, type LoadEvent, type ModelInfo } from '@inpage/engine';
import { ProgressMeter } from './models/progress';

export interface LoadRequest {
  model: string;
  dtype?: Dtype;
  device?: Device | 'auto';
}

export interface LoadingState {
  request: LoadRequest;
  meter: ProgressMeter;
  device: { device: Device; reason: string } | null;
}

export interface SessionState {
  /** The model the shim answers with now (null until one is loaded). */
  serving: ModelInfo | null;
  loading: LoadingState | null;
  /** The last load's failure (an EngineError, whose kind says why). */
  error: unknown;
  warnings: Extract<LoadEvent, { type: 'warning' }>[];
  /** A short note such as "Loading cancelled." */
  notice: string | null;
}

export interface Session {
  /** The address the shim answers at; clients are pointed here. */
  readonly baseUrl: string;
  readonly shim: Shim;
  state(): SessionState;
  load(request: LoadRequest): void;
  cancel(): void;
  /** The serving engine, for the weight cache's list and delete. */
  engine(): Engine;
  subscribe(listener: (state: SessionState) => void): void;
}

/**
 * The demo's one engine and one shim. The shim is installed once, over an engine that forwards to
 * whichever real engine currently serves, so clients built earlier (they capture `fetch`) keep
 * working across model changes. A new model loads in a new engine while the old one keeps
 * serving; it takes over when ready, and the old one is shut down once its requests in flight
 * have finished (a swap never cuts a running answer). Cancelling a load terminates its engine,
 * since the engine has no way to stop a load (createEngine is cheap).
 */
export function createSession(baseUrl: string): Session {
  let serving: Engine = createEngine();
  let candidate: Engine | null = null;
  let attempt = 0;
  const listeners: ((state: SessionState) => void)[] = [];
  const state: SessionState = { serving: null, loading: null, error: null, warnings: [], notice: null };
  const emit = () => listeners.forEach((listener) => listener(state));

  const replaceServing = (next: Engine) => {
    if (next === serving) return;
    const old = serving;
    serving = next;
    void old.idle().then(() => old.terminate());
  };

  const shim = installShim({ baseUrl, engine: forwardingEngine(() => serving) });

  return {
    baseUrl: shim.baseUrl,
    shim,
    state: () => state,
    engine: () => serving,
    subscribe: (listener) => void listeners.push(listener),
    load(request) {
      cancelCandidate();
      const id = ++attempt;
      const engine = createEngine();
      // With nothing serving, the new engine serves at once: requests wait for it instead of failing.
      if (state.serving) candidate = engine;
      else replaceServing(engine);
      const loading: LoadingState = { request, meter: new ProgressMeter(), device: null };
      Object.assign(state, { loading, error: null, warnings: [], notice: null });
      emit();
      engine
        .load({ model: request.model, dtype: request.dtype, device: request.device }, (event) => {
          if (id !== attempt) return;
          if (event.type === 'device') loading.device = { device: event.device, reason: event.reason };
          else if (event.type === 'file') loading.meter.update(event.progress, performance.now());
          else state.warnings.push(event);
          emit();
        })
        .then(
          (info) => {
            if (id !== attempt) return;
            replaceServing(engine);
            candidate = null;
            Object.assign(state, { serving: info, loading: null });
            emit();
          },
          (error: unknown) => {
            if (id !== attempt) return;
            if (candidate === engine) cancelCandidate();
            Object.assign(state, { loading: null, error });
            emit();
          },
        );
    },
    cancel() {
      if (!state.loading) return;
      attempt++;
      if (candidate) cancelCandidate();
      else {
        // Nothing served yet: requests waiting for this load end with an error now.
        const loading = serving;
        serving = createEngine();
        loading.terminate();
      }
      Object.assign(state, { loading: null, notice: 'Loading cancelled.' });
      emit();
    },
  };

  function cancelCandidate() {
    candidate?.terminate();
    candidate = null;
  }
}

/** An Engine that forwards every call to the engine serving at the time of the call. */
function forwardingEngine(current: () => Engine): Engine {
  return {
    load: (options, onEvent) => current().load(options, onEvent),
    ready: () => current().ready(),
    state: () => current().state(),
    tokenize: (text, options) => current().tokenize(text, options),
    applyChatTemplate: (messages, options) => current().applyChatTemplate(messages, options),
    generate: (request, options) => current().generate(request, options),
    pending: () => current().pending(),
    batchStats: () => current().batchStats(),
    idle: () => current().idle(),
    listCachedModels: () => current().listCachedModels(),
    deleteCachedModel: (modelId) => current().deleteCachedModel(modelId),
    terminate: () => current().terminate(),
  };
}
