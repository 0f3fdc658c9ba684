/**
 * `npm run bench:transport`: what the Service Worker transport costs, and how long recovery takes.
 * The same stream is read through the in-page fetch patch (the hosting tab's own fetch) and through
 * the Service Worker (the fetch of an iframe of that tab, relayed to it), alternately; then the
 * engine's worker is killed and /health polled until it answers 200 again. Prints one table.
 *
 * Usage: tsx e2e/bench/transport.ts [--model /models/inpage-bench/] [--tokens 64] [--runs 7]
 */
import { chromium } from '@playwright/test';
import { runBench, startPreview } from './preview';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const model = args.get('model') ?? '/models/inpage-bench/';
const tokens = Number(args.get('tokens') ?? 64);
const runs = Number(args.get('runs') ?? 7);
const port = Number(args.get('port') ?? 4175);

interface Run {
  firstByteMs: number;
  tokensPerSecond: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  await startPreview(port);
  const executablePath = process.env.PLAYWRIGHT_BUNDLED_BROWSER ? undefined : (process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  // tsx keeps function names with a `__name` helper that the page does not have.
  await page.addInitScript('globalThis.__name = (f) => f');
  await page.goto(`http://127.0.0.1:${port}/harness.html`);
  await page.waitForFunction(() => window.inpage?.ready === true);
  await page.evaluate(async (model) => {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    await navigator.serviceWorker.ready;
    const origin = window.inpage.hostEngineOnce({
      baseUrl: `${location.origin}/tgi`,
      // A leader tab's own worker: WASM threads, as the in-page patch it is compared with.
      host: 'leader-tab',
      createEngine: () => window.inpage.createEngine({ model, device: 'wasm' }),
    });
    const { engine } = await origin.hosting();
    await engine.ready();
    const frame = document.createElement('iframe');
    frame.src = '/harness.html';
    await new Promise((resolve) => {
      frame.onload = resolve;
      document.body.append(frame);
    });
    Object.assign(window, { engine, frameFetch: (frame.contentWindow as Window & typeof globalThis).fetch });
  }, model);

  const once = (via: 'patch' | 'sw', run: number) =>
    page.evaluate(
      async ({ via, run, tokens }) => {
        const w = window as unknown as { frameFetch: typeof fetch };
        const call = via === 'patch' ? fetch : w.frameFetch;
        const body = JSON.stringify({
          inputs: `Run ${run} ${via}: the quick brown fox jumps over the lazy dog.`,
          parameters: { max_new_tokens: tokens },
        });
        const start = performance.now();
        const response = await call(`${location.origin}/tgi/generate_stream`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const reader = response.body!.getReader();
        let first = 0;
        let last = 0;
        let events = 0;
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const now = performance.now();
          if (!first) first = now;
          last = now;
          events += decoder.decode(value, { stream: true }).split('\n\n').length - 1;
        }
        return { firstByteMs: first - start, tokensPerSecond: ((events - 1) * 1000) / (last - first) };
      },
      { via, run, tokens },
    );

  const patchRuns: Run[] = [];
  const swRuns: Run[] = [];
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? (['patch', 'sw'] as const) : (['sw', 'patch'] as const);
    for (const via of order) (via === 'patch' ? patchRuns : swRuns).push(await once(via, run));
  }
  const measured = (xs: Run[]) => (xs.length > 1 ? xs.slice(1) : xs);
  const patch = { tps: median(measured(patchRuns).map((r) => r.tokensPerSecond)), fb: median(measured(patchRuns).map((r) => r.firstByteMs)) };
  const sw = { tps: median(measured(swRuns).map((r) => r.tokensPerSecond)), fb: median(measured(swRuns).map((r) => r.firstByteMs)) };

  const recoveryMs = await page.evaluate(async () => {
    const engine = (window as unknown as { engine: { testHooks: { killWorker(): void } } }).engine;
    const start = performance.now();
    engine.testHooks.killWorker();
    let seen503 = false;
    for (;;) {
      const status = (await fetch(`${location.origin}/tgi/health`)).status;
      if (status === 503) seen503 = true;
      if (status === 200 && seen503) return performance.now() - start;
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  await browser.close();

  console.log(`model ${model} on WASM, ${tokens} tokens a stream; medians of ${runs - 1} runs after a warm-up, the two ways alternating`);
  console.log(`tokens/s  in-page patch ${patch.tps.toFixed(1)}  Service Worker ${sw.tps.toFixed(1)}  ratio ${(sw.tps / patch.tps).toFixed(3)}`);
  console.log(`first byte  in-page patch ${patch.fb.toFixed(1)} ms  Service Worker ${sw.fb.toFixed(1)} ms  added ${(sw.fb - patch.fb).toFixed(1)} ms`);
  console.log(`worker killed → /health 200 again: ${recoveryMs.toFixed(0)} ms`);
}

runBench(main);
