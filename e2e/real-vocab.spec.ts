import { statSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { expectedDevice } from './support/harness';
import { BASE, json } from './support/shim';
import { ABC } from './support/tools';

// inpage-qwen3 (packages/engine/tools/test-model/real-vocab.ts): Qwen3's real 152k-token tokenizer and chat
// template over a tiny random-weight Qwen3 graph whose greedy output is a chain of real tokens:
// `<think>Hmm</think>\n\nHello world!<|im_end|>`, or `Hello world!<|im_end|>` once the prompt ends in
// `</think>\n\n` (the template's enable_thinking: false). One page load per dtype file runs every check.

const MODEL = '/models/inpage-qwen3/';
const THOUGHT = '<think>Hmm</think>\n\n';
const ANSWER = 'Hello world!';
const FILES = { fp32: 'onnx/model.onnx', q4: 'onnx/model_q4.onnx' } as const;

interface FileProgress {
  file: string;
  loaded: number;
  total: number;
  done: boolean;
}

async function openQwen3(page: Page, dtype: keyof typeof FILES) {
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
    { model: MODEL, dtype, base: BASE },
  );
}

for (const dtype of ['fp32', 'q4'] as const) {
  test(`Qwen3's vocabulary and template, ${dtype} (${FILES[dtype]})`, async ({ page }, testInfo) => {
    test.setTimeout(300_000);
    const { info, files } = await openQwen3(page, dtype);
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
    const size = statSync(new URL(`../models/inpage-qwen3/${FILES[dtype]}`, import.meta.url)).size;
    const onnx = files.filter((p) => p.file === FILES[dtype]);
    expect(onnx.at(-1)).toMatchObject({ done: true, loaded: size, total: size });
    expect(files.some((p) => p.file === 'tokenizer.json' && p.done)).toBe(true);

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

    // /generate: <think> and </think> are plain added tokens (not special), so they stay in generated_text.
    const prompt = '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n';
    const generated = (await json(page, '/generate', { inputs: prompt, parameters: { max_new_tokens: 20, details: true } })).body as {
      generated_text: string;
      details: { finish_reason: string; tokens: { id: number; special: boolean }[] };
    };
    expect(generated.generated_text).toBe(`${THOUGHT}${ANSWER}`);
    expect(generated.details.finish_reason).toBe('eos_token');
    expect(generated.details.tokens.map((t) => t.id)).toEqual([151667, 80022, 151668, 271, 9707, 1879, 0, 151645]);
    const thinkingOff = (await json(page, '/generate', { inputs: `${prompt}<think>\n\n</think>\n\n`, parameters: { max_new_tokens: 20 } }))
      .body as { generated_text: string };
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
