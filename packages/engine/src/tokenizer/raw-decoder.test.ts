import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { rawDecoder } from './raw-decoder';

/** A tokenizer whose decode spells ids out and counts its calls (only `decode` is used). */
function countingTokenizer() {
  const calls: { ids: number[]; options: unknown }[] = [];
  const tokenizer = {
    decode: (ids: number[], options: unknown) => {
      calls.push({ ids: [...ids], options });
      return ids.map((id) => `<${id}>`).join('');
    },
  } as unknown as PreTrainedTokenizer;
  return { tokenizer, calls };
}

describe('rawDecoder', () => {
  it('decodes without skipping special tokens, each single id once per tokenizer', () => {
    const { tokenizer, calls } = countingTokenizer();
    const decode = rawDecoder(tokenizer);
    expect(decode([7])).toBe('<7>');
    expect(decode([7])).toBe('<7>');
    // Another sequence on the same tokenizer shares the texts.
    expect(rawDecoder(tokenizer)([7])).toBe('<7>');
    expect(calls).toEqual([{ ids: [7], options: { skip_special_tokens: false } }]);
  });

  it('decodes several ids every time (their text depends on the neighbours)', () => {
    const { tokenizer, calls } = countingTokenizer();
    const decode = rawDecoder(tokenizer);
    expect(decode([1, 2])).toBe('<1><2>');
    expect(decode([1, 2])).toBe('<1><2>');
    expect(calls.length).toBe(2);
    expect(rawDecoder(countingTokenizer().tokenizer)([1])).toBe('<1>');
  });
});
