/**
 * The shim's routes and the unmodified clients in stock Firefox (firefox-esr over WebDriver BiDi), on
 * the WASM path: a subset of shim-routes.spec.ts and shim-clients.spec.ts with the same exact results.
 * Run by scripts/test.sh after `vite build`: `tsx --test e2e/firefox/shim.firefox.ts`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { ALPHABET } from '../support/demo';
import { BASE, sseData } from '../support/shim';
import { call, launchFirefox, openShim, startPreview } from './browser';

describe('Firefox: the shim and its clients on WASM', { timeout: 300_000 }, () => {
  let preview: Awaited<ReturnType<typeof startPreview>>;
  let browser: Browser;
  let page: Page;

  before(async () => {
    preview = await startPreview(Number(process.env.E2E_PORT ?? 4173));
    browser = await launchFirefox();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    preview?.stop();
  });

  it('loads the test model on WASM in a cross-origin isolated page', async () => {
    const info = await openShim(page, preview.origin, BASE);
    assert.equal(info.device, 'wasm');
    // Firefox honours COOP/COEP like Chromium: SharedArrayBuffer, so onnxruntime-web's WASM threads.
    assert.deepEqual(await page.evaluate(() => [crossOriginIsolated, typeof SharedArrayBuffer]), [true, 'function']);
  });

  it('POST /generate: the exact greedy text and details', async () => {
    const response = await call(page, BASE, 'POST', '/generate', { inputs: 'hello', parameters: { max_new_tokens: 20, details: true } });
    assert.equal(response.status, 200, response.text);
    const body = JSON.parse(response.text);
    assert.equal(body.generated_text, 'pqrstuvwxyz');
    assert.deepEqual(
      { finish_reason: body.details.finish_reason, generated_tokens: body.details.generated_tokens },
      { finish_reason: 'eos_token', generated_tokens: 12 },
    );
  });

  it('POST /generate_stream: one SSE event per token, the last with the text and details', async () => {
    const response = await call(page, BASE, 'POST', '/generate_stream', { inputs: 'hello', parameters: { max_new_tokens: 4, details: true } });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'text/event-stream');
    const events = sseData(response.text).map((data) => JSON.parse(data));
    assert.deepEqual(
      events.map((e) => [e.index, e.token.text, e.generated_text]),
      [
        [1, 'p', null],
        [2, 'q', null],
        [3, 'r', null],
        [4, 's', 'pqrs'],
      ],
    );
    assert.deepEqual(events[3].details, { finish_reason: 'length', generated_tokens: 4, seed: null, input_length: 4 });
  });

  it('openai SDK: chat created and streamed', async () => {
    const result = await page.evaluate(async (base) => {
      const openai = new window.inpage.OpenAI({ baseURL: `${base}/v1`, apiKey: '-', dangerouslyAllowBrowser: true });
      const messages = [{ role: 'user' as const, content: 'Hi' }];
      const chat = await openai.chat.completions.create({ model: 'tgi', messages, temperature: 0 });
      const stream = await openai.chat.completions.create({ model: 'tgi', messages, temperature: 0, max_tokens: 5, stream: true });
      const deltas: string[] = [];
      const finishes: (string | null)[] = [];
      for await (const chunk of stream) {
        deltas.push(chunk.choices[0]?.delta.content ?? '');
        finishes.push(chunk.choices[0]?.finish_reason ?? null);
      }
      return { message: chat.choices[0].message, deltas, finishes };
    }, BASE);
    assert.deepEqual(result.message, { role: 'assistant', content: ALPHABET });
    assert.deepEqual(result.deltas, ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(result.finishes, [null, null, null, null, 'length']);
  });

  it('@huggingface/inference: textGeneration and chatCompletionStream', async () => {
    const result = await page.evaluate(async (base) => {
      const client = new window.inpage.InferenceClient().endpoint(base);
      const generation = await client.textGeneration({ inputs: 'hello', parameters: { max_new_tokens: 20, temperature: 0 } } as never);
      const deltas: string[] = [];
      for await (const chunk of client.chatCompletionStream({ messages: [{ role: 'user', content: 'Hi' }], temperature: 0, max_tokens: 4 })) {
        deltas.push(chunk.choices[0]?.delta.content ?? '');
      }
      return { text: generation.generated_text, deltas };
    }, BASE);
    assert.deepEqual(result, { text: 'pqrstuvwxyz', deltas: ['a', 'b', 'c', 'd'] });
  });

  it('a validation error is TGI-shaped, as JSON and inside a stream', async () => {
    const native = await call(page, BASE, 'POST', '/generate', { inputs: 'hello', parameters: { top_p: 2 } });
    assert.deepEqual(
      [native.status, JSON.parse(native.text)],
      [422, { error: 'Input validation error: `top_p` must be > 0.0 and < 1.0', error_type: 'validation' }],
    );
    const chat = await call(page, BASE, 'POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], top_p: 2, stream: true });
    assert.equal(chat.text, 'data: {"error":{"message":"Input validation error: `top_p` must be > 0.0 and < 1.0","http_status_code":422}}\n\ndata: [DONE]\n\n');
  });
});
