import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const workspace = resolve(fileURLToPath(import.meta.url), '../../..');

/**
 * The built demo served by `vite preview` (COOP/COEP included), as the Chromium tests get it. The caller
 * builds first (`vite build`); E2E_PORT picks the port.
 */
export async function startPreview(port: number): Promise<{ origin: string; stop: () => void }> {
  const server: ChildProcess = spawn('node_modules/.bin/vite', ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: workspace,
    stdio: 'ignore',
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`vite preview exited (${server.exitCode}): is port ${port} taken?`);
    // Bounded: a socket that accepts and never answers must not hang the whole run.
    const up = await fetch(`${origin}/harness.html`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      server.kill();
      throw new Error(`vite preview did not answer on ${origin}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { origin, stop: () => server.kill() };
}

/**
 * Stock Firefox (Debian's firefox-esr, or $FIREFOX_PATH) driven over WebDriver BiDi. Playwright's Firefox
 * support needs its own patched build (its Juggler protocol); puppeteer-core speaks BiDi to a stock one.
 */
export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
    headless: true,
    protocol: 'webDriverBiDi',
  });
}

/**
 * Open harness.html (the packages and the real clients on window.inpage), start an engine on the built-in
 * test model and a shim at `base`; resolves with the model info once it serves.
 */
export async function openShim(page: Page, origin: string, base: string): Promise<{ device: string }> {
  await page.goto(`${origin}/harness.html`);
  await page.waitForFunction(() => window.inpage?.ready === true);
  // tsx compiles the functions below with esbuild's keepNames, which calls a `__name` helper that
  // only exists in Node; the page gets a no-op one.
  await page.evaluate('globalThis.__name = (f) => f');
  return page.evaluate(async (base) => {
    const engine = window.inpage.createEngine({ model: '/models/inpage-tiny/' });
    const shim = window.inpage.installShim({ baseUrl: base, engine });
    Object.assign(window, { engine, shim });
    return engine.ready();
  }, base);
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** One request through the page's (patched) fetch. */
export function call(page: Page, base: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return page.evaluate(
    async (base, method, path, body) => {
      const init: RequestInit = { method, headers: body === undefined ? {} : { 'content-type': 'application/json' } };
      if (body !== undefined) init.body = JSON.stringify(body);
      const response = await fetch(base + path, init);
      return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
    },
    base,
    method,
    path,
    body,
  );
}
