import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { ALPHABET, openDemo, replies, screenshot, sendChat } from './support/demo';

// page.route / context.route must see the engine worker's fetches: no service worker in between,
// and the engine in the page's own worker (`?host=leader-tab`): Playwright neither sees nor routes
// a SharedWorker's fetches, where the demo would host it on WebGPU.
test.use({ serviceWorkers: 'block' });
const OWN_WORKER = '?host=leader-tab';

const isProbe = async (route: { request(): { headerValue(name: string): Promise<string | null> } }) =>
  (await route.request().headerValue('range')) === 'bytes=0-0';

/**
 * A model folder that is the test model's files served slowly: `/models/slow/…` answers with
 * `/models/inpage-tiny/…`, the weights held until `release()`.
 */
async function slowModel(context: BrowserContext): Promise<{ release(): void }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await context.route('**/models/slow/**', async (route) => {
    const url = route.request().url().replace('/models/slow/', '/models/inpage-tiny/');
    if (url.endsWith('/onnx/model.onnx') && !(await isProbe(route))) await gate;
    const headers = route.request().headers();
    return route.fulfill({ response: await route.fetch({ url, headers }) });
  });
  return { release };
}

async function pickOther(page: Page, model: string) {
  await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption({ label: 'Another model: hub id or folder URL…' });
  await page.getByLabel('Hub id or model folder URL').fill(model);
  await page.getByRole('button', { name: 'Load' }).click();
}

