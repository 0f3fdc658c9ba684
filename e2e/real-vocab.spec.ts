import { statSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { expectedDevice, skipWithoutShaderF16 } from './support/harness';
import { BASE, call, json, sseData } from './support/shim';
import { recordModelRequests } from './support/requests';
import { ABC } from './support/tools';

// inpage-qwen3 (packages/engine/tools/test-model/real-vocab.ts): Qwen3's real 152k-token tokenizer and chat
// template over a tiny random-weight Qwen3 graph whose greedy output is a chain of real tokens:
// `<think>Hmm</think>\n\nHello world!<|im_end|>`, or `Hello world!<|im_end|>` once the prompt ends in
// `</think>\n\n` (the template's enable_thinking: false). inpage-gemma3: Gemma 3's 262k tokenizer and template,
// fp32 weights in external data; greedy `Hello world!<end_of_turn>`. One page load per model file runs every
// check. On WebGPU (SwiftShader, slow) only what the device changes runs: loading and exact greedy tokens.

const MODEL = '/models/inpage-qwen3/';
const THOUGHT = '<think>Hmm</think>\n\n';
const ANSWER = 'Hello world!';
const FILES = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q4: 'onnx/model_q4.onnx',
  q4f16: 'onnx/model_q4f16.onnx',
  q8: 'onnx/model_quantized.onnx',
} as const;
const QWEN3_TOKENS = [151667, 80022, 151668, 271, 9707, 1879, 0, 151645];

interface FileProgress {
  file: string;
  loaded: number;
  total: number;
  done: boolean;
  fromCache: boolean;
}

async function openModel(page: Page, model: string, dtype: keyof typeof FILES) {
  await page.goto('/harness.html');
  await page.waitForFunction(() => window.inpage?.ready === true);
  return page.evaluate(
    async ({ model, dtype, base }) => {
      const files: FileProgress[] = [];
      const engine = window.inpage.createEngine({
        model,
        dtype,
        onLoadEvent: (event) => event.type === 'file' && files.push(event.progress),
      });
      const shim = window.inpage.installShim({ baseUrl: base, engine });
      Object.assign(window, { engine, shim });
      const info = await engine.ready();
      return { info, files };
    },
    { model, dtype, base: BASE },
  );
}

/** Size of a model file as the build wrote it. */
const fileSize = (path: string) => statSync(new URL(`../models/${path}`, import.meta.url)).size;

interface Generated {
  generated_text: string;
  details: { finish_reason: string; tokens: { id: number; special: boolean }[] };
}

