/**
 * One request's grammar state: which tokens may come next, and the tokens that did come.
 * xgrammar's matcher answers with a bitmask (bit i of word i >> 5 set = id i allowed), which the
 * sampler applies to the logits (`sampling/grammar-mask.ts`).
 */
import type { GrammarSpec } from '../protocol/types';
import { type GrammarModel, grammarsFor } from './compile';
import { loadXgrammar, type GrammarMatcher } from './xgrammar';

export interface GrammarConstraint {
  /** The allowed ids of the next step, as a bitmask over the vocabulary. */
  allowed(): Promise<Int32Array>;
  /** Advance past a token the mask allowed. */
  accept(id: number): void;
  /** Free the matcher (wasm memory). */
  dispose(): void;
}

/** Compile (or reuse) the grammar and start a matcher. Rejects with a `grammar` EngineError for a bad grammar. */
export async function createGrammarConstraint(model: GrammarModel, spec: GrammarSpec): Promise<GrammarConstraint> {
  const grammars = await grammarsFor(model);
  const compiled = await grammars.compile(spec);
  const xg = await loadXgrammar();
  const matcher: GrammarMatcher = await xg.GrammarMatcher.createGrammarMatcher(compiled, [...grammars.stopTokenIds]);
  const { vocabSize } = grammars;
  return {
    async allowed() {
      const bits = await matcher.getNextTokenBitmask();
      // The last word's bits past the vocabulary are not forbidden by xgrammar: clear them, so the
      // mask alone says what is allowed (the sampler forbids every id the mask does not cover).
      if (vocabSize % 32 !== 0) bits[bits.length - 1] &= (1 << (vocabSize % 32)) - 1;
      return bits;
    },
    accept(id) {
      // The mask allowed it, so a refusal means the mask and the matcher disagree: a bug, not input.
      if (!matcher.acceptToken(id)) throw new Error(`the grammar refused token ${id} that its mask allowed`);
    },
    dispose: () => matcher.dispose(),
  };
}
