import { expect, test, type Page } from '@playwright/test';
import { openDemo, screenshot } from './support/demo';

/** Numbers that differ between runs or devices: the clock, and logprobs (float noise across backends). */
function normalize(text: string): string {
  return text.replace(/"created": ?\d+/g, '"created":0').replace(/"logprob": ?-?[\d.e-]+/g, '"logprob":0');
}

async function run(page: Page, route: string, edit?: (body: Record<string, unknown>) => void) {
  await page.getByLabel('Route').selectOption({ label: route });
  if (edit) {
    const field = page.getByLabel('Request body (JSON)');
    const body = JSON.parse(await field.inputValue());
    edit(body);
    await field.fill(JSON.stringify(body, null, 2));
  }
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
  return {
    status: (await page.getByTestId('response-status').textContent()) ?? '',
    body: normalize((await page.getByTestId('response-body').textContent()) ?? ''),
  };
}

test.describe('demo: API playground', () => {
  test('every route answers exactly, raw SSE included', async ({ page }, testInfo) => {
    await openDemo(page, '#playground');
    const shown = await page.evaluate(() => window.inpageDemo.baseUrl);
    await expect(page.getByTestId('request-line')).toHaveText(`POST ${shown}/v1/chat/completions`);

    const MODEL = '/models/inpage-tiny/';
    const head = { id: '', created: 0, model: MODEL, system_fingerprint: '0.1.0-native' };
    const json = (value: unknown) => JSON.stringify(value, null, 2).replace(/"created": 0/g, '"created":0');
    const sse = (events: unknown[]) => events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join('');
    const token = (index: number, id: number, last: string | null) => ({
      index,
      token: { id, text: String.fromCharCode(id), logprob: 0, special: false },
      generated_text: last,
      details: null,
    });
    /** Tokens with their byte offsets, one after the other (ASCII only). */
    const spans = (texts: string[], ids: number[]) => {
      let at = 0;
      return texts.map((text, i) => ({ id: ids[i], text, start: at, stop: (at += text.length) }));
    };
    const chunk = (content: string, finish: string | null) => ({
      object: 'chat.completion.chunk',
      ...head,
      choices: [{ index: 0, delta: { role: 'assistant', content }, logprobs: null, finish_reason: finish }],
      usage: null,
    });

    const expected: [string, ((b: Record<string, unknown>) => void) | undefined, RegExp, string][] = [
      ['POST /generate', undefined, /^200 OK/, json({ generated_text: 'pqrstuvwxyz' })],
      [
        'POST /generate_stream',
        (b) => ((b.parameters as Record<string, unknown>).max_new_tokens = 3),
        /^200 OKtext\/event-stream · 3 events/,
        sse([token(1, 112, null), token(2, 113, null), token(3, 114, 'pqr')]),
      ],
      [
        'POST /v1/chat/completions',
        undefined,
        /^200 OKapplication\/json/,
        json({
          object: 'chat.completion',
          ...head,
          choices: [{ index: 0, message: { role: 'assistant', content: 'abcdefghijklmnopqrstuvwxyz' }, logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: 51, completion_tokens: 27, total_tokens: 78, prompt_tokens_details: { cached_tokens: 1 } },
        }),
      ],
      [
        'POST /v1/chat/completions (stream)',
        (b) => (b.max_tokens = 2),
        /^200 OKtext\/event-stream · 4 events/,
        sse([
          chunk('a', null),
          chunk('b', 'length'),
          {
            object: 'chat.completion.chunk',
            ...head,
            choices: [],
            usage: { prompt_tokens: 51, completion_tokens: 2, total_tokens: 53, prompt_tokens_details: { cached_tokens: 50 } },
          },
          '[DONE]',
        ]),
      ],
      [
        'POST /v1/completions',
        undefined,
        /^200 OK/,
        json({
          object: 'text_completion',
          ...head,
          choices: [{ index: 0, text: 'pqrstuvwxyz', logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: 4, completion_tokens: 12, total_tokens: 16, prompt_tokens_details: { cached_tokens: 3 } },
        }),
      ],
      ['POST /', (b) => ((b.parameters as Record<string, unknown>).max_new_tokens = 4), /^200 OK/, json([{ generated_text: 'pqrs' }])],
      [
        'POST /tokenize',
        undefined,
        /^200 OK/,
        json([
          { id: 264, text: '', start: 0, stop: 0 },
          { id: 256, text: 'he', start: 0, stop: 2 },
          { id: 257, text: 'll', start: 2, stop: 4 },
          { id: 111, text: 'o', start: 4, stop: 5 },
        ]),
      ],
      [
        'POST /chat_tokenize',
        (b) => (b.messages = [{ role: 'user', content: 'Hi' }]),
        /^200 OK/,
        json({
          tokenize_response: spans(['<s>', '<|user|>', '\n', 'H', 'i', '<|end|>', '\n', '<|assistant|>', '\n'], [264, 268, 10, 72, 105, 270, 10, 269, 10]),
          templated_text: '<s><|user|>\nHi<|end|>\n<|assistant|>\n',
        }),
      ],
      ['GET /health', undefined, /^200 OKno content type/, '(empty body)'],
      ['GET /v1/models', undefined, /^200 OK/, json({ object: 'list', data: [{ id: MODEL, object: 'model', created: 0, owned_by: MODEL }] })],
      [
        'POST /generate',
        (b) => ((b.parameters as Record<string, unknown>).temperature = 0),
        /^422 Unprocessable Entity/,
        json({ error: 'Input validation error: `temperature` must be strictly positive', error_type: 'validation' }),
      ],
    ];
    for (const [route, edit, status, body] of expected) {
      const result = await run(page, route, edit);
      expect(result.body, route).toBe(body);
      expect(result.status, route).toMatch(status);
    }
    await screenshot(page, testInfo, 'playground');

    // The same call as code, at the shim's address.
    await page.getByLabel('Route').selectOption({ label: 'POST /v1/chat/completions' });
    await page.getByRole('button', { name: 'openai SDK' }).click();
    await expect(page.getByTestId('snippet')).toContainText(`new OpenAI({ baseURL: '${shown}/v1', apiKey: '-', dangerouslyAllowBrowser: true })`);
    await page.getByRole('button', { name: '@huggingface/inference' }).click();
    await expect(page.getByTestId('snippet')).toContainText(`new InferenceClient().endpoint('${shown}')`);
    await page.getByRole('button', { name: 'curl (real TGI)' }).click();
    await expect(page.getByTestId('snippet')).toContainText('curl http://localhost:8080/v1/chat/completions \\');
  });
});
