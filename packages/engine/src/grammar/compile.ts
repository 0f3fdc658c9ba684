/**
 * Grammar compilation, once per model and once per distinct grammar: the tokenizer info and the
 * compiler are built when a model's first constrained request arrives and kept with the model; a
 * compiled grammar is kept for the next requests that bring the same one (a chat client sends its
 * schema with every turn).
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { GrammarSpec } from '../protocol/types';
import { rewriteNonAsciiClasses, rewriteSchemaPatterns } from './regex-classes';
import { grammarVocabulary } from './vocabulary';
import { type CompiledGrammar, type GrammarCompiler, generation, guarded, loadXgrammar } from './xgrammar';

/** What compiling needs to know about the loaded model. */
export interface GrammarModel {
  tokenizer: PreTrainedTokenizer;
  /** Length of the logits row. */
  vocabSize: number;
  specialIds: ReadonlySet<number>;
  eosIds: ReadonlySet<number>;
}

export interface ModelGrammars {
  /** Compile (or reuse) a grammar; rejects with a `grammar` EngineError when xgrammar refuses it. */
  compile(spec: GrammarSpec): Promise<CompiledGrammar>;
  readonly stopTokenIds: readonly number[];
  readonly vocabSize: number;
}

/** Compiled grammars kept per model; the least recently used goes first. */
const KEPT_GRAMMARS = 32;

const perModel = new WeakMap<
  PreTrainedTokenizer,
  { vocabSize: number; generation: number; grammars: Promise<ModelGrammars> }
>();

export function grammarsFor(model: GrammarModel): Promise<ModelGrammars> {
  let entry = perModel.get(model.tokenizer);
  // A module rebuilt after a trap cannot use what the old one compiled: start again on the new one.
  if (entry?.vocabSize !== model.vocabSize || entry.generation !== generation()) {
    entry = { vocabSize: model.vocabSize, generation: generation(), grammars: createModelGrammars(model) };
    perModel.set(model.tokenizer, entry);
  }
  return entry.grammars;
}

async function createModelGrammars(model: GrammarModel): Promise<ModelGrammars> {
  const xg = await loadXgrammar();
  const { encodedVocab, stopTokenIds } = grammarVocabulary(
    model.tokenizer,
    model.vocabSize,
    model.specialIds,
    model.eosIds,
  );
  const info = await xg.TokenizerInfo.createTokenizerInfo(
    encodedVocab,
    'byte_level',
    false,
    model.vocabSize,
    stopTokenIds,
  );
  const compiler = await xg.GrammarCompiler.createGrammarCompiler(info);
  const kept = new Map<string, Promise<CompiledGrammar>>();
  return {
    stopTokenIds,
    vocabSize: model.vocabSize,
    compile(spec) {
      const key = JSON.stringify(spec);
      let compiled = kept.get(key);
      if (compiled) kept.delete(key);
      else {
        compiled = guarded(() => compileWith(compiler, spec));
        // A refused grammar is not kept: the next request gets the same error afresh.
        compiled.catch(() => kept.delete(key));
      }
      kept.set(key, compiled);
      if (kept.size > KEPT_GRAMMARS) kept.delete(kept.keys().next().value!);
      return compiled;
    },
  };
}

function compileWith(compiler: GrammarCompiler, spec: GrammarSpec): Promise<CompiledGrammar> {
  switch (spec.type) {
    case 'json_schema':
      // Compact JSON (no whitespace between tokens, TGI's `,` and `:`): the model spends no steps on
      // layout, and a run of whitespace can never fill max_new_tokens. Strict: no properties or items
      // beyond those the schema names.
      return compiler.compileJSONSchema(
        JSON.stringify(rewriteSchemaPatterns(spec.schema)),
        false,
        -1,
        [',', ':'],
        true,
      );
    case 'regex':
      return compiler.compileStructuralTag({
        type: 'structural_tag',
        format: { type: 'regex', pattern: rewriteNonAsciiClasses(spec.pattern) },
      });
  }
}
