import { describe, expect, it } from 'vitest';
import { catalogue } from './catalogue';

/** The files transformers.js requests for a causal LM at a dtype (its `model{suffix}.onnx` naming). */
const SUFFIX: Record<string, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4', q4f16: '_q4f16', bnb4: '_bnb4' };
const requested = (dtype: string) =>
  new Set(['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/model${SUFFIX[dtype]}.onnx`]);

describe('catalogue', () => {
  it.each(catalogue.filter((entry) => entry.files).map((entry) => [`${entry.id} ${entry.dtype}`, entry] as const))(
    '%s: lists only files its dtype requests, the weights among them, and sums them',
    (_, entry) => {
      const files = Object.keys(entry.files!);
      for (const file of files) expect(requested(entry.dtype)).toContain(file);
      expect(files).toContain(`onnx/model${SUFFIX[entry.dtype]}.onnx`);
      expect(entry.sizeBytes).toBe(Object.values(entry.files!).reduce((a, b) => a + b, 0));
    },
  );
});
