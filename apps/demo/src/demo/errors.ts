/**
 * The engine's and the browser's errors, said so a person knows what to do next. The original
 * message is kept for the details line.
 */
export interface Explained {
  title: string;
  advice: string;
  detail: string;
}

const rules: { test: RegExp; title: string; advice: string }[] = [
  {
    test: /No model is loaded|model failed to load/i,
    title: 'No model is ready',
    advice: 'Load a model in the Model panel first; requests wait while one is loading.',
  },
  {
    test: /WebGPU was requested but is not available/i,
    title: 'WebGPU is not available in this browser',
    advice: 'Choose “Auto” or “WASM” as the device, or use a browser with WebGPU (Chrome or Edge 113+, Safari 26+).',
  },
  {
    test: /shader-f16|float16|f16 is not supported/i,
    title: 'This GPU cannot run 16-bit weights',
    advice: 'The model’s q4f16/fp16 weights need the shader-f16 feature. Pick a q4 or fp32 variant, or run it on WASM.',
  },
  {
    test: /Not enough storage|QuotaExceeded|quota/i,
    title: 'Not enough storage',
    advice: 'The browser refused to store the weights. Delete cached models below, free disk space, or pick a smaller model.',
  },
  {
    test: /network request failed|Failed to fetch|NetworkError|ERR_INTERNET_DISCONNECTED/i,
    title: 'The download failed',
    advice: 'Check the network connection and try again. A model you loaded before runs offline from the cache.',
  },
  {
    test: /no ONNX weights|Could not locate file|404|not found/i,
    title: 'No model transformers.js can load at that address',
    advice: 'Check the hub id or folder URL. A model needs config.json, a tokenizer and ONNX weights (onnx/model*.onnx); those under huggingface.co/onnx-community have them.',
  },
  {
    test: /not a text-generation model|Unsupported model type|not supported/i,
    title: 'This model is not supported',
    advice: 'transformers.js cannot run this architecture for text generation. Pick one from the list.',
  },
  {
    test: /No model given|not a model folder URL/i,
    title: 'That is not a model',
    advice: 'Enter a hub id such as “onnx-community/Qwen2.5-0.5B-Instruct” or the URL of a model folder.',
  },
];

export function explain(error: unknown): Explained {
  const detail = error instanceof Error ? error.message : String(error);
  const rule = rules.find((r) => r.test.test(detail));
  return rule
    ? { title: rule.title, advice: rule.advice, detail }
    : { title: 'Something went wrong', advice: 'Try again, or reload the page.', detail };
}
