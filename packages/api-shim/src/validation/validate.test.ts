import { describe, expect, test } from 'vitest';
import { ApiError } from '../errors/errors';
import { defaultParameters, type GenerateParameters } from '../schema/requests';
import { checkEndpointRules, type Limits, type Mode, validate } from './validate';

const limits: Limits = { maxBestOf: 2, maxStopSequences: 4, maxTopNTokens: 5, maxInputTokens: 10, maxTotalTokens: 20 };

/** One token per character (no special tokens unless asked: then a leading 0). */
const tokenize = async (text: string, addSpecialTokens: boolean) => [
  ...(addSpecialTokens ? [0] : []),
  ...[...text].map((c) => c.charCodeAt(0)),
];

function params(p: Partial<GenerateParameters> = {}): GenerateParameters {
  return { ...defaultParameters(), do_sample: false, ...p };
}

async function run(p: Partial<GenerateParameters>, inputs = 'hello', mode: Mode = 'single') {
  return validate({ inputs, parameters: params(p) }, { mode, limits, addSpecialTokens: false, tokenize });
}

async function message(p: Partial<GenerateParameters>, inputs = 'hello', mode: Mode = 'single'): Promise<string> {
  try {
    await run(p, inputs, mode);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(422);
    expect((e as ApiError).toJSON().error_type).toBe('validation');
    return (e as ApiError).message;
  }
  throw new Error('expected a validation error');
}

const P = 'Input validation error: ';

