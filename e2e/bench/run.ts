/**
 * `npm run bench`: decode speed and time to first token of the engine (worker + comlink +
 * our decode loop) next to a plain transformers.js `generate()` loop over the same model in
 * the same page, on WASM and on WebGPU (SwiftShader where there is no GPU). Prints a table.
 *
 * Usage: tsx e2e/bench/run.ts [--model /models/inpage-bench/] [--tokens 64] [--runs N] [--devices wasm,webgpu]
 */
import { chromium } from '@playwright/test';
import { runBench, startPreview } from './preview';

interface Result {
  ttftMs: number;
  tokensPerSecond: number;
  tokens: number;
}

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const model = args.get('model') ?? '/models/inpage-bench/';
const devices = (args.get('devices') ?? 'wasm,webgpu').split(',') as ('wasm' | 'webgpu')[];
const port = Number(args.get('port') ?? 4174);
// SwiftShader emulates the GPU on the CPU: keep its runs short.
const tokensFor = (device: string) => Number(args.get('tokens') ?? (device === 'wasm' ? 64 : 16));
const runsFor = (device: string) => Number(args.get('runs') ?? (device === 'wasm' ? 7 : 3));
const prompt = 'The quick brown fox jumps over the lazy dog. '.repeat(2);

/** Median of the runs after the first (a warm-up: shader compilation, allocator growth). */
function summarize(results: Result[]): Result {
  const measured = results.length > 1 ? results.slice(1) : results;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    ttftMs: median(measured.map((r) => r.ttftMs)),
    tokensPerSecond: median(measured.map((r) => r.tokensPerSecond)),
    tokens: measured[0].tokens,
  };
}

async function main() {
  await startPreview(port, '/bench.html');
  const executablePath = process.env.PLAYWRIGHT_BUNDLED_BROWSER ? undefined : (process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
  const quiet = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
  const rows: string[][] = [];
  for (const device of devices) {
    const browser = await chromium.launch({
      executablePath,
      args: device === 'webgpu' ? [...quiet, '--enable-unsafe-webgpu'] : quiet,
    });
    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    page.on('console', (m) => m.text().startsWith('PROFILE') && console.log(m.text()));
    await page.goto(`http://127.0.0.1:${port}/bench.html`);
    await page.waitForFunction(() => window.bench?.ready === true);
    const tokens = tokensFor(device);
    const runs = runsFor(device);
    await page.evaluate(({ model, device }) => window.bench.open(model, device), { model, device });
    // Alternate, and swap who goes first each run: drift in the machine's speed hits both sides alike.
    const engineRuns: Result[] = [];
    const plainRuns: Result[] = [];
    const once = (side: 'engine' | 'plain', run: number) =>
      page.evaluate(({ side, run, prompt, tokens }) => (side === 'engine' ? window.bench.engineOnce : window.bench.plainOnce)(run, prompt, tokens), {
        side,
        run,
        prompt,
        tokens,
      });
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? (['engine', 'plain'] as const) : (['plain', 'engine'] as const);
      for (const side of order) (side === 'engine' ? engineRuns : plainRuns).push(await once(side, run));
    }
    await page.evaluate(() => window.bench.close());
    const engine = summarize(engineRuns);
    const plain = summarize(plainRuns);
    const threads = await page.evaluate(() => (crossOriginIsolated ? navigator.hardwareConcurrency : 1));
    rows.push([
      device,
      String(engine.tokens),
      engine.tokensPerSecond.toFixed(1),
      plain.tokensPerSecond.toFixed(1),
      (engine.tokensPerSecond / plain.tokensPerSecond).toFixed(3),
      engine.ttftMs.toFixed(0),
      plain.ttftMs.toFixed(0),
      String(threads),
      String(runs - 1),
    ]);
    await browser.close();
  }
  const header = ['device', 'tokens', 'engine tok/s', 'plain tok/s', 'ratio', 'engine TTFT ms', 'plain TTFT ms', 'cores', 'runs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(`model ${model}, prompt ${prompt.length} chars; engine and plain runs alternate; medians of the runs after a warm-up`);
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

runBench(main);
