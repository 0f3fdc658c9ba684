import { type EnginePlacement, hostEngineOnce, installShim } from '@inpage/api-shim';
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

/** What the tab hosting the engine serves, as its `GET /info` says. */
export type RemoteModel = Pick<ModelInfo, 'modelId' | 'device' | 'deviceReason' | 'dtype'>;

export interface SessionState {
  /**
   * `host`: the engine runs in this tab. `shared`: in the origin's SharedWorker, reached by every
   * tab (tabs on the same model share it). `guest`: another tab of the origin hosts it, and this
   * tab's requests reach it through the Service Worker.
   */
  role: 'host' | 'shared' | 'guest';
  /** The model the shim answers with now (null until one is loaded, and in a guest). */
  serving: ModelInfo | null;
  /** In a guest: what the hosting tab serves (null until it answers). */
  remote: RemoteModel | null;
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
  state(): SessionState;
  load(request: LoadRequest): void;
  cancel(): void;
  /** The serving engine, for the weight cache's list and delete (only in the host). */
  engine(): Engine;
  subscribe(listener: (state: SessionState) => void): void;
}

export interface SessionOptions {
  /**
   * One engine per origin (hostEngineOnce): in a SharedWorker where it costs no speed, else the
   * tabs elect one host; the others load no model and use the host's through the Service Worker,
   * and one of them takes over when the host closes. Needs the Service Worker (src/sw.ts), so only
   * in a build.
   */
  shareAcrossTabs: boolean;
  /** Where the engine lives (hostEngineOnce's `host`; `?host=` in the demo's address). */
  host?: 'auto' | 'shared-worker' | 'leader-tab';
  /** The device the first load asks for (hostEngineOnce's `device`: WASM keeps a leader tab's threads). */
  device?: Device | 'auto';
}

/**
 * The demo's one engine and one shim. The shim is installed once, over an engine that forwards to
 * whichever real engine currently serves, so clients built earlier (they capture `fetch`) keep
 * working across model changes. A new model loads in a new engine while the old one keeps
 * serving; it takes over when ready, and the old one is shut down once its requests in flight
 * have finished (a swap never cuts a running answer). Cancelling a load terminates its engine,
 * since the engine has no way to stop a load (createEngine is cheap).
 *
 * Resolves once the tab's role is known; call `load` then, before anything asks the shim. In a
 * guest, `load` only records what to load on a takeover.
 */
export function createSession(baseUrl: string, options: SessionOptions): Promise<Session> {
  let serving: Engine | null = null;
  let candidate: Engine | null = null;
  let attempt = 0;
  let wanted: LoadRequest | null = null;
  let placement: EnginePlacement = {};
  /**
   * A new engine for `request`. In a SharedWorker, each model has its own (named after it): tabs
   * on the same model share one engine, and a model change loads beside the one serving, as here.
   */
  const engineFor = (request: LoadRequest) =>
    createEngine(
      placement.sharedWorker === undefined ? {} : { sharedWorker: `${placement.sharedWorker} ${request.model}|${request.dtype ?? ''}|${request.device ?? ''}` },
    );
  const listeners: ((state: SessionState) => void)[] = [];
  const state: SessionState = { role: 'host', serving: null, remote: null, loading: null, error: null, warnings: [], notice: null };
  const emit = () => listeners.forEach((listener) => listener(state));
  const current = () => {
    if (!serving) throw new Error('Another tab of this app hosts the engine.');
    return serving;
  };

  const replaceServing = (next: Engine) => {
    if (next === serving) return;
    const old = serving;
    serving = next;
    void old?.idle().then(() => old.terminate());
  };

  const session: Session = {
    baseUrl,
    state: () => state,
    engine: current,
    subscribe: (listener) => void listeners.push(listener),
    load,
    cancel,
  };

  // No engine until the first load(), which the page makes before anything asks the shim.
  if (!options.shareAcrossTabs) {
    installShim({ baseUrl, engine: forwardingEngine(current) });
    return Promise.resolve(session);
  }
  return new Promise((resolve) => {
    hostEngineOnce({
      baseUrl,
      host: options.host,
      device: options.device,
      createEngine: (where) => {
        placement = where;
        return forwardingEngine(current);
      },
      onHost: ({ kind }) => {
        // A takeover serves on what the old host served (its weights are in the shared cache).
        const remote = state.remote;
        const request = remote && wanted ? { model: remote.modelId, dtype: remote.dtype, device: wanted.device } : wanted;
        Object.assign(state, { role: kind === 'shared-worker' ? 'shared' : 'host', remote: null });
        if (request) load(request);
        else emit();
        resolve(session);
      },
      onGuest: () => {
        state.role = 'guest';
        resolve(session);
        void followHost();
        document.addEventListener('visibilitychange', () => {
          if (document.visibilityState === 'visible' && state.role === 'guest') void followHost();
        });
      },
    });
  });

  /** A guest shows what the host serves: its `GET /info`, through the Service Worker. */
  async function followHost() {
    const container = navigator.serviceWorker;
    if (!container.controller) await new Promise((done) => container.addEventListener('controllerchange', done, { once: true }));
    try {
      const response = await fetch(`${baseUrl}/info`);
      const info = (await response.json()) as { model_id?: string; device?: Device; device_reason?: string; dtype?: Dtype };
      if (!response.ok || !info.model_id || state.role !== 'guest') return;
      state.remote = { modelId: info.model_id, device: info.device!, deviceReason: info.device_reason!, dtype: info.dtype! };
    } catch (error) {
      if (state.role === 'guest') state.error = error;
    }
    if (state.role === 'guest') emit();
  }

  function load(request: LoadRequest) {
    wanted = request;
    if (state.role === 'guest') return;
    cancelCandidate();
    const id = ++attempt;
    const engine = engineFor(request);
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
  }

  function cancel() {
    if (!state.loading) return;
    attempt++;
    if (candidate) cancelCandidate();
    else {
      // Nothing served yet: requests waiting for this load end with an error now.
      const loading = current();
      // (An engine of its own, never a shared one: that would keep the cancelled load alive.)
      serving = createEngine();
      loading.terminate();
    }
    Object.assign(state, { loading: null, notice: 'Loading cancelled.' });
    emit();
  }

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
