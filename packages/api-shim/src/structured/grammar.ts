/**
 * Grammars: TGI's validation rule 16 over a decoded `GrammarType` (its shape is in ../schema/grammar).
 * The engine compiles what passes; see ./index.ts for the seam.
 */
import type { GrammarSpec } from '../engine';
import type { Grammar } from '../schema/grammar';
import { describeSyntaxError } from '../schema/json';
import { isMap } from '../schema/serde';

/** What rule 16 lets through: the engine's grammar, compiled there (a schema it refuses is a 422 then). */
export type ValidGrammar = GrammarSpec;

/** OpenAI's JSON mode: any object. */
const ANY_OBJECT: ValidGrammar = { type: 'json_schema', schema: { type: 'object' } };

/** A grammar problem, worded as TGI's ValidationError (the caller adds `Input validation error: `). */
export class GrammarError extends Error {}

function withProperties(schema: unknown): Record<string, unknown> {
  // TGI needs `properties` to build the regex; a schema without them is refused.
  if (!isMap(schema) || !('properties' in schema)) {
    throw new GrammarError("grammar is not valid: Grammar must have a 'properties' field");
  }
  return bounded(schema);
}

/**
 * Bounds checked before anything compiles. The grammar compiler recurses once per nesting level on
 * a small wasm stack: a schema about 120 levels deep overflows it (a trap). Real schemas nest a
 * dozen levels at most; the size bound keeps one request from holding the compiler for seconds.
 */
export const MAX_SCHEMA_DEPTH = 64;
export const MAX_GRAMMAR_BYTES = 100_000;

function bounded(schema: Record<string, unknown>): Record<string, unknown> {
  if (nesting(schema) > MAX_SCHEMA_DEPTH) {
    throw new GrammarError(`grammar is not valid: the schema nests more than ${MAX_SCHEMA_DEPTH} levels deep`);
  }
  checkSize(JSON.stringify(schema).length, 'schema');
  return schema;
}

function checkSize(length: number, what: string): void {
  if (length > MAX_GRAMMAR_BYTES) {
    throw new GrammarError(
      `grammar is not valid: the ${what} is ${length} characters long, more than the maximum of ${MAX_GRAMMAR_BYTES}`,
    );
  }
}

/** Depth of a JSON value (a scalar is 0, `{}` and `[]` are 1), counted no further than one past the maximum. */
function nesting(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0 && deepest <= MAX_SCHEMA_DEPTH) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Validation rule 16, the part that needs no compiler. The engine compiles the grammar before its
 * first forward pass and refuses what xgrammar cannot compile (a bad or unsatisfiable schema, a bad
 * regex); the shim turns that into the same 422 (`grammar is not valid: {xgrammar's reason}`).
 */
export function checkGrammar(grammar: Grammar): ValidGrammar {
  switch (grammar.type) {
    case 'json': {
      const value = grammar.value;
      if (typeof value === 'string') {
        // A schema given as a JSON string must parse (serde's words, without a path).
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          throw new GrammarError(`grammar is not valid: ${describeSyntaxError(value).message}`);
        }
        return { type: 'json_schema', schema: withProperties(parsed) };
      }
      if (!isMap(value)) throw new GrammarError('grammar is not supported');
      return { type: 'json_schema', schema: withProperties(value) };
    }
    case 'json_schema':
      return { type: 'json_schema', schema: withProperties(grammar.value.schema) };
    case 'json_object':
      return ANY_OBJECT;
    case 'regex':
      checkSize(grammar.value.length, 'regex');
      return { type: 'regex', pattern: grammar.value };
  }
}
