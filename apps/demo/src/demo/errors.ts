import { type EngineErrorKind, isEngineError, type LoadWarningKind } from '@inpage/engine';

/**
 * The engine's errors and warnings, said so a person knows what to do next. They are told apart by
 * the kind the engine gave them where they were born, never by their words; the original message is
 * kept for the details line.
 */
export interface Explained {
  title: string;
  advice: string;
  detail: string;
}

type Advice = Omit<Explained, 'detail'>;

const byKind: Partial<Record<EngineErrorKind | LoadWarningKind, Advice>> = {
  not_loaded: {
    title: 'No model is ready',
    advice: 'Load a model in the Model panel first; requests wait while one is loading.',
  },
  unsupported_device: {
    title: 'This device cannot run the model',
    advice:
      'Choose “Auto” or “WASM” as the device. WebGPU needs a browser that has it (Chrome or Edge 113+, Safari 26+); ' +
      'q4f16/fp16 weights also need the GPU’s shader-f16 feature, so a q4 or fp32 variant may run where they do not.',
  },
  storage_full: {
    title: 'Not enough storage',
    advice: 'The browser refused to store the weights. Delete cached models below, free disk space, or pick a smaller model.',
  },
  network: {
    title: 'The download failed',
    advice: 'Check the network connection and try again. A model you loaded before runs offline from the cache.',
  },
  model_not_found: {
    title: 'No model transformers.js can load at that address',
    advice:
      'Check the hub id or folder URL. A model needs config.json, a tokenizer and ONNX weights (onnx/model*.onnx); those under huggingface.co/onnx-community have them.',
  },
  unsupported_architecture: {
    title: 'This model is not supported',
    advice: 'transformers.js cannot run this architecture for text generation. Pick one from the list.',
  },
  invalid_source: {
    title: 'That is not a model',
    advice: 'Enter a hub id such as “onnx-community/Qwen2.5-0.5B-Instruct” or the URL of a model folder.',
  },
  out_of_memory: {
    title: 'Out of memory',
    advice: 'The model did not fit. Pick a smaller model or a smaller dtype (q4), close other tabs, and try again.',
  },
  device_lost: {
    title: 'The GPU stopped',
    advice: 'The GPU device was lost (a driver reset, or the system took it back). Load the model again, or run it on WASM.',
  },
  terminated: {
    title: 'The engine stopped',
    advice: 'Reload the page to start it again.',
  },
  dtype_fallback: {
    title: 'Other weights were loaded',
    advice: 'The folder has no weights of the default precision, so another one that it has is used.',
  },
};

const unknown: Advice = { title: 'Something went wrong', advice: 'Try again, or reload the page.' };

export function explain(error: unknown): Explained {
  const detail = error instanceof Error ? error.message : String(error);
  const advice = (isEngineError(error) && byKind[error.kind]) || unknown;
  return { ...advice, detail };
}

/** A load warning (it does not stop the load). */
export function explainWarning(warning: { kind: LoadWarningKind; message: string }): Explained {
  return { ...(byKind[warning.kind] ?? unknown), detail: warning.message };
}
