import type { PreTrainedTokenizer } from '@huggingface/transformers';

/** Per tokenizer: the text of each single id decoded so far. */
const singles = new WeakMap<PreTrainedTokenizer, Map<number, string>>();

/**
 * Ids to text WITHOUT skipping special tokens (TGI's token texts include them, e.g. "</s>").
 * A single id's text depends on that id alone, and streaming asks for it every token (the
 * detokenizer's next window is usually the one id it just emitted; top-n alternatives are single
 * ids too): those are remembered per tokenizer, at most one string per vocabulary entry, so a
 * row of a decode step runs one tokenizer decode, not two.
 */
export function rawDecoder(tokenizer: PreTrainedTokenizer): (ids: number[]) => string {
  let memo = singles.get(tokenizer);
  if (!memo) singles.set(tokenizer, (memo = new Map()));
  const texts = memo;
  return (ids) => {
    if (ids.length !== 1) return tokenizer.decode(ids, { skip_special_tokens: false });
    let text = texts.get(ids[0]);
    if (text === undefined) texts.set(ids[0], (text = tokenizer.decode(ids, { skip_special_tokens: false })));
    return text;
  };
}
