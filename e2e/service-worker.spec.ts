/**
 * The Service Worker transport and one engine per origin: the demo's Service Worker relays every
 * request under /tgi to the tab that won the election (hostEngineOnce), whatever the client.
 * The device does not matter here: WASM only.
 */
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { expectedDevice, TINY_MODEL } from './support/harness';

const HELLO = JSON.stringify({ inputs: 'hello', parameters: { max_new_tokens: 20 } });
const ANSWER = '{"generated_text":"pqrstuvwxyz"}';

test.beforeEach(({ browserName: _ }, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'webgpu', 'a transport: the device does not matter');
});

/**
 * Open harness.html under the Service Worker and join the election; the first tab hosts the engine.
 * `maxBatchSize: 1` makes a request wait behind a running one instead of joining its batch.
 */
async function openTab(context: BrowserContext, batching?: { maxBatchSize: number }): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/harness.html');
  await page.waitForFunction(() => window.inpage?.ready === true);
  await page.evaluate(
    async ({ model, batching }) => {
      await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      await navigator.serviceWorker.ready;
      // The election answers asynchronously (a Web Lock): the role is recorded once it is known.
      const origin = window.inpage.hostEngineOnce({
        baseUrl: `${location.origin}/tgi`,
        // The leader-tab host (the fallback where a SharedWorker has no WebGPU or does not exist): e2e/shared-worker.spec.ts tests the other.
        host: 'leader-tab',
        createEngine: () => window.inpage.createEngine({ model, ...(batching && { batching }) }),
        onGuest: () => Object.assign(window, { role: 'guest' }),
      });
      void origin.hosting().then(() => Object.assign(window, { role: 'host' }));
      Object.assign(window, { origin });
      // The worker claims the page on its first visit; until then the fetch patch serves the host.
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
      }
    },
    { model: TINY_MODEL, batching },
  );
  return page;
}

function isHost(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { origin: { isHost(): boolean } }).origin.isHost());
}

/** The tab's part once the election has answered: the host, or a guest waiting in line. */
async function roleOf(page: Page): Promise<string> {
  return (await page.waitForFunction(() => (window as unknown as { role?: string }).role)).jsonValue() as Promise<string>;
}

/** Generations waiting or running on the engine the page hosts. */
function pendingOn(host: Page): Promise<number> {
  return host.evaluate(() =>
    (window as unknown as { origin: { hosting(): Promise<{ engine: { pending(): number } }> } }).origin.hosting().then((h) => h.engine.pending()),
  );
}

function engineWorkers(pages: Page[]): number {
  return pages.flatMap((page) => page.workers()).filter((worker) => worker.url().includes('engine-worker')).length;
}

test('XHR, a worker, an iframe, a second tab and a GET opened in a tab: all answered by one engine', async ({ context }) => {
  const modelFiles: string[] = [];
  context.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/models/')) modelFiles.push(request.url());
  });
  const first = await openTab(context);
  expect(await roleOf(first)).toBe('host');
  expect(await isHost(first)).toBe(true);
  await first.evaluate(() =>
    (window as unknown as { origin: { hosting(): Promise<{ engine: { ready(): Promise<unknown> } }> } }).origin.hosting().then((host) => host.engine.ready()),
  );
  const fetchedOnce = modelFiles.length;

  const answers = await first.evaluate(async (body) => {
    const url = `${location.origin}/tgi/generate`;
    const xhr = await new Promise<string>((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('POST', url);
      request.setRequestHeader('content-type', 'application/json');
      request.onload = () => resolve(`${request.status} ${request.responseText}`);
      request.onerror = reject;
      request.send(body);
    });
    const code = `fetch(${JSON.stringify(url)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body)} })
      .then(async (r) => postMessage(r.status + ' ' + (await r.text())), (e) => postMessage(String(e)));`;
    const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    const fromWorker = await new Promise<string>((resolve) => (worker.onmessage = (e) => resolve(e.data)));
    const iframe = document.createElement('iframe');
    // A document of the app (Chromium leaves an about:blank frame uncontrolled).
    iframe.src = '/harness.html';
    await new Promise((resolve) => {
      iframe.onload = resolve;
      document.body.append(iframe);
    });
    const frameFetch = (iframe.contentWindow as Window & typeof globalThis).fetch;
    const r = await frameFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { xhr, fromWorker, fromIframe: `${r.status} ${await r.text()}` };
  }, HELLO);
  expect(answers).toEqual({ xhr: `200 ${ANSWER}`, fromWorker: `200 ${ANSWER}`, fromIframe: `200 ${ANSWER}` });

  const second = await openTab(context);
  expect(await roleOf(second)).toBe('guest');
  expect(await isHost(second)).toBe(false);
  const fromSecond = await second.evaluate(async (body) => {
    const r = await fetch('/tgi/generate', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return `${r.status} ${await r.text()}`;
  }, HELLO);
  expect(fromSecond).toBe(`200 ${ANSWER}`);

  const opened = await context.newPage();
  const info = await opened.goto('/tgi/info');
  expect(info?.status()).toBe(200);
  expect(await info?.json()).toMatchObject({ model_id: TINY_MODEL, device: 'wasm' });
  expect((await opened.goto('/tgi/health'))?.status()).toBe(200);

  // One copy of the weights: one engine worker among all tabs, and no tab but the first fetched a model file.
  expect(engineWorkers([first, second, opened])).toBe(1);
  expect(fetchedOnce).toBeGreaterThan(0);
  expect(modelFiles.length).toBe(fetchedOnce);
});

test('a stream through the Service Worker arrives as it is made; a client that cancels frees the engine', async ({ context }) => {
  const host = await openTab(context);
  const client = await openTab(context);
  const first = await client.evaluate(async () => {
    const r = await fetch('/tgi/generate_stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: 'A', parameters: { max_new_tokens: 2000 } }),
    });
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    const { value } = await reader.read();
    await reader.cancel();
    return value!;
  });
  // The first event, long before the 2000th token.
  expect(first).toMatch(/^data: \{"index":1,"token":\{"id":66,"text":"B",/);
  await expect.poll(() => pendingOn(host), { timeout: 5_000 }).toBe(0);
  expect(
    await client.evaluate(
      async (body) => (await fetch('/tgi/generate', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text(),
      HELLO,
    ),
  ).toBe(ANSWER);
});

test('when the hosting tab closes, another tab takes over and answers what the first had queued', async ({ context }) => {
  const host = await openTab(context, { maxBatchSize: 1 });
  const next = await openTab(context, { maxBatchSize: 1 });
  expect(await roleOf(next)).toBe('guest');
  expect(await isHost(next)).toBe(false);
  // The host is busy with a long stream of its own; the other tab's request waits in its queue (batches of one).
  await host.evaluate(async () => {
    const r = await fetch('/tgi/generate_stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: 'A', parameters: { max_new_tokens: 2000 } }),
    });
    // Kept reachable: a collected reader would cancel the stream, and with it the generation.
    const reader = r.body!.getReader();
    Object.assign(window, { reader });
    await reader.read();
  });
  const queued = next.evaluate(async (body) => {
    const r = await fetch('/tgi/generate', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return `${r.status} ${await r.text()}`;
  }, HELLO);
  // Relayed to the host and queued behind its stream: two generations pending there.
  await expect.poll(() => pendingOn(host)).toBe(2);
  await host.close();
  expect(await queued).toBe(`200 ${ANSWER}`);
  expect(await isHost(next)).toBe(true);
  expect(engineWorkers([next])).toBe(1);
});
