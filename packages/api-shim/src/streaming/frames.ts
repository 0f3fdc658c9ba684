/**
 * From generation steps to SSE frames: each step's events through the route's encoder, or — when the
 * generation fails (validation, overload, engine error) — the error event of that stream shape. Once
 * the client has gone nothing more is written.
 */
import { ApiError } from '../errors/errors';
import type { Step } from '../generation/run';
import type { SseEncoder } from './encoders';

export async function* framesOf<E, S = Step>(
  steps: AsyncIterable<S>,
  encoder: SseEncoder<E>,
  shape: (step: S) => E[],
  signal: AbortSignal,
): AsyncGenerator<string, void, undefined> {
  try {
    for await (const step of steps) {
      for (const event of shape(step)) yield encoder.event(event);
    }
  } catch (error) {
    if (signal.aborted) return;
    if (error instanceof ApiError) yield encoder.error(error);
    else throw error;
  }
}
