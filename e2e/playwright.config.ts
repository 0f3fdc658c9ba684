import { defineConfig } from '@playwright/test';

/**
 * Browser tests against the built demo (vite preview), in Chromium, twice: once with WebGPU
 * (SwiftShader when there is no GPU) and once without it, where the engine must fall back to WASM.
 * The browser is the system Chromium ($CHROMIUM_PATH, set by scripts/test.sh); set
 * PLAYWRIGHT_BUNDLED_BROWSER=1 to use Playwright's own where one is installed.
 */
const executablePath = process.env.PLAYWRIGHT_BUNDLED_BROWSER ? undefined : (process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
// A closed network: keep Chromium from calling home at every start.
const quiet = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath },
    trace: 'off',
  },
  projects: [
    {
      name: 'webgpu',
      use: { launchOptions: { executablePath, args: [...quiet, '--enable-unsafe-webgpu'] } },
      metadata: { device: 'webgpu' },
    },
    {
      name: 'wasm',
      use: { launchOptions: { executablePath, args: quiet } },
      metadata: { device: 'wasm' },
    },
  ],
  webServer: {
    command: `node_modules/.bin/vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    cwd: '..',
    url: `http://127.0.0.1:${port}/harness.html`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
