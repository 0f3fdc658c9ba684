/**
 * Constrained decoding end to end in Node: xgrammar (wasm) + the engine's decode loop + the real
 * test model. The tiny model's greedy rule (the last byte decides) makes outputs exact wherever the
 * grammar leaves one path or the rule's token is among those allowed.
 */
import Ajv from 'ajv';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BENCH } from '../../tools/test-model/config';
import type { ServingModel } from '../decode/prefix-cache';
import type { EngineError } from '../protocol/errors';
import type { GrammarSpec } from '../protocol/types';
import { applyGrammarMask } from '../sampling/grammar-mask';
import { createGrammarConstraint } from './constraint';
import { EOS, loadTestModel, run } from '../testing/tiny-model';

let tiny: ServingModel;
beforeAll(async () => {
  tiny = await loadTestModel();
}, 60_000);

const json = (schema: Record<string, unknown>): GrammarSpec => ({ type: 'json_schema', schema });

describe('constrained greedy decoding (exact)', () => {
  it('a JSON schema: the rule fills the string, const and the closing brace are forced, then EOS', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 5 }, n: { const: 42 } },
      required: ['name', 'n'],
    };
    const r = await run(tiny, 'Hi ', { grammar: json(schema) });
    expect(r.text).toBe('{"name":"abcde","n":42}');
    expect(r.ids.at(-1)).toBe(EOS);
    expect(r.finish.finishReason).toBe('eos_token');
  });

  it('nested objects, arrays with min/max items, enums and $ref/$defs', async () => {
    const schema = {
      type: 'object',
      $defs: { word: { type: 'string', maxLength: 2 } },
      properties: {
        tags: { type: 'array', items: { $ref: '#/$defs/word' }, minItems: 2, maxItems: 2 },
        inner: { type: 'object', properties: { pick: { enum: ['abc', 'xyz'] } }, required: ['pick'] },
      },
      required: ['tags', 'inner'],
    };
    const r = await run(tiny, 'Hi ', { grammar: json(schema) });
    expect(r.text).toBe('{"tags":["ab","ab"],"inner":{"pick":"abc"}}');
    expect(r.finish.finishReason).toBe('eos_token');
  });

  it('a regex is matched in full, then EOS', async () => {
    const r = await run(tiny, 'Hi ', { grammar: { type: 'regex', pattern: '[a-z]{4}-7[0-9]{2}' } });
    expect(r.text).toBe('abcd-789');
    expect(r.ids).toEqual([97, 98, 99, 100, 45, 55, 56, 57, EOS]);
  });

  it('a regex class of non-ASCII characters lets only its characters through, whole', async () => {
    const emoji = await run(tiny, 'Hi ', { grammar: { type: 'regex', pattern: '[😀-🙏]{2} o[é-ë]' } });
    expect(emoji.text).toMatch(/^[😀-🙏]{2} o[é-ë]$/u);
    const schema = { type: 'object', properties: { w: { type: 'string', pattern: '^[à-â]{3}$' } }, required: ['w'] };
    expect((await run(tiny, 'Hi ', { grammar: json(schema) })).text).toMatch(/^\{"w":"[à-â]{3}"\}$/u);
  });

  it('without a grammar the same prompt runs the rule to EOS', async () => {
    expect((await run(tiny, 'Hi ', {})).text).toBe('abcdefghijklmnopqrstuvwxyz');
  });

  it('max_new_tokens may cut the output (finish: length)', async () => {
    const r = await run(tiny, 'Hi ', {
      grammar: json({ type: 'object', properties: { a: { type: 'string' } } }),
      maxNewTokens: 4,
    });
    expect(r.text).toBe('{"a"');
    expect(r.finish.finishReason).toBe('length');
  });
});

describe('grammars xgrammar refuses', () => {
  const refused = async (spec: GrammarSpec) => {
    const error = await run(tiny, 'Hi ', { grammar: spec }).then(
      () => null,
      (e: Error) => e,
    );
    return { kind: (error as EngineError | null)?.kind, message: error?.message };
  };

  it('give a grammar error with xgrammar’s reason, and leave the engine usable', async () => {
    expect(await refused({ type: 'regex', pattern: '((' })).toEqual({
      kind: 'grammar',
      message: 'Regex parsing error at position 3: The parenthesis is not closed.',
    });
    expect(await refused(json({ type: 'object', properties: { a: { $ref: '#/$defs/x' } } }))).toMatchObject({
      kind: 'grammar',
      message: expect.stringMatching(/^Cannot find field \$defs in /),
    });
    // Unsatisfiable: no value can be in [5, 2].
    expect(
      await refused(json({ type: 'object', properties: { a: { type: 'integer', minimum: 5, maximum: 2 } } })),
    ).toEqual({
      kind: 'grammar',
      message: 'Invalid range: minimum greater than maximum',
    });
    // A class xgrammar cannot enforce is refused rather than enforced wrongly.
    expect(await refused({ type: 'regex', pattern: '[^é]+' })).toEqual({
      kind: 'grammar',
      message: 'the regex class [^é] excludes non-ASCII characters, which the grammar engine cannot enforce',
    });
    expect((await run(tiny, 'Hi ', { grammar: { type: 'regex', pattern: 'ab' } })).text).toBe('ab');
  });
});

