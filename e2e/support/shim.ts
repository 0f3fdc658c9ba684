import type { Page } from '@playwright/test';
import { TINY_MODEL } from './harness';

/** Where the tests' shim answers. Nothing listens there: only the shim can. */
export const BASE = 'http://localhost:8080';

export interface ShimSetup {
  /** The model folder (default: the built-in test model). */
  model?: string;
  apiKey?: string;
  maxConcurrentRequests?: number;
  maxTotalTokens?: number;
  maxInputTokens?: number;
  baseUrl?: string;
  /** The engine's batching options (e.g. `{ maxBatchSize: 1 }`: requests wait while one runs). */
  batching?: { maxBatchSize?: number };
  /** The weights to load (default: the model's own choice). */
  dtype?: NonNullable<Parameters<typeof window.inpage.createEngine>[0]>['dtype'];
}

/**
 * Open harness.html, create an engine on the test model and install the shim at BASE.
 * `window.engine` and `window.shim` are then available to page.evaluate. Returns the model info.
 */
export async function openShim(page: Page, setup: ShimSetup = {}) {
  await page.goto('/harness.html');
  await page.waitForFunction(() => window.inpage?.ready === true);
  const { model = TINY_MODEL, batching, dtype, ...options } = setup;
  return page.evaluate(
    async ({ model, base, options, batching, dtype }) => {
      const engine = window.inpage.createEngine({ model, batching, dtype });
      const shim = window.inpage.installShim({ baseUrl: options.baseUrl ?? base, engine, ...options });
      Object.assign(window, { engine, shim });
      return engine.ready();
    },
    { model, base: BASE, options, batching, dtype },
  );
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** One request through the page's (patched) fetch. A JSON body is stringified unless it is a string. */
export function call(page: Page, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  return page.evaluate(
    async ({ base, method, path, body, headers }) => {
      const init: RequestInit = { method, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers } };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const response = await fetch(base + path, init);
      return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
    },
    { base: BASE, method, path, body, headers },
  );
}

export async function json(page: Page, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await call(page, body === undefined ? 'GET' : 'POST', path, body);
  return { status: response.status, body: response.text ? JSON.parse(response.text) : null };
}

/** Split an SSE body into its `data:` payloads, checking the framing on the way. */
export function sseData(text: string): string[] {
  if (!text.endsWith('\n\n')) throw new Error(`SSE body does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -2)
    .split('\n\n')
    .filter((frame) => frame !== ':')
    .map((frame) => {
      if (!frame.startsWith('data: ') || frame.includes('\n')) throw new Error(`not a single data line: ${JSON.stringify(frame)}`);
      return frame.slice('data: '.length);
    });
}
