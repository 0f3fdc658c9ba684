import { expect, test } from '@playwright/test';
import { ALPHABET, openDemo, replies, screenshot, sendChat, waitForServiceWorker } from './support/demo';

test.describe('demo: offline', () => {
  test('after one visit it opens, stays cross-origin isolated and chats with the network off', async ({ page, context }, testInfo) => {
    await openDemo(page);
    await waitForServiceWorker(page);
    // Served by the service worker now (precache), still cross-origin isolated: WASM threads stay on.
    await page.reload();
    await expect(page.getByTestId('loaded')).toBeVisible();
    expect(await page.evaluate(() => ({ controlled: navigator.serviceWorker.controller !== null, isolated: crossOriginIsolated }))).toEqual({
      controlled: true,
      isolated: true,
    });

    await context.setOffline(true);
    await page.reload();
    await expect(page.getByTestId('loaded')).toBeVisible();
    expect(await page.evaluate(() => ({ online: navigator.onLine, isolated: crossOriginIsolated }))).toEqual({ online: false, isolated: true });
    await expect(page.getByTestId('health')).toHaveText('200 OK');
    await expect(page.getByTestId('offline-badge')).toHaveText('Offline');
    await sendChat(page, 'Hi');
    await expect(replies(page).last().locator('.text')).toHaveText(ALPHABET);
    await screenshot(page, testInfo, 'offline');

    // A model that is not cached cannot come: the page says so in words.
    await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Load' }).click();
    await expect(page.getByRole('alert')).toContainText('The download failed');
    await expect(page.getByRole('alert')).toContainText('A model you loaded before runs offline from the cache.');
    await screenshot(page, testInfo, 'offline-error');
  });
});