describe('the vocabulary mask', () => {
  it('forbids special tokens as text, and ids past the tokenizer’s vocabulary (padded logits)', async () => {
    const padded = await createGrammarConstraint({ ...tiny, vocabSize: 300 }, { type: 'regex', pattern: '[^a]*' });
    const scores = new Float32Array(300);
    applyGrammarMask(scores, await padded.allowed());
    padded.dispose();
    const allowed = [...scores.keys()].filter((id) => scores[id] === 0);
    // ASCII but `a`, the bytes that can lead a UTF-8 sequence (xgrammar: 0xC0–0xF7), the merges but
    // `Ġa` (262), and EOS (the regex may end at once): no special token, nothing past id 270.
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const merges = range(256, 263).filter((id) => id !== 262);
    expect(allowed).toEqual([...range(0, 127).filter((id) => id !== 97), ...range(192, 247), ...merges, EOS]);
  });

  it('costs well under a millisecond per token on a 32,000-token vocabulary', async () => {
    const bench = await loadTestModel(BENCH, { withWeights: false });
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
    };
    const constraint = await createGrammarConstraint({ ...bench, vocabSize: 32000 }, json(schema));
    const ids = bench.tokenizer.encode('{"name":"hello world, this is a longer string","tags":["a","bb","ccc"]}', {
      add_special_tokens: false,
    });
    const scores = new Float32Array(32000);
    const start = performance.now();
    for (const id of ids) {
      applyGrammarMask(scores, await constraint.allowed());
      constraint.accept(id);
    }
    const perToken = (performance.now() - start) / ids.length;
    constraint.dispose();
    console.info(`grammar mask: ${perToken.toFixed(3)} ms/token over ${ids.length} tokens, vocab 32000`);
    expect(perToken).toBeLessThan(1);
  });
});

/** JSON Schemas built from the features users rely on, bounded so that every value is finite. */
const schemaArbitrary: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ value: Record<string, unknown> }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ type: fc.constant('string'), maxLength: fc.integer({ min: 0, max: 6 }) }),
    fc
      .tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 100 }))
      .map(([minimum, span]) => ({ type: 'integer', minimum, maximum: minimum + span })),
    fc.constant({ type: 'boolean' }),
    fc.constant({ type: 'null' }),
    fc.uniqueArray(fc.stringMatching(/^[a-z]{1,4}$/), { minLength: 1, maxLength: 3 }).map((e) => ({ enum: e })),
    fc.oneof(fc.integer(), fc.stringMatching(/^[a-z]{0,4}$/)).map((c) => ({ const: c })),
    fc
      .tuple(tie('value'), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }))
      .map(([items, minItems, extra]) => ({ type: 'array', items, minItems, maxItems: minItems + extra })),
    fc
      .uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,5}$/), tie('value'), fc.boolean()), {
        minLength: 1,
        maxLength: 3,
        selector: ([key]) => key,
      })
      .map((fields) => ({
        type: 'object',
        properties: Object.fromEntries(fields.map(([key, value]) => [key, value])),
        required: fields.filter(([, , required]) => required).map(([key]) => key),
      })),
    fc.tuple(tie('value'), tie('value')).map((options) => ({ anyOf: options })),
  ),
})).value;

describe('property: random schemas always yield output that validates', () => {
  const ajv = new Ajv({ strict: false });
  it('greedy and seeded sampling, 60 schemas', async () => {
    await fc.assert(
      fc.asyncProperty(schemaArbitrary, fc.option(fc.nat(), { nil: undefined }), async (schema, seed) => {
        const root = { type: 'object', properties: { value: schema }, required: ['value'] };
        const sampling = seed === undefined ? { doSample: false } : { doSample: true, seed };
        const r = await run(tiny, 'Hi ', { grammar: json(root), sampling, maxNewTokens: 400 });
        expect(r.finish.finishReason).toBe('eos_token');
        const valid = ajv.validate(root, JSON.parse(r.text));
        expect(valid, `${r.text} vs ${JSON.stringify(root)}: ${ajv.errorsText()}`).toBe(true);
      }),
      { numRuns: 60, seed: 5 },
    );
  }, 120_000);
});
