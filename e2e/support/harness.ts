import { expect, type Page, test, type TestInfo } from '@playwright/test';

/** The device a project must end up on (playwright.config.ts metadata). */
export function expectedDevice(testInfo: TestInfo): 'webgpu' | 'wasm' {
  return testInfo.project.metadata.device as 'webgpu' | 'wasm';
}

export const TINY_MODEL = '/models/inpage-tiny/';

/**
 * On the WebGPU project, skip a float16 model's test when the adapter lacks 'shader-f16' (SwiftShader has none):
 * its float16 tensors cannot run there. Where the adapter has it, and on WASM, the test runs.
 */
export async function skipWithoutShaderF16(page: Page, testInfo: TestInfo) {
  if (expectedDevice(testInfo) !== 'webgpu') return;
  await page.goto('/harness.html');
  const f16 = await page.evaluate(async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ features: Set<string> } | null> } }).gpu;
    return (await gpu?.requestAdapter())?.features.has('shader-f16') ?? false;
  });
  test.skip(!f16, "the WebGPU adapter has no 'shader-f16' (SwiftShader has none), so float16 tensors cannot run on it");
}

/**
 * Open harness.html (the packages on window.inpage) and load the built-in model into
 * `window.engine`. Returns the model info.
 */
export async function openEngine(page: Page, options: { model?: string; device?: 'wasm' | 'webgpu' } = {}) {
  await page.goto('/harness.html');
  await page.waitForFunction(() => window.inpage?.ready === true);
  return page.evaluate(
    async ({ model, device }) => {
      const events: unknown[] = [];
      const engine = window.inpage.createEngine();
      (window as unknown as { engine: typeof engine }).engine = engine;
      (window as unknown as { loadEvents: unknown[] }).loadEvents = events;
      return engine.load({ model, device }, (event) => events.push(event));
    },
    { model: options.model ?? TINY_MODEL, device: options.device },
  );
}

export interface Generation {
  text: string;
  tokens: { id: number; text: string; logprob: number; special: boolean }[];
  finish: {
    finishReason: string;
    generatedText: string;
    generatedTokens: number;
    seed: number | null;
    inputLength: number;
    cachedTokens: number;
  } | null;
  error: string | null;
}

export interface TestRequest {
  prompt: string;
  maxNewTokens: number;
  sampling?: Record<string, unknown>;
  stop?: string[];
  topNTokens?: number;
  grammar?: { type: 'regex'; pattern: string } | { type: 'json_schema'; schema: Record<string, unknown> };
  /** Abort after this many token events. */
  abortAfter?: number;
}

/** Run one generation in the page through window.engine and collect its events. */
export async function generateIn(page: Page, request: TestRequest): Promise<Generation & { afterAbort: number }> {
  return (await generateTogether(page, [request]))[0];
}

/**
 * Run several generations that reach the engine at the same moment (prompts tokenized first), as
 * concurrent clients would; separate page.evaluate calls can arrive further apart than a short
 * generation lasts on a loaded machine.
 */
export function generateTogether(page: Page, requests: TestRequest[]): Promise<(Generation & { afterAbort: number })[]> {
  return page.evaluate(async (requests) => {
    const engine = (window as unknown as { engine: ReturnType<typeof window.inpage.createEngine> }).engine;
    const inputs = await Promise.all(requests.map(async (r) => (await engine.tokenize(r.prompt)).map((t) => t.id)));
    return Promise.all(
      requests.map(async ({ maxNewTokens, sampling, stop, topNTokens, grammar, abortAfter }, i) => {
        const controller = new AbortController();
        const out = {
          text: '',
          tokens: [] as Generation['tokens'],
          finish: null as Generation['finish'],
          error: null as string | null,
          afterAbort: 0,
        };
        try {
          for await (const event of engine.generate(
            { inputIds: inputs[i], maxNewTokens, sampling: { doSample: false, ...sampling }, stop, topNTokens, grammar },
            { signal: controller.signal },
          )) {
            if (controller.signal.aborted) out.afterAbort++;
            if (event.type === 'token') {
              out.tokens.push(event.token);
              out.text += event.token.text;
              if (abortAfter !== undefined && out.tokens.length === abortAfter) controller.abort();
            } else out.finish = event;
          }
        } catch (error) {
          out.error = `${(error as Error).name}: ${(error as Error).message}`;
        }
        return out;
      }),
    );
  }, requests);
}

export async function expectDevice(info: { device: string; deviceReason: string }, testInfo: TestInfo) {
  expect(info.device).toBe(expectedDevice(testInfo));
  expect(info.deviceReason.length).toBeGreaterThan(0);
}

/**
 * The engine workers alive in the page's whole origin (its tabs' dedicated workers and
 * SharedWorkers alike): each holds a Web Lock named `inpage-engine#…:alive` for its whole life, and
 * `navigator.locks.query()` lists the locks held in the origin. Playwright lists no SharedWorker.
 */
export function engineWorkersAlive(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const { held = [] } = await navigator.locks.query();
    return held.map((lock) => lock.name!).filter((name) => name.startsWith('inpage-engine#') && name.endsWith(':alive'));
  });
}
