import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { EngineError } from '../protocol/errors';
import type { ChatTemplateOptions, TemplateMessage, TokenSpan } from '../protocol/types';
import { type Piece, tokenSpans, type PieceScheme, type SpacePrefix, type UnicodeForm } from './byte-offsets';

/** Tokenize with TGI's byte offsets (see byte-offsets.ts) and TGI's special tokens (see `llamaSpecialTokens`). */
export function tokenize(tokenizer: PreTrainedTokenizer, text: string, addSpecialTokens: boolean): TokenSpan[] {
  const around = llamaSpecialTokens(tokenizer);
  const encoding = tokenizer._tokenizer.encode(text, { add_special_tokens: addSpecialTokens && !around });
  const added = tokenizer._tokenizer.get_added_tokens_decoder();
  let pieces: Piece[] = encoding.ids.map((id, i) => {
    const token = added.get(id);
    return { id, piece: encoding.tokens[i], added: token !== undefined, lstrip: token?.lstrip, rstrip: token?.rstrip };
  });
  if (addSpecialTokens && around) pieces = [...around.before, ...pieces, ...around.after];
  return tokenSpans(text, pieces, pieceScheme(tokenizer), spacePrefix(tokenizer), unicodeForm(tokenizer));
}

/**
 * TGI's router replaces the post-processor of a LlamaTokenizer(Fast), as transformers' LlamaTokenizerFast
 * does: BOS when `add_bos_token` (default true), EOS when `add_eos_token` (default false), whatever
 * tokenizer.json says. DeepSeek-V3's tokenizer.json adds no BOS, but TGI does; transformers.js follows
 * tokenizer.json. Null for other tokenizer classes.
 */
function llamaSpecialTokens(tokenizer: PreTrainedTokenizer): { before: Piece[]; after: Piece[] } | null {
  const config = (tokenizer as unknown as { _tokenizerConfig?: { tokenizer_class?: string } })._tokenizerConfig;
  if (config?.tokenizer_class !== 'LlamaTokenizer' && config?.tokenizer_class !== 'LlamaTokenizerFast') return null;
  const piece = (content: string | null | undefined, id: number | null | undefined): Piece[] =>
    content != null && id != null ? [{ id, piece: content, added: true }] : [];
  return {
    before: (tokenizer.add_bos_token ?? true) ? piece(tokenizer.bos_token, tokenizer.bos_token_id) : [],
    after: (tokenizer.add_eos_token ?? false) ? piece(tokenizer.eos_token, tokenizer.eos_token_id) : [],
  };
}

/** How this tokenizer's vocabulary spells bytes, read from its decoder/pre-tokenizer config. */
export function pieceScheme(tokenizer: PreTrainedTokenizer): PieceScheme {
  const json = JSON.stringify([tokenizer._tokenizerJSON?.decoder, tokenizer._tokenizerJSON?.pre_tokenizer]);
  if (json.includes('"ByteLevel"')) return 'byte-level';
  if (json.includes('"Metaspace"') || json.includes('\u2581')) return 'metaspace';
  return 'plain';
}

/**
 * The generated text as TGI returns it (its `decode_token` over the prompt's last id and the generated ones,
 * special tokens skipped): what the generated ids add to the prompt's last one. Decoded alone, the first
 * token would lose what only context gives it, e.g. a SentencePiece decoder strips its leading space
 * (Llama 2's "▁Hello" → "Hello"), which streaming keeps.
 */
export function generatedText(tokenizer: PreTrainedTokenizer, prompt: readonly number[], generated: number[]): string {
  const context = prompt.slice(-1);
  const options = { skip_special_tokens: true };
  const before = tokenizer.decode(context, options);
  return tokenizer.decode([...context, ...generated], options).slice(before.length);
}

interface TokenizerStep {
  type?: string;
  prepend?: string;
  prepend_scheme?: string;
  add_prefix_space?: boolean;
  normalizers?: TokenizerStep[];
  pretokenizers?: TokenizerStep[];
}

/** A normalizer or pre-tokenizer and, for a Sequence, every step inside it. */
function tokenizerSteps(step: TokenizerStep | null | undefined): TokenizerStep[] {
  return step ? [step, ...(step.normalizers ?? step.pretokenizers ?? []).flatMap(tokenizerSteps)] : [];
}

/** The Unicode normalization its normalizer applies, if any (Qwen's NFC). */
function unicodeForm(tokenizer: PreTrainedTokenizer): UnicodeForm | undefined {
  const json = tokenizer._tokenizerJSON as { normalizer?: TokenizerStep } | undefined;
  const forms: readonly string[] = ['NFC', 'NFD', 'NFKC', 'NFKD'];
  return tokenizerSteps(json?.normalizer).find((step) => forms.includes(step.type ?? ''))?.type as
    | UnicodeForm
    | undefined;
}

/** Where this tokenizer writes a "▁" of its own before the text, read from its normalizer and pre-tokenizer. */
export function spacePrefix(tokenizer: PreTrainedTokenizer): SpacePrefix {
  const json = tokenizer._tokenizerJSON as { normalizer?: TokenizerStep; pre_tokenizer?: TokenizerStep } | undefined;
  if (tokenizerSteps(json?.normalizer).some((s) => s.type === 'Prepend' && s.prepend === '\u2581')) return 'prepend';
  const metaspace = tokenizerSteps(json?.pre_tokenizer).find((s) => s.type === 'Metaspace');
  if (!metaspace) return 'never';
  // Older files say add_prefix_space instead of prepend_scheme.
  const scheme = metaspace.prepend_scheme ?? (metaspace.add_prefix_space === false ? 'never' : 'always');
  return scheme === 'first' || scheme === 'always' ? scheme : 'never';
}

/**
 * The template chats render ('' when the model has none): the tokenizer's, or of several named ones the
 * "default", tools or not, as TGI (transformers.js would take "tool_use" when tools are given).
 */
export function chatTemplateSource(tokenizer: PreTrainedTokenizer): string {
  const template: unknown = tokenizer.chat_template;
  if (typeof template === 'string') return template;
  if (Array.isArray(template)) return template.find((t: { name?: string }) => t.name === 'default')?.template ?? '';
  if (template && typeof template === 'object') return (template as Record<string, string>).default ?? '';
  return '';
}

/**
 * Render the model's chat template. To continue a final assistant message (TGI's rule),
 * render the conversation closed, then cut right after that message's content and trim
 * the end, so the model picks up mid-message instead of starting a new turn.
 */
export function applyChatTemplate(
  tokenizer: PreTrainedTokenizer,
  messages: TemplateMessage[],
  options: ChatTemplateOptions = {},
): string {
  const last = messages.at(-1);
  const continuing = Boolean(options.continueFinalMessage && last?.role === 'assistant');
  const template = chatTemplateSource(tokenizer);
  if (!template) throw new EngineError('template', 'template not found');
  let text: string;
  try {
    text = tokenizer.apply_chat_template(messages as never, {
      tokenize: false,
      add_generation_prompt: continuing ? false : (options.addGenerationPrompt ?? true),
      tools: options.tools as never,
      ...options.extra,
      chat_template: template,
    }) as string;
  } catch (error) {
    throw new EngineError('template', error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (!continuing || !last?.content) return text;
  const at = text.lastIndexOf(last.content);
  return at < 0 ? text : text.slice(0, at + last.content.length).trimEnd();
}
