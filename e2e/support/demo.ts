import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';

/** The test model's chat reply to any message (packages/engine/tools/test-model/README.md). */
export const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

/** Open the demo (optionally with a query such as `?model=…`) and wait until the model serves. */
export async function openDemo(page: Page, query = ''): Promise<void> {
  await page.goto(`/${query}`);
  await expect(page.getByTestId('loaded')).toBeVisible({ timeout: 90_000 });
}

export async function sendChat(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
}

export const replies = (page: Page): Locator => page.locator('.message.assistant');
export const userMessages = (page: Page): Locator => page.locator('.message.user');

/**
 * Slow the serving engine's token events down to one per `ms`, so a person-speed click (Stop)
 * lands mid-stream. The demo's shim forwards to this engine, so the whole path stays real.
 */
export async function throttleTokens(page: Page, ms: number): Promise<void> {
  await page.evaluate((delay) => {
    const engine = window.inpageDemo.session.engine();
    const generate = engine.generate.bind(engine);
    engine.generate = (request, options) => ({
      async *[Symbol.asyncIterator]() {
        for await (const event of generate(request, options)) {
          await new Promise((resolve) => setTimeout(resolve, delay));
          yield event;
        }
      },
    });
  }, ms);
}

/**
 * Screenshots of the main states, to look at: $DEMO_SCREENS (default /tmp/inpage-demo-screens)/<project>-<name>.png.
 * Not under test-results/, which every Playwright run empties.
 */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const dir = process.env.DEMO_SCREENS ?? '/tmp/inpage-demo-screens';
  await page.screenshot({ path: `${dir}/${testInfo.project.name}-${name}.png`, fullPage: true });
}

/** Wait for the service worker to control the page (after one visit everything is precached). */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
  });
}
