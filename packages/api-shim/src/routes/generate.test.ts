import { describe, expect, test } from 'vitest';
import { createHandler } from '../handler';
import { FakeEngine, post, sseData } from '../../test/fake-engine';

const tok = (id: number, i: number, special = false) => ({
  id,
  text: special ? '</s>' : String.fromCharCode(id),
  logprob: -0.25 * i,
  special,
});

describe('POST /generate', () => {
  test('text, no details by default; TGI headers', async () => {
    const engine = new FakeEngine();
    const res = await createHandler({ engine })(post('/generate', { inputs: 'hello', parameters: {} }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ generated_text: 'pqrstuvwxyz' });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-compute-type')).toBe('wasm');
    expect(res.headers.get('x-compute-characters')).toBe('5');
    expect(res.headers.get('x-prompt-tokens')).toBe('6');
    expect(res.headers.get('x-generated-tokens')).toBe('12');
    for (const name of ['x-total-time', 'x-validation-time', 'x-queue-time', 'x-inference-time', 'x-time-per-token']) {
      expect(res.headers.get(name)).toMatch(/^\d+$/);
    }
    expect(res.headers.get('x-compute-time')).toMatch(/^\d+(\.\d+)?(e-\d+)?$/);
    // Special tokens were added to the raw inputs.
    expect(engine.requests[0].inputIds).toEqual([256, 104, 101, 108, 108, 111]);
  });

  test('details: finish reason, counts, seed, tokens (EOS included), empty prefill', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/generate', { inputs: 'wx', parameters: { details: true } }),
    );
    expect(await res.json()).toEqual({
      generated_text: 'yz',
      details: {
        finish_reason: 'eos_token',
        generated_tokens: 3,
        seed: null,
        prefill: [],
        tokens: [tok(121, 1), tok(122, 2), tok(257, 3, true)],
      },
    });
  });

  test('decoder_input_details: prefill logprobs (the first is null); top_n_tokens: top_tokens per token', async () => {
    const engine = new FakeEngine();
    const res = await createHandler({ engine })(
      post('/generate', {
        inputs: 'y',
        parameters: { decoder_input_details: true, top_n_tokens: 2, max_new_tokens: 1 },
      }),
    );
    expect(await res.json()).toEqual({
      generated_text: 'z',
      details: {
        finish_reason: 'length',
        generated_tokens: 1,
        seed: null,
        prefill: [
          { id: 256, text: '<s>', logprob: null },
          { id: 121, text: 'y', logprob: -1.5 },
        ],
        tokens: [tok(122, 1)],
        top_tokens: [[tok(122, 1), { id: 123, text: '{', logprob: -1.25, special: false }]],
      },
    });
    expect(engine.requests[0]).toMatchObject({ prefillLogprobs: true, topNTokens: 2, maxNewTokens: 1 });
  });

  test('finish reasons: length first, then eos, then stop sequences (the stop string stays in the text)', async () => {
    const handler = createHandler({ engine: new FakeEngine() });
    const reason = async (inputs: string, parameters: object) => {
      const body = await (
        await handler(post('/generate', { inputs, parameters: { details: true, ...parameters } }))
      ).json();
      return [body.generated_text, body.details.finish_reason];
    };
    expect(await reason('x', { max_new_tokens: 3 })).toEqual(['yz', 'length']);
    expect(await reason('x', { max_new_tokens: 4 })).toEqual(['yz', 'eos_token']);
    expect(await reason('a', { stop: ['de'] })).toEqual(['bcde', 'stop_sequence']);
    expect(await reason('A', { max_new_tokens: 5 })).toEqual(['BCDEF', 'length']);
  });

  test('sampling reports its seed', async () => {
    const handler = createHandler({ engine: new FakeEngine() });
    const seed = async (parameters: object) =>
      (await (await handler(post('/generate', { inputs: 'x', parameters: { details: true, ...parameters } }))).json())
        .details.seed;
    expect(await seed({ do_sample: true, seed: 5 })).toBe(5);
    expect(await seed({ temperature: 0.5 })).toBe(1234);
    expect(await seed({ temperature: 1 })).toBe(null);
  });

  test('return_full_text prepends the untruncated inputs; truncate keeps the last tokens', async () => {
    const engine = new FakeEngine();
    const res = await createHandler({ engine })(
      post('/generate', { inputs: 'abcwx', parameters: { return_full_text: true, truncate: 2 } }),
    );
    expect(await res.json()).toEqual({ generated_text: 'abcwxyz' });
    expect(engine.requests[0].inputIds).toEqual([119, 120]);
    expect(res.headers.get('x-prompt-tokens')).toBe('2');
  });

  test('errors: 422 validation, 424 generation, 500 incomplete', async () => {
    const validation = await createHandler({ engine: new FakeEngine() })(
      post('/generate', { inputs: 'x', parameters: { top_p: 1 } }),
    );
    expect(validation.status).toBe(422);
    expect(await validation.json()).toEqual({
      error: 'Input validation error: `top_p` must be > 0.0 and < 1.0',
      error_type: 'validation',
    });

    const failing = new FakeEngine({ failAfter: { tokens: 1, message: 'device lost' } });
    const generation = await createHandler({ engine: failing })(post('/generate', { inputs: 'x' }));
    expect(generation.status).toBe(424);
    expect(await generation.json()).toEqual({
      error: 'Request failed during generation: device lost',
      error_type: 'generation',
    });

    const incomplete = await createHandler({ engine: new FakeEngine({ dropFinish: true }) })(
      post('/generate', { inputs: 'x' }),
    );
    expect(incomplete.status).toBe(500);
    expect(await incomplete.json()).toEqual({ error: 'Incomplete generation', error_type: 'incomplete_generation' });
  });
});