test.describe('demo: models', () => {
  test('loading shows per-file and overall progress with bytes and speed, then serves', async ({ page, context }, testInfo) => {
    // A slow connection (DevTools network throttling, ~50 kB/s) so the weights arrive over seconds.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 50_000, uploadThroughput: -1 });
    await page.goto(`/${OWN_WORKER}`);
    await expect(page.getByRole('button', { name: 'Cancel' })).toBeVisible();
    const weights = page.locator('li[data-file="onnx/model.onnx"]');
    await expect(weights).toContainText(/^onnx\/model\.onnx\d+ kB \/ 446 kB$/);
    await expect(page.locator('li[data-file="tokenizer.json"]')).toContainText('✓ 7.4 kB / 7.4 kB');
    await expect(page.getByTestId('progress-overall')).toHaveText(/^\d+ kB of 455 kB · \d+% · \d+ kB\/s$/);
    const overall = await page.getByLabel('Overall download progress').evaluate((bar) => (bar as HTMLProgressElement).value);
    expect(overall).toBeGreaterThan(0);
    expect(overall).toBeLessThan(100);
    await screenshot(page, testInfo, 'progress');
    // Full speed again before onnxruntime fetches its 27 MB wasm.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

    await expect(page.getByTestId('loaded')).toHaveText(/^Serving inpage-tiny on (WebGPU|WASM), fp32\.$/, { timeout: 60_000 });
    await expect(page.getByTestId('health')).toHaveText('200 OK');
    await expect(page.getByTestId('load-progress')).toHaveCount(0);
  });

  test('a load can be cancelled while the model in use keeps serving', async ({ page, context }) => {
    await openDemo(page, OWN_WORKER);
    await slowModel(context);
    await pickOther(page, '/models/slow/');
    await expect(page.getByTestId('load-progress')).toContainText('Loading /models/slow/');
    await expect(page.locator('li[data-file="onnx/model.onnx"]')).toBeVisible();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByText('Loading cancelled.')).toBeVisible();
    await expect(page.getByTestId('load-progress')).toHaveCount(0);
    await expect(page.getByTestId('loaded')).toContainText('Serving inpage-tiny');
    await sendChat(page, 'Hi');
    await expect(replies(page).last().locator('.text')).toHaveText(ALPHABET);
  });

  test('another model folder loads by URL and takes over; ?model= picks it on open', async ({ page, context }) => {
    const slow = await slowModel(context);
    slow.release();
    await page.goto(`/${OWN_WORKER}&model=/models/slow/&device=wasm`);
    await expect(page.getByTestId('loaded')).toHaveText('Serving /models/slow/ on WASM, fp32.');
    await expect(page.getByLabel('Hub id or model folder URL')).toHaveValue('/models/slow/');
    await expect(page.getByTestId('device')).toHaveText('WASM');
    expect(await page.evaluate(async () => (await fetch(`${window.inpageDemo.baseUrl}/health`)).status)).toBe(200);
    const info = await page.evaluate(async () => (await fetch(`${window.inpageDemo.baseUrl}/info`)).json());
    expect(info).toMatchObject({ model_id: '/models/slow/', device: 'wasm' });

    // Back to the built-in model from the picker: the address forgets ?model=.
    await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption({ index: 0 });
    await page.getByRole('button', { name: 'Load' }).click();
    await expect(page.getByTestId('loaded')).toHaveText('Serving inpage-tiny on WASM, fp32.');
    expect(new URL(page.url()).search).toBe(`${OWN_WORKER}&device=wasm`);
  });

  test('a model swap never cuts an answer in flight: the old model finishes it, the new one serves after', async ({ page, context }) => {
    const slow = await slowModel(context);
    slow.release();
    await openDemo(page, `${OWN_WORKER}&device=wasm`);
    // A long stream (the test model counts A..Z over and over), read by the page while the swap happens.
    await page.evaluate(() => {
      const run = { tokens: 0, finish: null as string | null, doneAt: 0, error: null as string | null };
      (window as unknown as { run: typeof run }).run = run;
      void (async () => {
        const response = await fetch(`${window.inpageDemo.baseUrl}/generate_stream`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: 'A', parameters: { max_new_tokens: 1500, details: true } }),
        });
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        for (let buffer = ''; ; ) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          const events = buffer.split('\n\n');
          buffer = events.pop()!;
          for (const event of events) {
            const data = JSON.parse(event.slice('data:'.length));
            if (data.error) run.error = data.error;
            else run.tokens++;
            if (data.details) run.finish = data.details.finish_reason;
          }
        }
        run.doneAt = performance.now();
      })().catch((error) => (run.error = String(error)));
    });
    const run = () => page.evaluate(() => (window as unknown as { run: { tokens: number; finish: string | null; doneAt: number; error: string | null } }).run);
    await expect.poll(async () => (await run()).tokens).toBeGreaterThan(0);
    await pickOther(page, '/models/slow/');
    await expect(page.getByTestId('loaded')).toHaveText('Serving /models/slow/ on WASM, fp32.');
    const swappedAt = await page.evaluate(() => performance.now());
    await expect.poll(async () => (await run()).doneAt, { timeout: 60_000 }).toBeGreaterThan(0);
    const finished = await run();
    expect(finished).toMatchObject({ tokens: 1500, finish: 'length', error: null });
    // The swap did happen mid-answer (else this test would prove nothing).
    expect(finished.doneAt).toBeGreaterThan(swappedAt);
    const info = await page.evaluate(async () => (await fetch(`${window.inpageDemo.baseUrl}/info`)).json());
    expect(info).toMatchObject({ model_id: '/models/slow/' });
  });

  test('cached models are listed with sizes and can be deleted', async ({ page, context }) => {
    await openDemo(page, OWN_WORKER);
    const row = page.locator('.cache-list li[data-model="/models/inpage-tiny/"]');
    await expect(row).toContainText('inpage-tiny455 kB · 5 files');
    // The list read at start-up went to the engine the first load replaced: it must still answer.
    await expect(page.locator('#cache-panel [role="status"]')).toHaveText('');
    await expect(page.getByText(/^Storage: .+ used of .+ available to this site$/)).toBeVisible();
    await page.getByRole('button', { name: 'Delete inpage-tiny' }).click();
    await expect(page.getByText('Deleted inpage-tiny.')).toBeVisible();
    await expect(page.locator('.cache-list')).toHaveText('No model is cached yet.');
    expect(await page.evaluate(() => window.inpageDemo.session.engine().listCachedModels())).toEqual([]);

    // Gone for real: the next open downloads the weights again.
    const fetched: string[] = [];
    await context.route('**/models/**', async (route) => {
      if (!(await isProbe(route))) fetched.push(new URL(route.request().url()).pathname);
      return route.continue();
    });
    await page.reload();
    await expect(page.getByTestId('loaded')).toBeVisible();
    expect(fetched).toContain('/models/inpage-tiny/onnx/model.onnx');
    await expect(row).toContainText('455 kB');
  });

  test('load failures are explained in words', async ({ page, context }, testInfo) => {
    await openDemo(page, OWN_WORKER);
    await pickOther(page, '/models/missing/');
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('No model transformers.js can load at that address');
    await expect(alert).toContainText('Could not locate file: "http://127.0.0.1');
    await screenshot(page, testInfo, 'error');
    // The model in use still serves.
    await expect(page.getByTestId('loaded')).toContainText('Serving inpage-tiny');

    await context.route('https://huggingface.co/**', (route) => route.abort('internetdisconnected'));
    await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Load' }).click();
    await expect(page.getByRole('alert')).toContainText('The download failed');
  });
});