for (const dtype of ['fp32', 'fp16', 'q4', 'q4f16', 'q8'] as const) {
  test(`Qwen3's vocabulary and template, ${dtype} (${FILES[dtype]})`, async ({ page }, testInfo) => {
    test.setTimeout(300_000);
    if (dtype.endsWith('16')) await skipWithoutShaderF16(page, testInfo);
    const { info, files } = await openModel(page, MODEL, dtype);
    expect(info).toMatchObject({
      modelType: 'qwen3',
      dtype,
      device: expectedDevice(testInfo),
      vocabSize: 151936,
      bosToken: null,
      eosTokens: [
        { id: 151645, content: '<|im_end|>' },
        { id: 151643, content: '<|endoftext|>' },
      ],
      hasChatTemplate: true,
      templateUsesTools: true,
    });
    // The weights file the dtype names, whole, with progress on the way.
    const size = fileSize(`inpage-qwen3/${FILES[dtype]}`);
    const onnx = files.filter((p) => p.file === FILES[dtype]);
    expect(onnx.at(-1)).toMatchObject({ done: true, loaded: size, total: size });
    expect(files.some((p) => p.file === 'tokenizer.json' && p.done)).toBe(true);

    // /generate: <think> and </think> are plain added tokens (not special), so they stay in generated_text.
    const prompt = '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n';
    const generated = (await json(page, '/generate', { inputs: prompt, parameters: { max_new_tokens: 20, details: true } })).body as Generated;
    expect(generated.generated_text).toBe(`${THOUGHT}${ANSWER}`);
    expect(generated.details.finish_reason).toBe('eos_token');
    expect(generated.details.tokens.map((t) => t.id)).toEqual(QWEN3_TOKENS);
    if (expectedDevice(testInfo) === 'webgpu') return;

    // TGI's offsets on a character split over three byte tokens: each covers the whole character.
    expect((await json(page, '/tokenize', { inputs: 'sushi 🍣' })).body).toEqual([
      { id: 82, text: 's', start: 0, stop: 1 },
      { id: 37074, text: 'ushi', start: 1, stop: 5 },
      { id: 11162, text: ' 🍣', start: 5, stop: 10 },
      { id: 235, text: '🍣', start: 6, stop: 10 },
      { id: 96, text: '🍣', start: 6, stop: 10 },
    ]);

    // The real template: thinking on by default; an earlier answer's reasoning is dropped from the history.
    const history = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: `${THOUGHT}${ANSWER}` },
      { role: 'user', content: 'Again' },
    ];
    expect(((await json(page, '/chat_tokenize', { messages: history })).body as { templated_text: string }).templated_text).toBe(
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello world!<|im_end|>\n<|im_start|>user\nAgain<|im_end|>\n<|im_start|>assistant\n',
    );

    const thinkingOff = (await json(page, '/generate', { inputs: `${prompt}<think>\n\n</think>\n\n`, parameters: { max_new_tokens: 20 } })).body as {
      generated_text: string;
    };
    expect(thinkingOff.generated_text).toBe(ANSWER);

    // Chat through the openai SDK, streamed and not: the reasoning stays in `content`, as TGI returns it.
    const chat = await page.evaluate(
      async ({ base, history, abc, withTools }) => {
        const openai = new window.inpage.OpenAI({ baseURL: `${base}/v1`, apiKey: '-', dangerouslyAllowBrowser: true, maxRetries: 0 });
        const completion = await openai.chat.completions.create({ model: 'tgi', messages: history as never, temperature: 0 });
        let streamed = '';
        for await (const chunk of await openai.chat.completions.create({ model: 'tgi', messages: history as never, temperature: 0, stream: true })) {
          streamed += chunk.choices[0]?.delta.content ?? '';
        }
        const tool = withTools
          ? (await openai.chat.completions.create({ model: 'tgi', messages: history as never, temperature: 0, tools: [abc], tool_choice: 'required' }))
              .choices[0].message
          : null;
        return { message: completion.choices[0].message, finish: completion.choices[0].finish_reason, streamed, tool };
      },
      { base: BASE, history, abc: ABC, withTools: dtype === 'fp32' },
    );
    expect(chat.message).toMatchObject({ role: 'assistant', content: `${THOUGHT}${ANSWER}` });
    expect(chat.finish).toBe('stop');
    expect(chat.streamed).toBe(`${THOUGHT}${ANSWER}`);
    if (dtype !== 'fp32') return;
    // A tool call on the 152k vocabulary: the grammar allows only the call; random weights pick the city.
    expect(chat.tool?.tool_calls).toHaveLength(1);
    const call = chat.tool!.tool_calls![0] as { type: string; function: { name: string; arguments: string } };
    expect(call).toMatchObject({ type: 'function', function: { name: 'abc' } });
    expect(Object.keys(JSON.parse(call.function.arguments))).toEqual(['city']);
    expect((JSON.parse(call.function.arguments) as { city: string }).city.length).toBeLessThanOrEqual(3);
  });
}

