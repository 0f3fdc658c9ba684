/**
 * `npm run bench:memory`: does the engine's worker give back what a model took? One engine swaps
 * between the benchmark model and the tiny one ten times, on WASM and on WebGPU, and after every
 * load of the big one the page measures its worker's memory (`performance.measureUserAgentSpecificMemory`,
 * JS heap and wasm memory; GPU buffers are not in it). A leak shows as growth from swap to swap;
 * WASM memory never shrinks, so its first peak is the baseline.
 *
 * Usage: tsx e2e/bench/memory.ts [--swaps 10] [--devices wasm,webgpu]
 */
import { chromium } from '@playwright/test';
import { runBench, startPreview } from './preview';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const swaps = Number(args.get('swaps') ?? 10);
const devices = (args.get('devices') ?? 'wasm,webgpu').split(',');
const port = Number(args.get('port') ?? 4176);

async function main() {
  await startPreview(port);
  const executablePath = process.env.PLAYWRIGHT_BUNDLED_BROWSER ? undefined : (process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
  const quiet = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
  for (const device of devices) {
    const browser = await chromium.launch({
      executablePath,
      // Measure at once instead of at the next natural GC (which may be tens of seconds away).
      args: [...quiet, '--enable-blink-features=ForceEagerMeasureMemory', ...(device === 'webgpu' ? ['--enable-unsafe-webgpu'] : [])],
    });
    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    await page.addInitScript('globalThis.__name = (f) => f');
    await page.goto(`http://127.0.0.1:${port}/harness.html`);
    await page.waitForFunction(() => window.inpage?.ready === true);
    const mib = await page.evaluate(
      async ({ swaps, device }) => {
        type Measure = { breakdown: { bytes: number; attribution: { scope: string }[] }[] };
        const measure = (performance as unknown as { measureUserAgentSpecificMemory(): Promise<Measure> }).measureUserAgentSpecificMemory;
        const workerBytes = async () => {
          const { breakdown } = await measure.call(performance);
          const bytes = breakdown.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).reduce((sum, b) => sum + b.bytes, 0);
          return bytes / 2 ** 20;
        };
        const engine = window.inpage.createEngine();
        const out: number[] = [];
        for (let i = 0; i < swaps; i++) {
          await engine.load({ model: '/models/inpage-bench/', device: device as 'wasm' | 'webgpu' });
          out.push(await workerBytes());
          await engine.load({ model: '/models/inpage-tiny/', device: device as 'wasm' | 'webgpu' });
        }
        engine.terminate();
        return out;
      },
      { swaps, device },
    );
    console.log(`${device}: worker memory (MiB) after each of ${swaps} loads of inpage-bench, swapped with inpage-tiny between:`);
    console.log(`  ${mib.map((m) => m.toFixed(0)).join(' ')}  (growth first→last: ${(mib[mib.length - 1] - mib[0]).toFixed(0)} MiB)`);
    await browser.close();
  }
}

runBench(main);
