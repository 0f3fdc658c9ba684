/**
 * Waiting for the model. TGI is never asked before its model is loaded; in a page it is, and
 * `@huggingface/inference` retries 503s forever, so requests wait for the load instead (only
 * `/health` reports "not ready"). A failed load is a generation error that says why.
 */
import type { ShimContext } from '../context';
import type { ModelInfo } from '../engine';
import { ApiError, errorMessage, isAbortError } from '../errors/errors';

/** Rejects with the signal's reason as soon as it aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export async function modelReady(ctx: ShimContext, signal?: AbortSignal): Promise<ModelInfo> {
  try {
    return await untilAborted(ctx.engine.ready(), signal);
  } catch (error) {
    if (isAbortError(error) || signal?.aborted) throw error;
    // A failed load says so; anything else (e.g. no model was ever loaded) speaks for itself.
    const failedLoad = ctx.engine.state().state === 'failed';
    const detail = failedLoad ? `the model failed to load: ${errorMessage(error)}` : errorMessage(error);
    throw ctx.fail(new ApiError('generation', detail));
  }
}
