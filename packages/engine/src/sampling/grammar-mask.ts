/** The grammar's step in the processor chain: tokens the grammar forbids leave the distribution. */

/**
 * Set every id whose bit is clear in `allowed` (bit i of word i >> 5) to −Infinity. Ids past the
 * bitmask — a logits row padded beyond the tokenizer's vocabulary — are forbidden too.
 */
export function applyGrammarMask(scores: Float32Array, allowed: Int32Array): void {
  const covered = Math.min(scores.length, allowed.length * 32);
  for (let word = 0; word * 32 < covered; word++) {
    const bits = allowed[word];
    if (bits === -1) continue;
    const end = Math.min(covered, word * 32 + 32);
    for (let id = word * 32; id < end; id++) if (((bits >>> (id & 31)) & 1) === 0) scores[id] = -Infinity;
  }
  scores.fill(-Infinity, covered);
}
