import { EngineError, type EngineErrorKind, toEngineError } from '../protocol/errors';

/**
 * onnxruntime-web and the browser name two failures of a running model only in words: a lost GPU
 * device and memory that could not be had. They are born inside the runtime, so this is the first
 * place our code can name them; anything else becomes `fallback`.
 */
export function runtimeFailure(error: unknown, fallback: EngineErrorKind): EngineError {
  const typed = toEngineError(error, fallback);
  if (typed.kind !== fallback) return typed;
  const kind = runtimeKind(typed.message);
  if (!kind) return typed;
  const named = new EngineError(kind, typed.message, { cause: error });
  named.stack = typed.stack;
  return named;
}

function runtimeKind(message: string): EngineErrorKind | null {
  // GPUDevice.lost, Dawn's "Device was lost"/"device is lost", D3D's DXGI_ERROR_DEVICE_REMOVED.
  if (/device (?:was |is )?lost|DEVICE_REMOVED|DEVICE_HUNG/i.test(message)) return 'device_lost';
  // V8 ("Array buffer allocation failed"), Emscripten ("Cannot enlarge memory", "Out of memory"),
  // WebAssembly.Memory.grow, WebGPU buffer creation, onnxruntime ("Failed to allocate").
  if (/out of memory|allocation failed|Cannot enlarge memory|Memory\.grow|Failed to allocate|\bOOM\b/i.test(message)) {
    return 'out_of_memory';
  }
  return null;
}