describe('validation rules, each with its exact message', () => {
  test.each<[string, Partial<GenerateParameters>, string, Mode?, string?]>([
    ['0 best_of over the max', { best_of: 3, do_sample: true }, '`best_of` must be > 0 and <= 2. Given: 3'],
    [
      '0 best_of when streaming',
      { best_of: 2, do_sample: true },
      '`best_of` != 1 is not supported when streaming tokens',
      'stream',
    ],
    ['0 best_of 0 when streaming', { best_of: 0 }, '`best_of` != 1 is not supported when streaming tokens', 'stream'],
    [
      '0 decoder_input_details when streaming',
      { decoder_input_details: true },
      '`decoder_input_details` == true is not supported when streaming tokens',
      'stream',
    ],
    ['1 best_of without sampling', { best_of: 2 }, 'you must use sampling when `best_of` is > 1'],
    ['2 temperature 0', { temperature: 0 }, '`temperature` must be strictly positive'],
    ['2 temperature < 0', { temperature: -1 }, '`temperature` must be strictly positive'],
    ['3 repetition_penalty 0', { repetition_penalty: 0 }, '`repetition_penalty` must be strictly positive'],
    ['4 frequency_penalty < -2', { frequency_penalty: -2.5 }, '`frequency_penalty` must be >= -2.0 and <= 2.0'],
    ['4 frequency_penalty > 2', { frequency_penalty: 2.5 }, '`frequency_penalty` must be >= -2.0 and <= 2.0'],
    ['5 top_p 1.0 is rejected', { top_p: 1 }, '`top_p` must be > 0.0 and < 1.0'],
    ['5 top_p 0', { top_p: 0 }, '`top_p` must be > 0.0 and < 1.0'],
    ['6 typical_p 1.0', { typical_p: 1 }, '`typical_p` must be > 0.0 and < 1.0'],
    ['6 typical_p 0', { typical_p: 0 }, '`typical_p` must be > 0.0 and < 1.0'],
    ['7 top_k 0', { top_k: 0 }, '`top_k` must be strictly positive'],
    ['7 top_k < 0', { top_k: -3 }, '`top_k` must be strictly positive'],
    ['8 max_new_tokens 0', { max_new_tokens: 0 }, '`max_new_tokens` must be strictly positive'],
    [
      '9 too many stop sequences',
      { stop: ['a', 'b', 'c', 'd', 'e'] },
      '`stop` supports up to 4 stop sequences. Given: 5',
    ],
    ['10 seed with best_of', { best_of: 2, do_sample: true, seed: 1 }, '`seed` must not be set when `best_of` > 1'],
    ['11 top_n_tokens over the max', { top_n_tokens: 6 }, '`top_n_tokens` must be >= 0 and <= 5. Given: 6'],
    ['12 empty inputs', {}, '`inputs` cannot be empty', 'single', ''],
    ['13 truncate 0', { truncate: 0 }, '`truncate` must be strictly positive and less than 10. Given: 0'],
    [
      '13 truncate over max_input',
      { truncate: 11 },
      '`truncate` must be strictly positive and less than 10. Given: 11',
    ],
    [
      '14 inputs + max_new_tokens over max_total',
      { max_new_tokens: 16 },
      '`inputs` tokens + `max_new_tokens` must be <= 20. Given: 5 `inputs` tokens and 16 `max_new_tokens`',
    ],
    [
      '15 inputs over max_input',
      { max_new_tokens: 1 },
      '`inputs` must have less than 10 tokens. Given: 11',
      'single',
      'hello world',
    ],
    ['16 grammar of the wrong type', { grammar: { type: 'json', value: 5 } }, 'grammar is not supported'],
    [
      '16 grammar string that is not JSON',
      { grammar: { type: 'json', value: '{"properties": }' } },
      'grammar is not valid: expected value at line 1 column 16',
    ],
    [
      '16 json grammar without properties',
      { grammar: { type: 'json', value: { type: 'object' } } },
      "grammar is not valid: Grammar must have a 'properties' field",
    ],
    [
      '16 json_schema without properties',
      { grammar: { type: 'json_schema', value: { schema: { type: 'object' } } } },
      "grammar is not valid: Grammar must have a 'properties' field",
    ],
    [
      '16 a schema nested deeper than the compiler can go (bounded before compiling)',
      { grammar: { type: 'json', value: nestedSchema(200) } },
      'grammar is not valid: the schema nests more than 64 levels deep',
    ],
    [
      '16 a schema too large',
      { grammar: { type: 'json', value: { properties: { a: { enum: ['x'.repeat(100_000)] } } } } },
      'grammar is not valid: the schema is 100034 characters long, more than the maximum of 100000',
    ],
    [
      '16 a regex too large',
      { grammar: { type: 'regex', value: 'a'.repeat(100_001) } },
      'grammar is not valid: the regex is 100001 characters long, more than the maximum of 100000',
    ],
  ])('rule %s', async (_name, p, expected, mode = 'single', inputs = 'hello') => {
    expect(await message(p, inputs, mode)).toBe(P + expected);
  });

  test('max_best_of 1 disables best_of on this endpoint', () => {
    expect(() => checkEndpointRules(params({ best_of: 2 }), 'single', { maxBestOf: 1 })).toThrow(
      `${P}\`best_of\` != 1 is not allowed for this endpoint`,
    );
  });

  test('the first failing rule wins', async () => {
    // Breaks rules 2, 3, 7, 8, 12 and 16 at once: rule 2 is reported.
    const all = {
      temperature: -1,
      repetition_penalty: 0,
      top_k: 0,
      max_new_tokens: 0,
      grammar: { type: 'json' as const, value: 5 },
    };
    expect(await message(all, '')).toBe(`${P}\`temperature\` must be strictly positive`);
    expect(await message({ ...all, temperature: 0.5 }, '')).toBe(
      `${P}\`repetition_penalty\` must be strictly positive`,
    );
    expect(await message({ top_k: 0, max_new_tokens: 0 }, '')).toBe(`${P}\`top_k\` must be strictly positive`);
    expect(await message({ max_new_tokens: 0 }, '')).toBe(`${P}\`max_new_tokens\` must be strictly positive`);
    // Rule 0 comes before everything.
    expect(await message({ best_of: 3, temperature: -1 })).toBe(`${P}\`best_of\` must be > 0 and <= 2. Given: 3`);
    // Rule 14 before 15: 11 tokens with the default max_new_tokens (20 − 11 = 9) pass 14 and fail 15.
    expect(await message({}, 'hello world')).toBe(`${P}\`inputs\` must have less than 10 tokens. Given: 11`);
  });

  test('rule 1 counts any SET sampling parameter, even at its neutral value', async () => {
    await expect(run({ best_of: 2, temperature: 1 })).resolves.toBeDefined();
    await expect(run({ best_of: 2, top_k: 5 })).resolves.toBeDefined();
  });

  test('rule 14 checks the first 1024-token chunk only when max_new_tokens is absent', async () => {
    const big: Limits = { ...limits, maxTotalTokens: 5000, maxInputTokens: 4999 };
    const v = await validate(
      { inputs: 'hello', parameters: params() },
      { mode: 'single', limits: big, addSpecialTokens: false, tokenize },
    );
    expect(v.engineRequest.maxNewTokens).toBe(4995);
    await expect(
      validate(
        { inputs: 'hello', parameters: params({ max_new_tokens: 4996 }) },
        { mode: 'single', limits: big, addSpecialTokens: false, tokenize },
      ),
    ).resolves.toBeDefined();
  });
});

