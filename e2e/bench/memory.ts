/**
 * `npm run bench:memory`: does the engine's worker give back what a model took? One engine swaps
 * between the benchmark model and the tiny one ten times, on WASM and on WebGPU, and after every
 * load of the big one the page measures its worker's memory (`performance.measureUserAgentSpecificMemory`,
 * JS heap and wasm memory; GPU buffers are not in it). A leak shows as growth from swap to swap;
 * WASM memory never shrinks, so its first peak is the baseline.
 *
 * Usage: tsx e2e/bench/memory.ts [--swaps 10] [--devices wasm,webgpu]
 */
import { spawn } from 'node:child_process';
import { chromium } from '@playwright/test';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const swaps = Number(args.get('swaps') ?? 10);
const devices = (args.get('devices') ?? 'wasm,webgpu').split(',');
const port = Number(args.get('port') ?? 4176);

const server = spawn('node_modules/.bin/vite', ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
  stdio: 'ignore',
});
const stop = () => {
  if (server.exitCode === null) server.kill();
};
process.on('exit', stop);

async function waitForServer(url: string) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the preview server did not start on ${url}`);
}

async function main() {
  await waitForServer(`http://127.0.0.1:${port}/harness.html`);
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

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    stop();
    // A browser left open by a failure would keep the process alive.
    process.exit();
  });
