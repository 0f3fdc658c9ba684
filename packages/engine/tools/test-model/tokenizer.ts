/**
 * Byte-level BPE tokenizer files (tokenizer.json, tokenizer_config.json) in the Hugging Face format, so the
 * real tokenizer code of transformers.js (pre-tokenizer, merges, added tokens, post-processor, decoder,
 * chat template) runs in tests rather than a mock.
 *
 * Token id = byte value for the 256 byte tokens, then the merges, then the special tokens.
 */
import type { ModelSpec } from './config';
import { Random } from './random';

/** Special tokens, in id order after the byte and merge tokens. */
export const SPECIAL_TOKENS = ['<s>', '</s>', '<pad>', '<|system|>', '<|user|>', '<|assistant|>', '<|end|>'] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];
export const BOS = '<s>';
export const EOS = '</s>';
export const PAD = '<pad>';

/**
 * The chat template. It emits the BOS token itself (transformers.js tokenizes rendered chats without special
 * tokens), renders `tools` as a system block of JSON schemas, message content given as a string or as a list
 * of {type: 'text'} parts, and assistant `tool_calls` as JSON. Every tag trims the whitespace before it, so the
 * output does not depend on the renderer's trim_blocks/lstrip_blocks settings.
 */
export const CHAT_TEMPLATE = [
  '{{- bos_token }}',
  '{%- if tools %}',
  "    {{- '<|system|>\\nYou can call these tools:\\n' }}",
  '    {%- for tool in tools %}',
  "        {{- tool | tojson }}{{- '\\n' }}",
  '    {%- endfor %}',
  "    {{- '<|end|>\\n' }}",
  '{%- endif %}',
  '{%- for message in messages %}',
  "    {{- '<|' + message['role'] + '|>\\n' }}",
  "    {%- if message['content'] is string %}",
  "        {{- message['content'] }}",
  '    {%- else %}',
  "        {%- for part in message['content'] or [] %}",
  "            {%- if part['type'] == 'text' %}{{- part['text'] }}{%- endif %}",
  '        {%- endfor %}',
  '    {%- endif %}',
  "    {%- if message['tool_calls'] %}",
  "        {{- message['tool_calls'] | tojson }}",
  '    {%- endif %}',
  "    {{- '<|end|>\\n' }}",
  '{%- endfor %}',
  '{%- if add_generation_prompt %}',
  "    {{- '<|assistant|>\\n' }}",
  '{%- endif %}',
].join('\n');

/**
 * GPT-2's byte-to-unicode table: printable bytes stand for themselves, the others are shifted to U+0100…
 * so that every byte has a visible, non-whitespace character (space is 'Ġ', newline is 'Ċ').
 */
const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) table.push(String.fromCharCode(printable(b) ? b : 256 + shifted++));
  return table;
})();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

export interface Vocab {
  /** Token text by id: byte-level strings for byte and merge tokens, the literal text for special tokens. */
  tokens: string[];
  merges: [string, string][];
  /** Id of the first special token; ids below it are byte or merge tokens. */
  firstSpecialId: number;
}

export function specialId(vocab: Vocab, token: SpecialToken): number {
  return vocab.firstSpecialId + SPECIAL_TOKENS.indexOf(token);
}

/** The UTF-8 bytes a byte or merge token stands for (undefined for special tokens). */
export function tokenBytes(vocab: Vocab, id: number): number[] | undefined {
  if (id >= vocab.firstSpecialId) return undefined;
  return Array.from(vocab.tokens[id], (c) => CHAR_TO_BYTE.get(c)!);
}

/**
 * The tiny model's merges: few, but enough that common words use multi-byte tokens ("hello" is he|ll|o,
 * " the" is one token), so merge handling in the engine is exercised.
 */
const TINY_MERGES: [string, string][] = [
  ['h', 'e'],
  ['l', 'l'],
  ['i', 'n'],
  ['Ġ', 't'],
  ['Ġt', 'he'],
  ['e', 'r'],
  ['Ġ', 'a'],
  ['o', 'n'],
];

export function buildVocab(spec: ModelSpec): Vocab {
  const mergeCount = spec.vocabSize - 256 - SPECIAL_TOKENS.length;
  const merges = spec.weights === 'rule' ? TINY_MERGES : generatedMerges(mergeCount, new Random(`${spec.seed}/merges`));
  if (merges.length !== mergeCount) throw new Error(`${spec.name}: vocabSize needs ${mergeCount} merges, have ${merges.length}`);
  const tokens = [...BYTE_TO_CHAR, ...merges.map(([a, b]) => a + b), ...SPECIAL_TOKENS];
  if (new Set(tokens).size !== tokens.length) throw new Error(`${spec.name}: duplicate tokens`);
  return { tokens, merges, firstSpecialId: 256 + merges.length };
}

/**
 * Deterministic merges for a large vocabulary (the bench model's 32k ids), shaped like a real English BPE:
 * word-initial 'Ġx' tokens and letter pairs first, then random concatenations of a word piece and a lowercase
 * continuation (shorter, earlier tokens preferred), up to 10 characters. Every merge joins two existing tokens
 * into a new one, so every id decodes to text.
 */
function generatedMerges(count: number, random: Random): [string, string][] {
  const merges: [string, string][] = [];
  const known = new Set(BYTE_TO_CHAR);
  const lower = [...'abcdefghijklmnopqrstuvwxyz'];
  const letters = [...lower, ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
  const wordPieces = ['Ġ', ...letters];
  const continuations = [...lower];
  const add = (a: string, b: string) => {
    const token = a + b;
    if (merges.length === count || known.has(token)) return;
    known.add(token);
    merges.push([a, b]);
    wordPieces.push(token);
    if (/^[a-z]+$/.test(token)) continuations.push(token);
  };
  for (const l of letters) add('Ġ', l);
  for (const a of lower) for (const b of lower) add(a, b);
  // u² skews towards the start of each list, where the short, common pieces are.
  const pick = (list: string[]) => list[Math.floor(list.length * random.next() ** 2)];
  while (merges.length < count) {
    const a = pick(wordPieces);
    const b = pick(continuations);
    if (a.length + b.length <= 10) add(a, b);
  }
  return merges;
}

/** tokenizer.json, as the Rust `tokenizers` library writes it. */
export function tokenizerJson(vocab: Vocab): object {
  const bosId = specialId(vocab, BOS);
  const bos = (typeId: number) => ({ SpecialToken: { id: BOS, type_id: typeId } });
  const seq = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const modelVocab: Record<string, number> = {};
  for (let id = 0; id < vocab.firstSpecialId; id++) modelVocab[vocab.tokens[id]] = id;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: specialId(vocab, content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: {
      type: 'TemplateProcessing',
      single: [bos(0), seq('A', 0)],
      pair: [bos(0), seq('A', 0), bos(1), seq('B', 1)],
      special_tokens: { [BOS]: { id: BOS, ids: [bosId], tokens: [BOS] } },
    },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: modelVocab,
      merges: vocab.merges,
    },
  };
}

export function tokenizerConfigJson(spec: ModelSpec): object {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: BOS,
    eos_token: EOS,
    pad_token: PAD,
    // Decoded text must be byte-exact; the default clean-up would drop spaces before punctuation.
    clean_up_tokenization_spaces: false,
    model_max_length: spec.maxPositions,
    padding_side: 'left',
    chat_template: CHAT_TEMPLATE,
  };
}
