/**
 * The tiny model's greedy rule: the next token depends only on the last token, so tests can assert exact text.
 *
 *   a..y → next letter, z → EOS      A..Y → next letter, Z → A (never stops)
 *   0..8 → next digit,  9 → space    anything else → a
 *
 * A merge token acts as its last byte ("he" → f), so the rule reads as "the last byte of the text decides"
 * whatever the tokenization; special tokens (BOS, role markers, …) and all other bytes are "anything else".
 */
import { specialId, tokenBytes, type Vocab } from './tokenizer';

const code = (c: string) => c.charCodeAt(0);

/** The token the tiny model predicts (greedily) after token `id`. */
export function ruleNext(vocab: Vocab, id: number): number {
  const bytes = tokenBytes(vocab, id);
  const last = bytes ? bytes[bytes.length - 1] : -1;
  if (last >= code('a') && last < code('z')) return last + 1;
  if (last === code('z')) return specialId(vocab, vocab.format.eos[0]);
  if (last >= code('A') && last < code('Z')) return last + 1;
  if (last === code('Z')) return code('A');
  if (last >= code('0') && last < code('9')) return last + 1;
  if (last === code('9')) return code(' ');
  return code('a');
}

/** Every token the rule can predict, in a fixed order (weights.ts gives each its own hidden dimension). */
export function ruleTargets(vocab: Vocab): number[] {
  return [...new Set(vocab.tokens.map((_, id) => ruleNext(vocab, id)))];
}