test("Gemma 3's vocabulary and template, fp32 in external data (onnx/model.onnx + model.onnx_data)", async ({ page, context }, testInfo) => {
  test.setTimeout(300_000);
  const requests = await recordModelRequests(context);
  const { info, files } = await openModel(page, '/models/inpage-gemma3/', 'fp32');
  expect(info).toMatchObject({
    modelType: 'gemma3_text',
    dtype: 'fp32',
    device: expectedDevice(testInfo),
    vocabSize: 262144,
    bosToken: { id: 2, content: '<bos>' },
    hasChatTemplate: true,
  });
  expect(info.eosTokens.map((t: { id: number }) => t.id).sort()).toEqual([1, 106]);
  // Both files of the graph, whole: the 18 KB graph and the 33.6 MB of weights beside it.
  for (const file of ['onnx/model.onnx', 'onnx/model.onnx_data']) {
    const size = fileSize(`inpage-gemma3/${file}`);
    expect(files.filter((p) => p.file === file).at(-1)).toMatchObject({ done: true, loaded: size, total: size });
  }
  const prompt = '<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n';
  const generated = (await json(page, '/generate', { inputs: prompt, parameters: { max_new_tokens: 20, details: true } })).body as Generated;
  expect(generated.generated_text).toBe(ANSWER);
  expect(generated.details.tokens.map((t) => t.id)).toEqual([9259, 1902, 236888, 106]);
  if (expectedDevice(testInfo) === 'webgpu') return;

  // The BOS the post-processor adds gets an empty span; byte-fallback tokens each cover the whole character.
  expect((await json(page, '/tokenize', { inputs: 'a 🧌' })).body).toEqual([
    { id: 2, text: '', start: 0, stop: 0 },
    { id: 236746, text: 'a', start: 0, stop: 1 },
    { id: 236743, text: ' ', start: 1, stop: 2 },
    { id: 478, text: '🧌', start: 2, stop: 6 },
    { id: 397, text: '🧌', start: 2, stop: 6 },
    { id: 405, text: '🧌', start: 2, stop: 6 },
    { id: 378, text: '🧌', start: 2, stop: 6 },
  ]);
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
  ];
  // Gemma's template folds the system prompt into the first user turn and names the assistant "model".
  expect(((await json(page, '/chat_tokenize', { messages })).body as { templated_text: string }).templated_text).toBe(
    '<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n',
  );
  const chat = (await json(page, '/v1/chat/completions', { model: 'tgi', messages, temperature: 0 })).body as {
    choices: { message: { content: string }; finish_reason: string }[];
  };
  expect(chat.choices[0]).toMatchObject({ message: { content: ANSWER }, finish_reason: 'stop' });
  // Its template refuses roles out of turn, in TGI's shape.
  const refused = await json(page, '/v1/chat/completions', { model: 'tgi', messages: [{ role: 'assistant', content: 'x' }] });
  expect(refused.status).toBe(422);
  expect(refused.body).toMatchObject({ error_type: 'template_error' });

  // Loaded again after a reload, both files of the graph come from the weight cache: no request reaches the network.
  expect(requests).toEqual(expect.arrayContaining(['/models/inpage-gemma3/onnx/model.onnx', '/models/inpage-gemma3/onnx/model.onnx_data']));
  requests.length = 0;
  await page.reload();
  const again = await openModel(page, '/models/inpage-gemma3/', 'fp32');
  expect(requests).toEqual([]);
  for (const file of ['onnx/model.onnx', 'onnx/model.onnx_data']) {
    expect(again.files.filter((p) => p.file === file).at(-1)).toMatchObject({ done: true, fromCache: true });
  }
  const cached = (await json(page, '/generate', { inputs: prompt, parameters: { max_new_tokens: 20 } })).body as Generated;
  expect(cached.generated_text).toBe(ANSWER);
});

// inpage-llama2: Llama 2's SentencePiece tokenizer (a "▁" of its own before the text, `<0xNN>` byte fallback,
// `<s>` from the post-processor) and [INST] format; greedy ` Hello world! 🍣</s>`, the emoji in four
// byte-fallback tokens. Nothing in it is device-specific (the Llama graph of the tiny fixtures): WASM only.
const LLAMA2_ANSWER = ' Hello world! 🍣';
const LLAMA2_TOKENS: [number, string][] = [
  [22557, ' Hello'],
  [1526, ' world'],
  [28808, '!'],
  [28705, ' '],
  [243, ''],
  [162, ''],
  [144, ''],
  [166, '🍣'],
  [2, '</s>'],
];

