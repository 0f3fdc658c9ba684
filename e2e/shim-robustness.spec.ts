import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { BASE, call, openShim } from './support/shim';

test.describe('abort, overload, interception', () => {
  for (const how of ['abort the fetch', 'cancel the body reader'] as const) {
    test(`a client that stops reading (${how}) stops the generation, then the next request is served`, async ({ page }) => {
      await openShim(page);
      const result = await page.evaluate(
        async ({ base, how }) => {
          const engine = (window as unknown as { engine: { pending(): number } }).engine;
          const controller = new AbortController();
          const response = await fetch(`${base}/generate_stream`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ inputs: 'A', parameters: { max_new_tokens: 1000 } }),
            signal: controller.signal,
          });
          const reader = response.body!.getReader();
          const decoder = new TextDecoder();
          let received = '';
          while ((received.match(/\n\n/g) ?? []).length < 3) received += decoder.decode((await reader.read()).value);
          if (how === 'abort the fetch') controller.abort();
          else await reader.cancel();
          // The engine frees itself within a decode step.
          const start = performance.now();
          while (engine.pending() > 0 && performance.now() - start < 5000) await new Promise((r) => setTimeout(r, 5));
          const freed = engine.pending() === 0;
          const next = await fetch(`${base}/generate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ inputs: 'hello', parameters: { max_new_tokens: 20 } }),
          });
          return { freed, first: received.split('\n\n')[0], next: await next.text() };
        },
        { base: BASE, how },
      );
      expect(result.first).toMatch(/^data: \{"index":1,"token":\{"id":66,"text":"B"/);
      expect(result.freed).toBe(true);
      expect(result.next).toBe('{"generated_text":"pqrstuvwxyz"}');
    });
  }

  test('more requests than max_concurrent_requests get 429 Model is overloaded', async ({ page }) => {
    await openShim(page, { maxConcurrentRequests: 1 });
    const result = await page.evaluate(async (base) => {
      const controller = new AbortController();
      const long = await fetch(`${base}/generate_stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: 'A', parameters: { max_new_tokens: 1000 } }),
        signal: controller.signal,
      });
      await long.body!.getReader().read();
      const second = await fetch(`${base}/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: 'hello' }),
      });
      const overloaded = { status: second.status, body: await second.text() };
      controller.abort();
      return overloaded;
    }, BASE);
    expect(result).toEqual({ status: 429, body: '{"error":"Model is overloaded","error_type":"overloaded"}' });
  });

  test('requests outside the base URL go to the network untouched', async ({ page, context }) => {
    await openShim(page, { baseUrl: `${BASE}/api` });
    // Anything that reaches the browser's network stack is answered here, so it is seen.
    const reached: string[] = [];
    await context.route(`${BASE}/**`, (route) => {
      reached.push(`${route.request().method()} ${new URL(route.request().url()).pathname} ${route.request().postData() ?? ''}`);
      return route.fulfill({ status: 200, body: 'from the network' });
    });
    const answers = await page.evaluate(async (base) => {
      const text = async (input: RequestInfo, init?: RequestInit) => (await fetch(input, init)).text();
      return {
        otherPath: await text(`${base}/generate`, { method: 'POST', body: '{"inputs":"x"}' }),
        prefixLookalike: await text(`${base}/apix/health`),
        ownOrigin: (await text('/harness.html')).includes('window.inpage') || (await text('/harness.html')).includes('<html'),
        viaRequest: await text(new Request(`${base}/generate`, { method: 'POST', body: 'raw' })),
        shimmed: (await fetch(`${base}/api/health`)).status,
      };
    }, BASE);
    expect(answers).toEqual({
      otherPath: 'from the network',
      prefixLookalike: 'from the network',
      ownOrigin: true,
      viaRequest: 'from the network',
      shimmed: 200,
    });
    expect(reached).toEqual(['POST /generate {"inputs":"x"}', 'GET /apix/health ', 'POST /generate raw']);
  });

  test('two shims for two engines, uninstalled in any order', async ({ page }) => {
    await openShim(page);
    const result = await page.evaluate(async () => {
      const engine = window.inpage.createEngine({ model: '/models/inpage-tiny/' });
      const second = window.inpage.installShim({ baseUrl: 'http://second.test', engine });
      const generate = async (base: string) =>
        (
          await fetch(`${base}/generate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ inputs: 'hello', parameters: { max_new_tokens: 3 } }),
          })
        ).text();
      const both = [await generate('http://localhost:8080'), await generate('http://second.test')];
      (window as unknown as { shim: { uninstall(): void } }).shim.uninstall();
      const afterFirstGone = await generate('http://second.test');
      const firstGone = await fetch('http://localhost:8080/health').then(
        () => 'answered',
        () => 'network error',
      );
      second.uninstall();
      engine.terminate();
      return { both, afterFirstGone, firstGone };
    });
    expect(result).toEqual({
      both: ['{"generated_text":"pqr"}', '{"generated_text":"pqr"}'],
      afterFirstGone: '{"generated_text":"pqr"}',
      firstGone: 'network error',
    });
  });
});

test.describe('bad input never wedges the engine', () => {
  test('random and malformed bodies on every route, then a normal request succeeds', async ({ page }) => {
    test.setTimeout(300_000);
    // A short context keeps every generation the fuzzer may start short.
    await openShim(page, { maxTotalTokens: 48 });
    const routes = ['/', '/generate', '/generate_stream', '/invocations', '/tokenize', '/chat_tokenize', '/v1/chat/completions', '/v1/completions'];
    // Bodies that look like requests, with every field swapped for random JSON, plus raw junk.
    const parameters = fc.record(
      {
        max_new_tokens: fc.oneof(fc.integer({ min: -2, max: 4 }), fc.jsonValue()),
        temperature: fc.oneof(fc.double({ noNaN: true }), fc.jsonValue()),
        top_p: fc.oneof(fc.double({ noNaN: true }), fc.jsonValue()),
        top_k: fc.oneof(fc.integer(), fc.jsonValue()),
        stop: fc.oneof(fc.array(fc.string(), { maxLength: 6 }), fc.jsonValue()),
        details: fc.jsonValue(),
        truncate: fc.oneof(fc.integer({ min: -1, max: 3000 }), fc.jsonValue()),
        best_of: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.jsonValue()),
        seed: fc.oneof(fc.integer(), fc.jsonValue()),
        grammar: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.record({ inputs: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue()), parameters, stream: fc.jsonValue() }, { requiredKeys: [] }),
      fc.record(
        {
          messages: fc.oneof(
            fc.array(fc.record({ role: fc.oneof(fc.constantFrom('user', 'assistant', 'system', 'tool'), fc.jsonValue()), content: fc.jsonValue() })),
            fc.jsonValue(),
          ),
          max_tokens: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.jsonValue()),
          stream: fc.boolean(),
          tools: fc.jsonValue(),
          response_format: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
      fc.record(
        {
          prompt: fc.oneof(fc.string({ maxLength: 10 }), fc.array(fc.string({ maxLength: 5 }), { maxLength: 6 }), fc.jsonValue()),
          max_tokens: fc.integer({ min: -1, max: 4 }),
          stream: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
    );
    const raw = fc.oneof(
      body.map((b) => JSON.stringify(b)),
      fc.string({ maxLength: 40 }),
      fc.constantFrom('', '{', '[]', 'null', '{"inputs":'),
    );
    const cases = fc.sample(fc.tuple(fc.constantFrom(...routes), raw), { numRuns: 150, seed: 20261122 });

    const statuses = await page.evaluate(
      async ({ base, cases }) => {
        const seen: number[] = [];
        for (const [route, text] of cases) {
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(), 20_000);
          const response = await fetch(base + route, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: text,
            signal: controller.signal,
          });
          await response.text();
          clearTimeout(timer);
          seen.push(response.status);
        }
        return seen;
      },
      { base: BASE, cases },
    );
    expect(statuses).toHaveLength(150);
    for (const status of statuses) expect([200, 400, 413, 415, 422, 424, 429]).toContain(status);
    expect(await call(page, 'POST', '/generate', { inputs: 'hello', parameters: { max_new_tokens: 20 } })).toMatchObject({
      status: 200,
      text: '{"generated_text":"pqrstuvwxyz"}',
    });
  });
});
