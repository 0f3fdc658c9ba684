import { expect, test } from '@playwright/test';
import { ALPHABET, openDemo, replies, screenshot, sendChat, throttleTokens, userMessages } from './support/demo';
import { expectedDevice } from './support/harness';

test.describe('demo: chat', () => {
  test('streams the exact reply token by token, with device and speed, and keeps it across a reload', async ({ page }, testInfo) => {
    await openDemo(page);
    const device = expectedDevice(testInfo) === 'webgpu' ? 'WebGPU' : 'WASM';
    await expect(page.getByTestId('device-badge')).toHaveText(device);
    await expect(page.getByTestId('device')).toHaveText(device);
    await expect(page.getByTestId('health')).toHaveText('200 OK');
    const base = await page.evaluate(() => window.inpageDemo.baseUrl);
    expect(base).toBe(new URL('/tgi', page.url()).href);
    await expect(page.getByTestId('base-url')).toHaveText(base);

    // Record every text the reply bubble shows while it streams.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const text = document.querySelector('.message.assistant:last-child .text')?.textContent ?? '';
        if (seen.at(-1) !== text) seen.push(text);
      }).observe(document.querySelector('.messages')!, { subtree: true, childList: true, characterData: true });
    });
    await sendChat(page, 'Hi');
    await expect(replies(page).last().locator('.text')).toHaveText(ALPHABET);
    await expect(replies(page).last().getByTestId('reply-stats')).toHaveText(/^27 tokens · \d+(\.\d)? tok\/s · first token \d+(\.\d+)? m?s$/);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    // Token by token: many partial texts, each the previous one plus more.
    const partial = seen.filter((text) => text.length > 0 && text.length < ALPHABET.length);
    expect(partial.length).toBeGreaterThan(5);
    for (const text of partial) expect(ALPHABET.startsWith(text)).toBe(true);
    await screenshot(page, testInfo, 'chat');

    await page.reload();
    await expect(page.getByTestId('loaded')).toBeVisible({ timeout: 90_000 });
    await expect(userMessages(page)).toHaveText(['You: Hi']);
    await expect(replies(page).locator('.text')).toHaveText([ALPHABET]);
  });

  test('stop aborts mid-stream; regenerate and clear', async ({ page }, testInfo) => {
    await openDemo(page);
    await throttleTokens(page, 150);
    await sendChat(page, 'Hi');
    const reply = replies(page).last();
    await expect(reply.locator('.text')).toHaveText(/^abcd/);
    await screenshot(page, testInfo, 'streaming');
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(reply.getByTestId('reply-stats')).toContainText('stopped');
    const stopped = await reply.locator('.text').textContent();
    expect(ALPHABET.startsWith(stopped!)).toBe(true);
    expect(stopped!.length).toBeLessThan(ALPHABET.length);
    // The engine is free again at once: nothing still runs behind the aborted request.
    await expect.poll(() => page.evaluate(() => window.inpageDemo.session.engine().pending())).toBe(0);

    await page.reload();
    await expect(page.getByTestId('loaded')).toBeVisible({ timeout: 90_000 });
    await expect(replies(page).locator('.text')).toHaveText([stopped!]);
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await expect(replies(page).locator('.text')).toHaveText([ALPHABET]);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect(replies(page)).toHaveCount(0);
    await page.reload();
    await expect(page.locator('.messages .empty')).toBeVisible();
  });
});

test.describe('demo: look', () => {
  test.use({ colorScheme: 'dark', viewport: { width: 390, height: 844 } });

  test('dark by the system setting, a light toggle, and one column on a phone', async ({ page }, testInfo) => {
    await openDemo(page);
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(await background()).toBe('rgb(15, 17, 21)');
    const sidebar = (await page.locator('.sidebar').boundingBox())!;
    const main = (await page.locator('.main').boundingBox())!;
    expect(main.y).toBeGreaterThanOrEqual(sidebar.y + sidebar.height);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await sendChat(page, 'Hi');
    await expect(replies(page).last().locator('.text')).toHaveText(ALPHABET);
    await screenshot(page, testInfo, 'dark-phone');

    await page.getByRole('button', { name: 'Colour theme' }).click();
    await expect(page.getByRole('button', { name: 'Colour theme' })).toHaveText('Theme: light');
    expect(await background()).toBe('rgb(246, 247, 249)');
    await page.reload();
    expect(await background()).toBe('rgb(246, 247, 249)');
  });
});