test("Llama 2's SentencePiece vocabulary and [INST] template: spaces, byte fallback, BOS", async ({ page }, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'webgpu', 'tokenizer and template paths only: the same on every device');
  test.setTimeout(120_000);
  const { info } = await openModel(page, '/models/inpage-llama2/', 'fp32');
  expect(info).toMatchObject({
    modelType: 'llama',
    vocabSize: 32000,
    bosToken: { id: 1, content: '<s>' },
    eosTokens: [{ id: 2, content: '</s>' }],
    hasChatTemplate: true,
  });
  const prompt = '[INST] Hi [/INST]';
  const parameters = { max_new_tokens: 12, details: true, decoder_input_details: true };
  const generated = (await json(page, '/generate', { inputs: prompt, parameters })).body as {
    generated_text: string;
    details: { finish_reason: string; prefill: { id: number; text: string }[]; tokens: { id: number; text: string }[] };
  };
  // The first token keeps its space, as streamed (TGI decodes it after the prompt's last token).
  expect(generated.generated_text).toBe(LLAMA2_ANSWER);
  expect(generated.details.finish_reason).toBe('eos_token');
  expect(generated.details.tokens.map((t) => [t.id, t.text])).toEqual(LLAMA2_TOKENS);
  // One BOS, from the tokenizer; each prompt token's text decoded alone (the decoder strips "▁[" to "[").
  expect(generated.details.prefill.map((t) => [t.id, t.text])).toEqual([
    [1, '<s>'],
    [733, '['],
    [16289, 'INST'],
    [28793, ']'],
    [15359, 'Hi'],
    [733, '['],
    [28748, '/'],
    [16289, 'INST'],
    [28793, ']'],
  ]);

  // Streamed token by token: the same texts, and the same final text.
  const streamed = { max_new_tokens: 12, details: true };
  const stream = sseData((await call(page, 'POST', '/generate_stream', { inputs: prompt, parameters: streamed })).text).map(
    (data) => JSON.parse(data) as { token: { id: number; text: string }; generated_text: string | null },
  );
  expect(stream.map((e) => [e.token.id, e.token.text])).toEqual(LLAMA2_TOKENS);
  expect(stream.at(-1)?.generated_text).toBe(LLAMA2_ANSWER);

  // Stop sequences match the decoded text: one ending on the byte token that completes the emoji.
  const stopped = async (stop: string[]) =>
    ((await json(page, '/generate', { inputs: prompt, parameters: { max_new_tokens: 12, stop, details: true } })).body as Generated).generated_text;
  expect(await stopped(['🍣'])).toBe(LLAMA2_ANSWER);
  expect(await stopped(['! '])).toBe(' Hello world! ');

  // Offsets as the Rust tokenizer gives them: its own "▁" belongs to the character after it.
  expect((await json(page, '/tokenize', { inputs: '  two 🍣 <s>日' })).body).toEqual([
    { id: 1, text: '', start: 0, stop: 0 },
    { id: 259, text: ' ', start: 0, stop: 1 },
    { id: 989, text: ' two', start: 1, stop: 5 },
    { id: 28705, text: ' ', start: 5, stop: 6 },
    ...[243, 162, 144, 166].map((id) => ({ id, text: '🍣', start: 6, stop: 10 })),
    { id: 28705, text: ' ', start: 10, stop: 11 },
    { id: 1, text: '<s>', start: 11, stop: 14 },
    { id: 28705, text: '日', start: 14, stop: 17 },
    { id: 29142, text: '日', start: 14, stop: 17 },
  ]);

  // Chat: the template writes the BOS of each turn (none added on top), streamed as not.
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello.' },
    { role: 'user', content: 'Again' },
  ];
  const templated = (await json(page, '/chat_tokenize', { messages })).body as { templated_text: string; tokenize_response: { id: number }[] };
  expect(templated.templated_text).toBe('<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] Again [/INST]');
  expect(templated.tokenize_response.slice(0, 2).map((t) => t.id)).toEqual([1, 733]);
  const chat = (await json(page, '/v1/chat/completions', { model: 'tgi', messages, temperature: 0 })).body as {
    choices: { message: { content: string }; finish_reason: string }[];
    usage: { prompt_tokens: number };
  };
  expect(chat.choices[0]).toMatchObject({ message: { content: LLAMA2_ANSWER }, finish_reason: 'stop' });
  expect(chat.usage.prompt_tokens).toBe(templated.tokenize_response.length);
  const chunks = sseData((await call(page, 'POST', '/v1/chat/completions', { model: 'tgi', messages, temperature: 0, stream: true })).text);
  const deltas = chunks.slice(0, -1).map((data) => (JSON.parse(data) as { choices: { delta: { content?: string } }[] }).choices[0].delta.content ?? '');
  expect(deltas.join('')).toBe(LLAMA2_ANSWER);
  // The template's raise_exception: TGI's 422.
  const refused = await json(page, '/v1/chat/completions', { model: 'tgi', messages: [{ role: 'assistant', content: 'x' }] });
  expect(refused).toMatchObject({
    status: 422,
    body: { error: 'Template error: Conversation roles must alternate user/assistant/user/assistant/...', error_type: 'template_error' },
  });

  // Grammar over the byte-fallback vocabulary: random weights pick the characters, the grammar the form.
  const schema = { type: 'object', properties: { a: { type: 'string', maxLength: 4 } }, required: ['a'] };
  const constrained = (await json(page, '/generate', { inputs: prompt, parameters: { max_new_tokens: 30, grammar: { type: 'json', value: schema } } }))
    .body as Generated;
  expect([...(JSON.parse(constrained.generated_text) as { a: string }).a].length).toBeLessThanOrEqual(4);
  const tool = (
    await json(page, '/v1/chat/completions', { model: 'tgi', messages: [{ role: 'user', content: 'Weather?' }], tools: [ABC], tool_choice: 'required' })
  ).body as { choices: { message: { tool_calls: { function: { name: string; arguments: string } }[] } }[] };
  const call0 = tool.choices[0].message.tool_calls[0].function;
  expect(call0.name).toBe('abc');
  expect([...(JSON.parse(call0.arguments) as { city: string }).city].length).toBeLessThanOrEqual(3);
});