describe('POST /generate_stream', () => {
  test('exact bytes: one event per token; the last carries the text and the details', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/generate_stream', { inputs: 'xy', parameters: { details: true, return_full_text: true } }),
    );
    expect(res.status).toBe(200);
    expect(Object.fromEntries(res.headers)).toEqual({
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-compute-type': 'wasm',
      'x-compute-characters': '2',
      'x-accel-buffering': 'no',
    });
    expect(await res.text()).toBe(
      'data: {"index":1,"token":{"id":122,"text":"z","logprob":-0.25,"special":false},"generated_text":null,"details":null}\n\n' +
        'data: {"index":2,"token":{"id":257,"text":"</s>","logprob":-0.5,"special":true},"generated_text":"xyz",' +
        '"details":{"finish_reason":"eos_token","generated_tokens":2,"seed":null,"input_length":3}}\n\n',
    );
  });

  test('details off: null details on the last event too; top_tokens when asked', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/generate_stream', { inputs: 'y', parameters: { max_new_tokens: 1, top_n_tokens: 1 } }),
    );
    expect(await res.text()).toBe(
      'data: {"index":1,"token":{"id":122,"text":"z","logprob":-0.25,"special":false},' +
        '"top_tokens":[{"id":122,"text":"z","logprob":-0.25,"special":false}],"generated_text":"z","details":null}\n\n',
    );
  });

  test('validation errors arrive inside a 200 stream, then the stream ends', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/generate_stream', { inputs: 'x', parameters: { decoder_input_details: true } }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      'data: {"error":"Input validation error: `decoder_input_details` == true is not supported when streaming tokens","error_type":"validation"}\n\n',
    );
  });

  test('an engine failure mid-stream: the tokens so far, then the error event', async () => {
    const res = await createHandler({ engine: new FakeEngine({ failAfter: { tokens: 1, message: 'device lost' } }) })(
      post('/generate_stream', { inputs: 'x' }),
    );
    expect(await sseData(res)).toEqual([
      '{"index":1,"token":{"id":121,"text":"y","logprob":-0.25,"special":false},"generated_text":null,"details":null}',
      '{"error":"Request failed during generation: device lost","error_type":"generation"}',
    ]);
  });

  test('a stream that ends without its finish is an incomplete generation stream', async () => {
    const res = await createHandler({ engine: new FakeEngine({ dropFinish: true }) })(
      post('/generate_stream', { inputs: 'y', parameters: { max_new_tokens: 1 } }),
    );
    expect((await sseData(res)).at(-1)).toBe(
      '{"error":"Incomplete generation stream","error_type":"incomplete_generation_stream"}',
    );
  });
});

describe('POST /', () => {
  test('non-stream: an array, return_full_text true by default', async () => {
    const handler = createHandler({ engine: new FakeEngine() });
    expect(await (await handler(post('/', { inputs: 'wxy' }))).json()).toEqual([{ generated_text: 'wxyz' }]);
    expect(await (await handler(post('/', { inputs: 'wxy', parameters: { return_full_text: false } }))).json()).toEqual(
      [{ generated_text: 'z' }],
    );
  });

  test('stream: true is /generate_stream (with the full text by default)', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/', { inputs: 'y', stream: true, parameters: { max_new_tokens: 1 } }),
    );
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await sseData(res)).toEqual([
      '{"index":1,"token":{"id":122,"text":"z","logprob":-0.25,"special":false},"generated_text":"yz","details":null}',
    ]);
  });
});
