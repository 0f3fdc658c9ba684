/**
 * Supervision: the engine's worker killed from outside, or its GPU device destroyed, in the middle
 * of a stream. The stream ends with TGI's generation error at once, /health says 503 while the
 * engine restarts from the weight cache (no model bytes from the network) and 200 after, the
 * requests that were queued behind the stream are answered exactly, and so is the next one.
 * Then xgrammar's trap: a 422 in words, and the next grammar request works.
 */
import { expect, type Page, test } from '@playwright/test';
import { expectedDevice, TINY_MODEL } from './support/harness';
import { BASE, json, openShim } from './support/shim';

const HELLO = { inputs: 'hello', parameters: { max_new_tokens: 20 } };

interface Recovery {
  firstEvent: string;
  lastEvent: string;
  msToError: number;
  healthDuringRestart: number;
  healthAfter: number;
  queued: { status: number; text: string }[];
  restarts: number;
}

/** Start a long stream and two queued requests, make the worker fail with `hook`, and watch the recovery. */
function failMidStream(page: Page, hook: 'killWorker' | 'loseDevice' | 'hangWorker'): Promise<Recovery> {
  return page.evaluate(
    async ({ base, hook, hello }) => {
      type Supervised = { testHooks: Record<string, () => void>; restarts(): number };
      const engine = (window as unknown as { engine: Supervised }).engine;
      const post = (path: string, body: unknown) =>
        fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const stream = await post('/generate_stream', { inputs: 'A', parameters: { max_new_tokens: 1000 } });
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      const first = await reader.read();
      // Queued behind the stream (these engines batch one sequence at a time; sequences IN a batch fail
      // with their worker, as TGI's batch does with its shard): kept and served after the restart.
      const queued = [post('/generate', hello), post('/generate', hello)].map((p) => p.then(async (r) => ({ status: r.status, text: await r.text() })));
      const failedAt = performance.now();
      engine.testHooks[hook]();
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += value;
      }
      const msToError = performance.now() - failedAt;
      const healthDuringRestart = (await fetch(`${base}/health`)).status;
      const answers = await Promise.all(queued);
      const healthAfter = (await fetch(`${base}/health`)).status;
      const events = text.trim().split('\n\n');
      return {
        firstEvent: first.value!,
        lastEvent: events[events.length - 1],
        msToError,
        healthDuringRestart,
        healthAfter,
        queued: answers,
        restarts: engine.restarts(),
      };
    },
    { base: BASE, hook, hello: HELLO },
  );
}

async function expectRecovered(page: Page, recovery: Recovery, cause: RegExp, withinMs = 2_000): Promise<void> {
  expect(recovery.firstEvent).toContain('"text":"B"');
  const error = JSON.parse(recovery.lastEvent.replace(/^data: ?/, ''));
  expect(error.error_type).toBe('generation');
  expect(error.error).toMatch(/^Request failed during generation: /);
  expect(error.error).toMatch(cause);
  expect(recovery.msToError).toBeLessThan(withinMs);
  expect(recovery.healthDuringRestart).toBe(503);
  for (const answer of recovery.queued) {
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ generated_text: 'pqrstuvwxyz' });
  }
  expect(recovery.healthAfter).toBe(200);
  expect(recovery.restarts).toBe(1);
  expect(await json(page, '/generate', HELLO)).toEqual({ status: 200, body: { generated_text: 'pqrstuvwxyz' } });
}

/** Model files fetched from the network from now on (the restart must read them all from IndexedDB). */
function countModelRequests(page: Page): () => number {
  let count = 0;
  page.context().on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/models/')) count++;
  });
  return () => count;
}

test('a worker killed mid-stream: the error at once, /health 503 then 200, queued requests and the next answered', async ({ page }, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'webgpu', 'the worker dies the same way on either device: run once, on WASM');
  await openShim(page, { batching: { maxBatchSize: 1 } });
  const modelRequests = countModelRequests(page);
  const recovery = await failMidStream(page, 'killWorker');
  await expectRecovered(page, recovery, /the engine's worker stopped \(it was killed or crashed\); the engine is restarting/);
  expect(modelRequests()).toBe(0);
});

