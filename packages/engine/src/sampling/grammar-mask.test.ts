import { describe, expect, it } from 'vitest';
import { applyGrammarMask } from './grammar-mask';

describe('applyGrammarMask', () => {
  it('keeps the ids whose bit is set, across words, and forbids ids past the mask', () => {
    const scores = new Float32Array(70).fill(1);
    // Word 0 allows ids 0 and 31; word 1 allows everything (32–63); ids 64–69 are not covered.
    applyGrammarMask(scores, Int32Array.of(1 | (1 << 31), -1));
    const kept = [...scores.keys()].filter((id) => scores[id] === 1);
    expect(kept).toEqual([0, 31, ...Array.from({ length: 32 }, (_, i) => 32 + i)]);
  });
});
