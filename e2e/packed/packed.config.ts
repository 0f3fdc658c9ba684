import { defineConfig } from '@playwright/test';

/**
 * The packages as a stranger gets them: packed tarballs installed into fresh apps outside the workspace,
 * built with Vite and with webpack 5, each served as a static site, chatting through the openai SDK in
 * Chromium. Run by scripts/test.sh (`playwright test -c packed/packed.config.ts`).
 */
const executablePath = process.env.PLAYWRIGHT_BUNDLED_BROWSER ? undefined : (process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
const quiet = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export default defineConfig({
  testDir: '.',
  testMatch: '*.packed.ts',
  // npm install and a production build per app, on a small machine: each bounded at 180 s (apps.packed.ts), so
  // the whole test outlasts both and still fails in words when one stalls. A cold npm cache took ~5 min here.
  timeout: 480_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: { launchOptions: { executablePath, args: quiet }, trace: 'off' },
});
