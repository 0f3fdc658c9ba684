/**
 * Byte-level BPE tokenizer files (tokenizer.json, tokenizer_config.json) in the Hugging Face format, so the
 * real tokenizer code of transformers.js (pre-tokenizer, merges, added tokens, post-processor, decoder,
 * chat template) runs in tests rather than a mock.
 *
 * Token id = byte value for the 256 byte tokens, then the merges, then the special tokens.
 */
import type { ModelSpec } from './config';
import { Random } from './random';

/**
 * The special tokens and chat format of a test model. Two are built, so that tests see the engine and
 * shim cope with more than one convention: the tagged one (a BOS added to every input, one EOS) and
 * ChatML (no BOS, two EOS ids, the template Qwen-style models use).
 */
export interface ChatFormat {
  /** In id order after the byte and merge tokens. */
  specials: readonly string[];
  /** Added in front of every tokenized input by the post-processor; null: nothing is added. */
  bos: string | null;
  /** End-of-sequence tokens: the first is the tokenizer's `eos_token` (the rule's `z → EOS`); all stop a generation. */
  eos: readonly string[];
  pad: string;
  template: string;
}

/**
 * Jinja lines that write a message's content, given as a string or as a list of {type: 'text'} parts
 * (joined), indented by `indent`.
 */
function messageContent(indent: string): string[] {
  return [
    "{%- if message['content'] is string %}",
    "    {{- message['content'] }}",
    '{%- else %}',
    "    {%- for part in message['content'] or [] %}",
    "        {%- if part['type'] == 'text' %}{{- part['text'] }}{%- endif %}",
    '    {%- endfor %}',
    '{%- endif %}',
  ].map((line) => indent + line);
}

/**
 * The tagged format. Its template emits the BOS token itself (transformers.js tokenizes rendered chats without
 * special tokens), renders `tools` as a system block of JSON schemas, message content given as a string or as a
 * list of {type: 'text'} parts, and assistant `tool_calls` as JSON. Every tag trims the whitespace before it, so
 * the output does not depend on the renderer's trim_blocks/lstrip_blocks settings.
 */
export const TAGGED: ChatFormat = {
  specials: ['<s>', '</s>', '<pad>', '<|system|>', '<|user|>', '<|assistant|>', '<|end|>'],
  bos: '<s>',
  eos: ['</s>'],
  pad: '<pad>',
  template: [
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
    ...messageContent('    '),
    "    {%- if message['tool_calls'] %}",
    "        {{- message['tool_calls'] | tojson }}",
    '    {%- endif %}',
    "    {{- '<|end|>\\n' }}",
    '{%- endfor %}',
    '{%- if add_generation_prompt %}',
    "    {{- '<|assistant|>\\n' }}",
    '{%- endif %}',
  ].join('\n'),
};

/**
 * ChatML, as Qwen-style models write it: no BOS, `<|im_end|>` ends a turn and `<|endoftext|>` a document
 * (both are EOS ids in generation_config.json), tools listed in a system turn inside `<tools>` tags, an
 * assistant's tool calls as `<tool_call>` JSON blocks, and the system turn placed first.
 */
export const CHATML: ChatFormat = {
  specials: ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<tool_call>', '</tool_call>'],
  bos: null,
  eos: ['<|im_end|>', '<|endoftext|>'],
  pad: '<|endoftext|>',
  template: [
    '{%- if tools %}',
    "    {{- '<|im_start|>system\\n' }}",
    "    {%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] + '\\n\\n' }}{%- endif %}",
    "    {{- '# Tools\\n<tools>' }}",
    "    {%- for tool in tools %}{{- '\\n' + (tool | tojson) }}{%- endfor %}",
    "    {{- '\\n</tools><|im_end|>\\n' }}",
    "{%- elif messages[0]['role'] == 'system' %}",
    "    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}",
    '{%- endif %}',
    '{%- for message in messages %}',
    "    {%- if not (message['role'] == 'system' and loop.first) %}",
    "        {{- '<|im_start|>' + message['role'] + '\\n' }}",
    ...messageContent('        '),
    "        {%- for call in message['tool_calls'] or [] %}",
    "            {{- '<tool_call>\\n' + (call['function'] | tojson) + '\\n</tool_call>' }}",
    '        {%- endfor %}',
    "        {{- '<|im_end|>\\n' }}",
    '    {%- endif %}',
    '{%- endfor %}',
    '{%- if add_generation_prompt %}',
    "    {{- '<|im_start|>assistant\\n' }}",
    '{%- endif %}',
  ].join('\n'),
};

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
  format: ChatFormat;
  /** Token text by id: byte-level strings for byte and merge tokens, the literal text for special tokens. */
  tokens: string[];
  merges: [string, string][];
  /** Id of the first special token; ids below it are byte or merge tokens. */
  firstSpecialId: number;
}

export function specialId(vocab: Vocab, token: string): number {
  const index = vocab.format.specials.indexOf(token);
  if (index < 0) throw new Error(`${token} is not a special token of this format`);
  return vocab.firstSpecialId + index;
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
  const { specials } = spec.chat;
  const mergeCount = spec.vocabSize - 256 - specials.length;
  const merges = spec.weights === 'rule' ? TINY_MERGES : generatedMerges(mergeCount, new Random(`${spec.seed}/merges`));
  if (merges.length !== mergeCount)
    throw new Error(`${spec.name}: vocabSize needs ${mergeCount} merges, have ${merges.length}`);
  const tokens = [...BYTE_TO_CHAR, ...merges.map(([a, b]) => a + b), ...specials];
  if (new Set(tokens).size !== tokens.length) throw new Error(`${spec.name}: duplicate tokens`);
  return { format: spec.chat, tokens, merges, firstSpecialId: 256 + merges.length };
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
  const { specials, bos } = vocab.format;
  const seq = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const modelVocab: Record<string, number> = {};
  for (let id = 0; id < vocab.firstSpecialId; id++) modelVocab[vocab.tokens[id]] = id;
  const bosToken = (token: string) => (typeId: number) => ({ SpecialToken: { id: token, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({
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
    post_processor: bos
      ? {
          type: 'TemplateProcessing',
          single: [bosToken(bos)(0), seq('A', 0)],
          pair: [bosToken(bos)(0), seq('A', 0), bosToken(bos)(1), seq('B', 1)],
          special_tokens: { [bos]: { id: bos, ids: [specialId(vocab, bos)], tokens: [bos] } },
        }
      : null,
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
    bos_token: spec.chat.bos,
    eos_token: spec.chat.eos[0],
    pad_token: spec.chat.pad,
    // Decoded text must be byte-exact; the default clean-up would drop spaces before punctuation.
    clean_up_tokenization_spaces: false,
    model_max_length: spec.maxPositions,
    padding_side: 'left',
    chat_template: spec.chat.template,
  };
}
