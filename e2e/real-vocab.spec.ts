import { statSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { expectedDevice, skipWithoutShaderF16 } from './support/harness';
import { BASE, json } from './support/shim';
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
