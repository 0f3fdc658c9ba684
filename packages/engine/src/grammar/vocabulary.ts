/**
 * The tokenizer facts xgrammar needs, derived from any transformers.js tokenizer: every id's raw
 * bytes, spelled in GPT-2's byte-level alphabet whatever the tokenizer's own scheme (byte-level,
 * SentencePiece metaspace with `<0xNN>` byte fallback, or plain), so xgrammar always gets
 * `vocab_type: byte_level` and exact bytes, including pieces that are not valid UTF-8 alone.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { byteLevelPiece, pieceBytes } from '../tokenizer/byte-offsets';
import { pieceScheme } from '../tokenizer/text';

export interface GrammarVocabulary {
  /** One byte-level piece per id of the logits row; '' marks a token no grammar may produce. */
  encodedVocab: string[];
  /** Allowed (only) once the grammar can end. */
  stopTokenIds: number[];
}

/**
 * `vocabSize` is the logits row's length, which may exceed the tokenizer's vocabulary (padded
 * embeddings): the extra ids get '' and are never allowed. Special tokens get '' too — xgrammar
 * treats an empty piece as special — so `<|user|>` can never be emitted as the text it spells.
 */
export function grammarVocabulary(
  tokenizer: PreTrainedTokenizer,
  vocabSize: number,
  specialIds: ReadonlySet<number>,
  eosIds: ReadonlySet<number>,
): GrammarVocabulary {
  const scheme = pieceScheme(tokenizer);
  const added = tokenizer._tokenizer.get_added_tokens_decoder();
  const encodedVocab = new Array<string>(vocabSize).fill('');
  for (const [piece, id] of tokenizer.get_vocab()) {
    if (id >= vocabSize || specialIds.has(id)) continue;
    const content = added.get(id)?.content;
    encodedVocab[id] = byteLevelPiece(content === undefined ? pieceBytes(piece, scheme) : utf8.encode(content));
  }
  return { encodedVocab, stopTokenIds: [...eosIds].filter((id) => id < vocabSize) };
}

const utf8 = new TextEncoder();