describe('the validated request', () => {
  test('defaults: greedy, up to max_total − input tokens', async () => {
    const v = await run({});
    expect(v.engineRequest).toEqual({
      inputIds: [104, 101, 108, 108, 111],
      sampling: { doSample: false },
      maxNewTokens: 15,
    });
    expect(v.inputLength).toBe(5);
    expect(v.returnFullText).toBe(false);
    expect(v.details).toBe(false);
  });

  test('a body with no parameters key samples', async () => {
    const v = await validate(
      { inputs: 'hi', parameters: defaultParameters() },
      { mode: 'single', limits, addSpecialTokens: false, tokenize },
    );
    expect(v.engineRequest.sampling).toEqual({ doSample: true });
  });

  test('temperature 1.0 with do_sample false stays greedy; any warper turns sampling on', async () => {
    expect((await run({ temperature: 1 })).engineRequest.sampling).toEqual({ doSample: false });
    expect((await run({ temperature: 0.5 })).engineRequest.sampling).toEqual({ doSample: true, temperature: 0.5 });
    expect((await run({ top_k: 3 })).engineRequest.sampling).toEqual({ doSample: true, topK: 3 });
    expect((await run({ top_p: 0.5 })).engineRequest.sampling).toEqual({ doSample: true, topP: 0.5 });
    expect((await run({ typical_p: 0.5 })).engineRequest.sampling).toEqual({ doSample: true, typicalP: 0.5 });
    // Penalties are not warpers.
    expect((await run({ repetition_penalty: 1.5, frequency_penalty: 0.5 })).engineRequest.sampling).toEqual({
      doSample: false,
      repetitionPenalty: 1.5,
      frequencyPenalty: 0.5,
    });
  });

  test('everything else reaches the engine request', async () => {
    const v = await run({
      seed: 7,
      stop: ['x'],
      top_n_tokens: 2,
      decoder_input_details: true,
      max_new_tokens: 3,
      do_sample: true,
    });
    expect(v.engineRequest).toEqual({
      inputIds: [104, 101, 108, 108, 111],
      sampling: { doSample: true, seed: 7 },
      maxNewTokens: 3,
      stop: ['x'],
      topNTokens: 2,
      prefillLogprobs: true,
    });
    expect(v.topNTokens).toBe(2);
    expect(v.decoderInputDetails).toBe(true);
  });

  test('truncate keeps the LAST tokens; inputs stay untruncated', async () => {
    const v = await run({ truncate: 3 }, 'abcdef');
    expect(v.engineRequest.inputIds).toEqual([100, 101, 102]);
    expect(v.inputLength).toBe(3);
    expect(v.inputs).toBe('abcdef');
    expect(v.engineRequest.maxNewTokens).toBe(17);
  });

  test('special tokens are added only when asked', async () => {
    const v = await validate(
      { inputs: 'ab', parameters: params() },
      { mode: 'single', limits, addSpecialTokens: true, tokenize },
    );
    expect(v.engineRequest.inputIds).toEqual([0, 97, 98]);
  });

  test('grammars that pass rule 16 go to the engine; so does the watermark', async () => {
    expect((await run({ grammar: { type: 'regex', value: '[a-z]+' } })).engineRequest.grammar).toEqual({
      type: 'regex',
      pattern: '[a-z]+',
    });
    expect((await run({ grammar: { type: 'json', value: '{"properties":{}}' } })).engineRequest.grammar).toEqual({
      type: 'json_schema',
      schema: { properties: {} },
    });
    expect((await run({ watermark: true })).engineRequest.watermark).toBe(true);
    expect((await run({})).engineRequest).not.toHaveProperty('watermark');
  });
});

/** An object schema whose one property is an object schema, `levels` times. */
function nestedSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'boolean' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { a: schema }, required: ['a'] };
  return schema;
}
