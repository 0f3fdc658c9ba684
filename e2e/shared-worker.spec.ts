/**
 * One engine per origin in a SharedWorker (hostEngineOnce `host: 'shared-worker'`): every tab
 * connects to the one engine and serves with it, so closing any tab, the first included, loads
 * nothing again while one tab remains; a killed engine is replaced once for all tabs.
 *
 * How "one copy of the weights" is counted: the engine workers alive in the whole origin, by the
 * life locks they hold (engineWorkersAlive; Playwright lists no SharedWorker and sees none of its
 * fetches), and none in the pages. A second tab's load joins the loaded model: it reports no load event
 * (no device choice, no file read, not even from the IndexedDB cache).
 */
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { engineWorkersAlive, expectedDevice, TINY_MODEL } from './support/harness';

const HELLO = JSON.stringify({ inputs: 'hello', parameters: { max_new_tokens: 20 } });
const ANSWER = '{"generated_text":"pqrstuvwxyz"}';
const OTHER_MODEL = '/models/inpage-tiny-chatml/';

type Host = 'auto' | 'shared-worker';

/** Open harness.html under the Service Worker and host the engine with `hostEngineOnce`; resolves once it is ready. */
async function openTab(context: BrowserContext, host: Host = 'shared-worker'): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/harness.html');
  await page.waitForFunction(() => window.inpage?.ready === true);
  await page.evaluate(
    async ({ model, host }) => {
      await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      await navigator.serviceWorker.ready;
      const loadEvents: unknown[] = [];
      const origin = window.inpage.hostEngineOnce({
        baseUrl: `${location.origin}/tgi`,
        host,
        // One sequence at a time: a second request waits in the queue behind a running one.
        createEngine: (placement) => window.inpage.createEngine({ model, ...placement, batching: { maxBatchSize: 1 }, onLoadEvent: (e) => loadEvents.push(e) }),
      });
      Object.assign(window, { origin, loadEvents });
      const { engine, kind } = await origin.hosting();
      Object.assign(window, { engine, kind });
      await engine.ready();
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
      }
    },
    { model: TINY_MODEL, host },
  );
  return page;
}

interface TabState {
  kind: string;
  loadEvents: number;
  restarts: number;
  /** The engine workers alive in the whole origin, by their life locks. */
  engineWorkers: string[];
}

async function tabState(page: Page): Promise<TabState> {
  const state = await page.evaluate(() => {
    const w = window as unknown as { kind: string; loadEvents: unknown[]; engine: { restarts(): number } };
    return { kind: w.kind, loadEvents: w.loadEvents.length, restarts: w.engine.restarts() };
  });
  return { ...state, engineWorkers: await engineWorkersAlive(page) };
}

function generate(page: Page): Promise<string> {
  return page.evaluate(async (body) => {
    const r = await fetch('/tgi/generate', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return `${r.status} ${await r.text()}`;
  }, HELLO);
}

/** Dedicated engine workers of the pages (a SharedWorker host has none). */
const pageEngineWorkers = (pages: Page[]) => pages.flatMap((page) => page.workers()).filter((w) => w.url().includes('engine-worker')).length;

test('two tabs share one engine in the SharedWorker; closing the first reloads nothing; a model change reaches every tab', async ({ context }, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'webgpu', 'a transport: the device does not matter (the WebGPU case below checks the device)');
  const first = await openTab(context);
  const second = await openTab(context);
  const [one, two] = [await tabState(first), await tabState(second)];
  expect(one.kind).toBe('shared-worker');
  expect(one.loadEvents).toBeGreaterThan(0);
  // The second tab's load joined the first's: it read no file, chose no device.
  expect(two).toMatchObject({ kind: 'shared-worker', loadEvents: 0 });
  expect(one.engineWorkers).toHaveLength(1);
  expect(one.engineWorkers[0]).toMatch(/^inpage-engine#shared:/);
  expect(pageEngineWorkers([first, second])).toBe(0);
  expect(await generate(first)).toBe(`200 ${ANSWER}`);
  expect(await generate(second)).toBe(`200 ${ANSWER}`);

  await first.close();
  // Served by the same engine: no restart, no load, the same one worker.
  expect(await generate(second)).toBe(`200 ${ANSWER}`);
  expect(await tabState(second)).toEqual({ ...two, engineWorkers: one.engineWorkers });
  // Another client of the origin, through the Service Worker, to the remaining tab.
  const opened = await context.newPage();
  const info = await opened.goto('/tgi/info');
  expect(info?.status()).toBe(200);
  expect(await info?.json()).toMatchObject({ model_id: TINY_MODEL, device: 'wasm' });

  // A load of another model in one tab changes the one engine's model for every tab, and their /info follows.
  const third = await openTab(context);
  await second.evaluate((model) => (window as unknown as { engine: { load(o: { model: string }): Promise<unknown> } }).engine.load({ model }), OTHER_MODEL);
  await expect.poll(() => third.evaluate(async () => (await (await fetch('/tgi/info')).json()).model_id)).toBe(OTHER_MODEL);
  expect(await engineWorkersAlive(third)).toEqual(one.engineWorkers);
});

test('a killed engine: the stream fails at once, /health 503 then 200, the other tab’s queued request is served', async ({ context }, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'webgpu', 'the worker dies the same way on either device: run once, on WASM');
  const first = await openTab(context);
  const second = await openTab(context);
  const before = (await tabState(first)).engineWorkers;
  const stream = first.evaluate(async () => {
    const r = await fetch('/tgi/generate_stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: 'A', parameters: { max_new_tokens: 1000 } }),
    });
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = (await reader.read()).value!;
    const started = performance.now();
    Object.assign(window, { started });
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    const msToError = performance.now() - (window as unknown as { killedAt: number }).killedAt;
    const health = (await fetch('/tgi/health')).status;
    return { first, last: text.trim().split('\n\n').at(-1)!, msToError, health };
  });
  await first.waitForFunction(() => 'started' in window);
  // Queued in the shared engine behind the first tab's stream (batches of one).
  const queued = generate(second);
  await expect.poll(async () => (await first.evaluate(() => fetch('/tgi/metrics').then((r) => r.text()))).match(/^tgi_queue_size (\d+)/m)?.[1]).toBe('1');
  await first.evaluate(() => {
    Object.assign(window, { killedAt: performance.now() });
    (window as unknown as { engine: { testHooks: { killWorker(): void } } }).engine.testHooks.killWorker();
  });
  const recovery = await stream;
  expect(recovery.first).toContain('"text":"B"');
  const error = JSON.parse(recovery.last.replace(/^data: ?/, ''));
  expect(error).toMatchObject({ error_type: 'generation' });
  expect(error.error).toMatch(/^Request failed during generation: the engine's worker stopped \(it was killed or crashed\); the engine is restarting/);
  expect(recovery.msToError).toBeLessThan(2_000);
  expect(recovery.health).toBe(503);
  expect(await queued).toBe(`200 ${ANSWER}`);
  await expect.poll(() => first.evaluate(async () => (await fetch('/tgi/health')).status)).toBe(200);
  expect(await generate(first)).toBe(`200 ${ANSWER}`);
  // Both tabs moved to the same new SharedWorker: one engine worker, not the old one.
  const [one, two] = [await tabState(first), await tabState(second)];
  expect(one.restarts).toBe(1);
  expect(two.restarts).toBe(1);
  expect(one.engineWorkers).toHaveLength(1);
  expect(one.engineWorkers).not.toEqual(before);
  expect(two.engineWorkers).toEqual(one.engineWorkers);
});

