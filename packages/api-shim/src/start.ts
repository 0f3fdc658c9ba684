import { createEngine, type CreateEngineOptions, type Engine } from '@inpage/engine';
import { installShim, type Shim, type ShimOptions } from './intercept/install';

export interface StartInpageOptions extends Omit<ShimOptions, 'engine'>, Omit<CreateEngineOptions, 'model'> {
  /** Hub id or the URL of a transformers.js-compatible model folder. */
  model: string;
}

export interface Inpage {
  engine: Engine;
  shim: Shim;
  /** Uninstall the shim and shut the engine's worker down (a shared one: leave it to the other tabs). */
  stop(): void;
}

/**
 * One call to embed: starts the engine on `model` and answers TGI's API under `baseUrl` in this page.
 * Requests made before the model is loaded wait for it; `engine.ready()` says when it is.
 * With `sharedWorker: name`, the engine is the origin's one in that SharedWorker: every tab that
 * starts inpage with the same name serves its own page from one copy of the model.
 */
export function startInpage(options: StartInpageOptions): Inpage {
  const { model, dtype, device, onLoadEvent, sharedWorker, ...shimOptions } = options;
  const engine = createEngine({ model, dtype, device, onLoadEvent, sharedWorker });
  const shim = installShim({ ...shimOptions, engine });
  return {
    engine,
    shim,
    stop() {
      shim.uninstall();
      engine.terminate();
    },
  };
}
