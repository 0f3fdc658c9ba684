/**
 * TGI's response headers: the timing and size headers of a finished generation, and those of a stream.
 */
import type { Device } from '../engine';
import type { GenerationResult } from '../generation/run';

/** TGI counts `inputs.chars()`: Unicode scalar values, not UTF-16 units. */
export function computeCharacters(inputs: string): number {
  let n = 0;
  for (const _ of inputs) n++;
  return n;
}

/** The integer headers of one generation (milliseconds truncated, as Rust's `as_millis`). */
export interface GenerationHeaderValues {
  'x-compute-characters': number;
  'x-total-time': number;
  'x-validation-time': number;
  'x-queue-time': number;
  'x-inference-time': number;
  'x-time-per-token': number;
  'x-prompt-tokens': number;
  'x-generated-tokens': number;
}

export function generationHeaderValues(result: GenerationResult): GenerationHeaderValues {
  const t = result.timing;
  return {
    'x-compute-characters': computeCharacters(result.request.inputs),
    'x-total-time': Math.floor(t.totalMs),
    'x-validation-time': Math.floor(t.validationMs),
    'x-queue-time': Math.floor(t.queueMs),
    'x-inference-time': Math.floor(t.inferenceMs),
    'x-time-per-token': Math.floor(t.timePerTokenMs),
    'x-prompt-tokens': result.request.inputLength,
    'x-generated-tokens': result.finish.generatedTokens,
  };
}

export function headersOf(device: Device, values: Partial<GenerationHeaderValues>): Headers {
  const headers = new Headers({ 'x-compute-type': device });
  for (const [name, value] of Object.entries(values)) headers.set(name, String(value));
  return headers;
}

/** Headers of a non-streamed generation; `x-compute-time` is the total in (fractional) seconds. */
export function generationHeaders(device: Device, result: GenerationResult): Headers {
  const headers = headersOf(device, generationHeaderValues(result));
  headers.set('x-compute-time', String(result.timing.totalMs / 1000));
  return headers;
}

export function streamHeaders(device: Device, computeCharacters: number): Headers {
  return new Headers({
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-compute-type': device,
    'x-compute-characters': String(computeCharacters),
    // Asks proxies not to buffer the stream (TGI sends it too).
    'x-accel-buffering': 'no',
  });
}