test('a tab that leaves takes its waiting requests with it: the shared queue does not serve a closed tab', async ({ context }, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'webgpu', 'a transport: the device does not matter');
  const first = await openTab(context);
  const second = await openTab(context);
  // The second tab's long stream runs (batches of one); the first tab's request waits behind it.
  await second.evaluate(async () => {
    const r = await fetch('/tgi/generate_stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: 'A', parameters: { max_new_tokens: 2000 } }),
    });
    const reader = r.body!.getReader();
    const run = { done: false };
    Object.assign(window, { run, reader });
    await reader.read();
    void (async () => {
      while (!(await reader.read()).done);
      run.done = true;
    })();
  });
  void first
    .evaluate((body) => fetch('/tgi/generate', { method: 'POST', headers: { 'content-type': 'application/json' }, body }), HELLO)
    .catch(() => undefined);
  const queued = () => second.evaluate(async () => (await (await fetch('/tgi/metrics')).text()).match(/^tgi_queue_size (\d+)/m)?.[1]);
  await expect.poll(queued).toBe('1');
  await first.close();
  // Gone from the queue while the stream still runs: not served in its turn, dropped when its tab left.
  await expect.poll(queued).toBe('0');
  expect(await second.evaluate(() => (window as unknown as { run: { done: boolean } }).run.done)).toBe(false);
});

test('startInpage with a sharedWorker name: each tab patches its own fetch, one engine serves them all', async ({ context }, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'webgpu', 'a transport: the device does not matter');
  const tabs: Page[] = [];
  for (let i = 0; i < 2; i++) {
    const page = await context.newPage();
    await page.goto('/harness.html');
    await page.waitForFunction(() => window.inpage?.ready === true);
    await page.evaluate(async (model) => {
      const { engine } = window.inpage.startInpage({ model, baseUrl: `${location.origin}/tgi`, sharedWorker: 'app' });
      await engine.ready();
    }, TINY_MODEL);
    tabs.push(page);
  }
  for (const page of tabs) expect(await generate(page)).toBe(`200 ${ANSWER}`);
  const alive = await engineWorkersAlive(tabs[1]);
  expect(alive).toEqual(['inpage-engine#shared:app#0:alive']);
  expect(pageEngineWorkers(tabs)).toBe(0);
  await tabs[0].close();
  expect(await generate(tabs[1])).toBe(`200 ${ANSWER}`);
  expect(await engineWorkersAlive(tabs[1])).toEqual(alive);
});

test('on WebGPU the default host is the SharedWorker, the engine runs on WebGPU in it, and a lost device moves it to a new one', async ({
  context,
}, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'wasm', 'needs a WebGPU adapter in the SharedWorker');
  const page = await openTab(context, 'auto');
  const before = await tabState(page);
  expect(before.kind).toBe('shared-worker');
  expect(await page.evaluate(async () => (await (await fetch('/tgi/info')).json()).device)).toBe('webgpu');
  expect(await generate(page)).toBe(`200 ${ANSWER}`);

  await page.evaluate(() => (window as unknown as { engine: { testHooks: { loseDevice(): void } } }).engine.testHooks.loseDevice());
  await expect.poll(async () => (await tabState(page)).restarts).toBe(1);
  // Waits for the new SharedWorker's load, then answers; one loss keeps WebGPU.
  expect(await generate(page)).toBe(`200 ${ANSWER}`);
  expect(await page.evaluate(async () => (await (await fetch('/tgi/info')).json()).device)).toBe('webgpu');
  const after = await engineWorkersAlive(page);
  expect(after).toHaveLength(1);
  expect(after).not.toEqual(before.engineWorkers);
});
