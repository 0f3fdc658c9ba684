/**
 * One engine per origin in the demo. With a leader tab: the first tab hosts the engine, a second
 * tab loads no model and chats through the Service Worker; when the first closes, the second takes
 * over from the weight cache. With the SharedWorker: both tabs serve from the one engine in it,
 * and closing the first changes nothing for the second. A transport: the device does not matter,
 * so WASM only (`?host=` chooses; on WASM the demo's default is the leader tab).
 */
import { expect, type Page, test } from '@playwright/test';
import { ALPHABET, openDemo, replies, sendChat, throttleTokens, waitForServiceWorker } from './support/demo';
import { engineWorkersAlive, expectedDevice } from './support/harness';

test.beforeEach(({ browserName: _ }, testInfo) => {
  test.skip(expectedDevice(testInfo) === 'webgpu', 'a transport: the device does not matter');
});

const engineWorkers = (pages: Page[]) => pages.flatMap((page) => page.workers()).filter((worker) => worker.url().includes('engine-worker')).length;

test('with a leader tab (the fallback): two demo tabs share one engine; the second takes over when the first closes', async ({ context }) => {
  const modelFiles: string[] = [];
  context.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/models/')) modelFiles.push(request.url());
  });
  const first = await context.newPage();
  await openDemo(first, '?host=leader-tab');
  await waitForServiceWorker(first);
  await expect(first.getByTestId('engine-host')).toHaveText('In this tab');
  const fetchedOnce = modelFiles.length;
  expect(fetchedOnce).toBeGreaterThan(0);

  const second = await context.newPage();
  await openDemo(second, '?host=leader-tab');
  await expect(second.getByTestId('engine-host')).toContainText('Hosted by another tab');
  await expect(second.getByTestId('loaded')).toContainText('in another tab');
  await expect(second.getByTestId('device')).toHaveText('WASM');
  await expect(second.getByRole('button', { name: 'Load' })).toBeDisabled();
  await sendChat(second, 'Hi');
  await expect(replies(second).last().locator('.text')).toHaveText(ALPHABET);

  // Stop in the guest aborts the generation in the host's engine.
  await throttleTokens(first, 150);
  await sendChat(second, 'Hi');
  await expect(replies(second).last().locator('.text')).toHaveText(/^abcd/);
  await second.getByRole('button', { name: 'Stop' }).click();
  await expect(replies(second).last().getByTestId('reply-stats')).toContainText('stopped');
  await expect.poll(() => first.evaluate(() => window.inpageDemo.session.engine().pending())).toBe(0);

  expect(engineWorkers([first, second])).toBe(1);
  expect(modelFiles.length).toBe(fetchedOnce);

  await first.close();
  await expect(second.getByTestId('engine-host')).toHaveText('In this tab', { timeout: 60_000 });
  await expect(second.getByTestId('loaded')).not.toContainText('in another tab', { timeout: 90_000 });
  await sendChat(second, 'Hi');
  await expect(replies(second).last().locator('.text')).toHaveText(ALPHABET);
  expect(engineWorkers([second])).toBe(1);
  // Taken over from the IndexedDB weight cache: no model file from the network.
  expect(modelFiles.length).toBe(fetchedOnce);
});

test('with the engine in a SharedWorker: every demo tab serves from the one engine; closing the first reloads nothing', async ({ context }) => {
  const first = await context.newPage();
  await openDemo(first, '?host=shared-worker');
  await waitForServiceWorker(first);
  const second = await context.newPage();
  await openDemo(second, '?host=shared-worker');
  for (const page of [first, second]) await expect(page.getByTestId('engine-host')).toContainText('SharedWorker');
  await expect(second.getByTestId('wasm-threads')).toHaveText('one thread: a SharedWorker is never cross-origin isolated');
  await expect(second.getByRole('button', { name: 'Load' })).toBeEnabled();
  const alive = await engineWorkersAlive(second);
  expect(alive).toHaveLength(1);
  expect(engineWorkers([first, second])).toBe(0);
  await sendChat(second, 'Hi');
  await expect(replies(second).last().locator('.text')).toHaveText(ALPHABET);

  await first.close();
  await sendChat(second, 'Hi');
  await expect(replies(second).last().locator('.text')).toHaveText(ALPHABET);
  // The same SharedWorker still serves: nothing was restarted or loaded again.
  expect(await engineWorkersAlive(second)).toEqual(alive);
});