test('a worker that stops answering is found by its heartbeat and replaced the same way', async ({ page }, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'webgpu', 'a stuck worker is the same on either device: run once, on WASM');
  await page.goto('/harness.html');
  await page.waitForFunction(() => window.inpage?.ready === true);
  await page.evaluate(
    async ({ model, base }) => {
      // A short heartbeat, so that the test need not wait out the default minute of silence.
      const engine = window.inpage.createEngine({ model, heartbeatMs: 250, heartbeatTimeoutMs: 2_000, batching: { maxBatchSize: 1 } });
      const shim = window.inpage.installShim({ baseUrl: base, engine });
      Object.assign(window, { engine, shim });
      await engine.ready();
    },
    { model: TINY_MODEL, base: BASE },
  );
  const recovery = await failMidStream(page, 'hangWorker');
  await expectRecovered(page, recovery, /the engine's worker stopped answering \(no heartbeat for 2 s\)/, 2_000 + 2_000);
});

test('a lost GPU device: the same recovery; a second loss falls back to WASM, with the reason in /info', async ({ page }, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'wasm', 'needs a WebGPU device to lose');
  await openShim(page, { batching: { maxBatchSize: 1 } });
  // onnxruntime destroys its own device when a model swap releases the last session: not a loss.
  const restartsAfterSwaps = await page.evaluate(async (model) => {
    const engine = (window as unknown as { engine: { load(o: { model: string }): Promise<unknown>; restarts(): number } }).engine;
    await engine.load({ model: '/models/inpage-tiny-chatml/' });
    await engine.load({ model });
    return engine.restarts();
  }, TINY_MODEL);
  expect(restartsAfterSwaps).toBe(0);
  const modelRequests = countModelRequests(page);
  const recovery = await failMidStream(page, 'loseDevice');
  await expectRecovered(page, recovery, /the GPU device was destroyed/);
  expect(modelRequests()).toBe(0);

  await page.evaluate(() => (window as unknown as { engine: { testHooks: { loseDevice(): void } } }).engine.testHooks.loseDevice());
  await expect
    .poll(async () => (await json(page, '/info')).body)
    .toMatchObject({
      device: 'wasm',
      device_reason: expect.stringMatching(/^WebGPU device lost 2 times \(last: the GPU device was destroyed/),
    });
  expect(await json(page, '/generate', HELLO)).toEqual({ status: 200, body: { generated_text: 'pqrstuvwxyz' } });
});

/** An object schema whose one property is an object schema, `levels` times. */
function nested(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'boolean' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { a: schema }, required: ['a'] };
  return schema;
}

const BOOLEAN_FIELD = { type: 'object', properties: { b: { type: 'boolean' } }, required: ['b'] };
/** As a JSON string: Playwright cannot pass an argument nested this deep into the page. */
const grammarRequest = (value: unknown) => JSON.stringify({ inputs: 'Hi ', parameters: { max_new_tokens: 20, grammar: { type: 'json', value } } });

test('a grammar too deep is refused before compiling; one that traps xgrammar rebuilds it; the next grammar works', async ({ page }, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'webgpu', 'grammars compile the same way on either device');
  await openShim(page);
  expect(await json(page, '/generate', grammarRequest(nested(200)))).toEqual({
    status: 422,
    body: {
      error: 'Input validation error: grammar is not valid: the schema nests more than 64 levels deep',
      error_type: 'validation',
    },
  });

  // Within the shim's bound a schema compiles; past it (through the engine directly) xgrammar traps.
  const trapped = await page.evaluate(
    async ({ schemaJson }) => {
      const schema: unknown = JSON.parse(schemaJson);
      type Direct = { tokenize(t: string): Promise<{ id: number }[]>; generate(r: unknown): AsyncIterable<unknown> };
      const engine = (window as unknown as { engine: Direct }).engine;
      const inputIds = (await engine.tokenize('Hi ')).map((t) => t.id);
      try {
        for await (const _ of engine.generate({ inputIds, maxNewTokens: 5, sampling: { doSample: false }, grammar: { type: 'json_schema', schema } }));
        return 'no error';
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    },
    { schemaJson: JSON.stringify(nested(200)) },
  );
  expect(trapped).toBe(
    'EngineError: the grammar is too complex for the grammar compiler (it trapped: memory access out of bounds); simplify or flatten the schema',
  );
  expect(await json(page, '/generate', grammarRequest(BOOLEAN_FIELD))).toEqual({
    status: 200,
    body: { generated_text: '{"b":false}' },
  });
  expect(await json(page, '/generate', grammarRequest(nested(30)))).toMatchObject({ status: 200 });
});
