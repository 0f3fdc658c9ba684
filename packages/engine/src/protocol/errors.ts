/**
 * The engine's one error type. Its `kind` is chosen where the error is born (the loader, the
 * grammar compiler, the weight cache, the scheduler), crosses the worker boundary as data, and is
 * what every layer above switches on: the shim's error table, the demo's advice. Messages are
 * for people and may change; kinds may not.
 */
export type EngineErrorKind =
  /** A call that needs a model came before any load. */
  | 'not_loaded'
  /** The model source is neither a hub id nor a folder URL. */
  | 'invalid_source'
  /** No loadable model at that address (a 404, or no ONNX weights where transformers.js looks). */
  | 'model_not_found'
  /** A download failed: offline, refused, cut. */
  | 'network'
  /** transformers.js cannot run this architecture for text generation. */
  | 'unsupported_architecture'
  /** The device cannot run this model: WebGPU asked for but missing, or a GPU feature (shader-f16) missing. */
  | 'unsupported_device'
  /** The browser refused to store weights (quota). */
  | 'storage_full'
  /** Any other load failure. */
  | 'load'
  /** The chat template failed to render these messages. */
  | 'template'
  /** The grammar (JSON Schema, regex) does not compile. */
  | 'grammar'
  /** The caller aborted the generation. */
  | 'aborted'
  /** The GPU device was lost (driver reset, another tab, power) during a run. */
  | 'device_lost'
  /** The runtime could not allocate memory (wasm heap or GPU buffers). */
  | 'out_of_memory'
  /** Any other failure during a generation. */
  | 'generation'
  /** The engine was shut down, or its worker never started: it cannot be used any more. */
  | 'terminated'
  /** A failure nobody named: a bug. */
  | 'internal';

export class EngineError extends Error {
  readonly kind: EngineErrorKind;

  constructor(kind: EngineErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    // An abort keeps the platform's name, so code that knows only `AbortError` still recognises it.
    this.name = kind === 'aborted' ? 'AbortError' : 'EngineError';
  }
}

export function isEngineError(error: unknown): error is EngineError {
  return error instanceof EngineError;
}

/**
 * An error as it crosses the worker boundary (structured clone keeps no class): what the other
 * side needs to rebuild it, the worker's stack included.
 */
export interface WireError {
  kind: EngineErrorKind;
  message: string;
  stack?: string;
}

/** Any thrown value as an EngineError; an unnamed one gets `fallback` (an AbortError stays `aborted`). */
export function toEngineError(error: unknown, fallback: EngineErrorKind = 'internal'): EngineError {
  if (error instanceof EngineError) return error;
  const named = error instanceof Error || error instanceof DOMException;
  const kind = named && error.name === 'AbortError' ? 'aborted' : fallback;
  const typed = new EngineError(kind, named ? error.message : String(error), { cause: error });
  if (named && error.stack) typed.stack = error.stack;
  return typed;
}

export function toWire(error: unknown, fallback?: EngineErrorKind): WireError {
  const { kind, message, stack } = toEngineError(error, fallback);
  return { kind, message, stack };
}

export function fromWire({ kind, message, stack }: WireError): EngineError {
  const error = new EngineError(kind, message);
  if (stack) error.stack = stack;
  return error;
}
