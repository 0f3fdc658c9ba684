/**
 * `npm run bench:big`: memory and context length at a real model's size. Loads models/inpage-qwen-0.5b
 * (Qwen2.5-0.5B's sizes, random weights, q4 MatMulNBits; `make-models --big`) in the engine on WASM and
 * prints
 * - prefill and decode tokens/s with ~100 and ~2000 tokens of context, and decode at 2k over decode at 100
 *   (a cache that grows by copying every step, or buffers reallocated per step, shows as a ratio far below 1);
 * - the worker's memory while decoding, over the weight bytes (the .onnx file's size): the highest of
 *   `performance.measureUserAgentSpecificMemory()` samples taken every 500 ms while tokens stream (JS heap plus
 *   the wasm memory's size: its high-water mark, as a wasm memory never shrinks; the page is cross-origin
 *   isolated), and the renderer process's resident memory (/proc VmRSS, page and worker together) sampled every
 *   250 ms: the highest sample while loading (with the warm-up run) and while running, each split into anonymous
 *   memory (the wasm memory is), file pages and shared memory;
 * - then, in a fresh page (bench.html, as `npm run bench`), the engine's decode tokens/s next to a plain
 *   transformers.js `generate()` on the same model, alternating, with their ratio: whether a slow decode is
 *   the engine's or the runtime's.
 *
 * Usage: tsx e2e/bench/big-model.ts [--tokens 16] [--short 100] [--long 2000] [--plain-tokens 6] [--plain-runs 3 (0: skip)] [--port 4187]
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { runBench, startPreview } from './preview';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const tokens = Number(args.get('tokens') ?? 16);
const contexts = [Number(args.get('short') ?? 100), Number(args.get('long') ?? 2000)];
const port = Number(args.get('port') ?? 4187);
const plainTokens = Number(args.get('plain-tokens') ?? 6);
const plainRuns = Number(args.get('plain-runs') ?? 3);
const MODEL = 'inpage-qwen-0.5b';
const weightBytes = statSync(`models/${MODEL}/onnx/model_q4.onnx`).size;

interface Run {
  context: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  tokens: number;
  /** Highest worker memory sample while decoding, bytes. */
  workerPeak: number;
  /** The wasm memory's size after the run (its high-water mark so far), bytes. */
  wasmHeap: number;
}

type ProcField = 'VmRSS' | 'RssAnon' | 'RssFile' | 'RssShmem';

/** A field of a Linux process's /proc status, in bytes. */
function procMemory(pid: number, field: ProcField): number {
  if (!existsSync(`/proc/${pid}/status`)) return 0;
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return line ? Number(line[1]) * 1024 : 0;
}

async function main() {
  await startPreview(port);
  const executablePath = process.env.PLAYWRIGHT_BUNDLED_BROWSER ? undefined : (process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
  const quiet = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
  // Measure at once instead of at the next natural GC.
  const browser = await chromium.launch({ executablePath, args: [...quiet, '--enable-blink-features=ForceEagerMeasureMemory'] });
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  await page.addInitScript('globalThis.__name = (f) => f');
  await page.goto(`http://127.0.0.1:${port}/harness.html`);
  await page.waitForFunction(() => window.inpage?.ready === true);

  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  // Chromium keeps spare renderers; the page's (which hosts its worker) is the one holding the model.
  const renderers = processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  // The highest sample while loading (and the warm-up run) and while running, and what it was made of: anonymous memory (the
  // wasm memory among it), file pages, shared memory.
  const peaks = { load: { rss: 0, parts: '' }, runs: { rss: 0, parts: '' } };
  let phase: keyof typeof peaks = 'load';
  const sampleRss = () => {
    for (const pid of renderers) {
      const rss = procMemory(pid, 'VmRSS');
      if (rss <= peaks[phase].rss) continue;
      const parts = (['RssAnon', 'RssFile', 'RssShmem'] as const).map((f) => `${f} ${(procMemory(pid, f) / 1e6).toFixed(0)} MB`);
      peaks[phase] = { rss, parts: parts.join(', ') };
    }
  };
  const rssTimer = setInterval(sampleRss, 250);

  // The runtime's wasm memory, found by the grow() calls that size it (before the model loads: the worker
  // starts with the page). Its size is the heap's high-water mark: the part of the worker's memory that the
  // model's runs can raise for good, the rest being JavaScript's (tokenizer, cache copies).
  let worker: import('@playwright/test').Worker | undefined;
  page.on('worker', (w) => {
    worker = w;
    void w.evaluate(() => {
      const memories = new Set<WebAssembly.Memory>();
      (globalThis as unknown as { wasmMemories: Set<WebAssembly.Memory> }).wasmMemories = memories;
      const grow = WebAssembly.Memory.prototype.grow;
      WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, pages: number) {
        memories.add(this);
        return grow.call(this, pages);
      };
    });
  });
  const wasmBytes = async () =>
    (await worker?.evaluate(() =>
      [...(globalThis as unknown as { wasmMemories: Set<WebAssembly.Memory> }).wasmMemories].reduce((n, m) => n + m.buffer.byteLength, 0),
    )) ?? 0;
  const loadStart = performance.now();
  await page.evaluate(async (model) => {
    const engine = window.inpage.createEngine();
    await engine.load({ model: `/models/${model}/`, device: 'wasm', dtype: 'q4' });
    (globalThis as unknown as { bigEngine: typeof engine }).bigEngine = engine;
  }, MODEL);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const wasmAfterLoad = await wasmBytes();

  const once = (context: number, newTokens: number, run: number) =>
    page.evaluate(
      async ({ context, newTokens, run }): Promise<Omit<Run, 'wasmHeap'>> => {
        type Measure = { breakdown: { bytes: number; attribution: { scope: string }[] }[] };
        const measure = (performance as unknown as { measureUserAgentSpecificMemory(): Promise<Measure> }).measureUserAgentSpecificMemory;
        const workerBytes = async () => {
          const { breakdown } = await measure.call(performance);
          return breakdown.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).reduce((sum, b) => sum + b.bytes, 0);
        };
        const engine = (globalThis as unknown as { bigEngine: ReturnType<typeof window.inpage.createEngine> }).bigEngine;
        // A different first sentence per run, so no prompt shares a prefix with an earlier one (no prefix reuse).
        const text = `Run ${run}: ${'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil(context / 9) + 2)}`;
        const inputIds = (await engine.tokenize(text)).map((t) => t.id).slice(0, context);
        let workerPeak = 0;
        let sampling = false;
        const samples: Promise<void>[] = [];
        const timer = setInterval(() => sampling && samples.push(workerBytes().then((b) => void (workerPeak = Math.max(workerPeak, b)))), 500);
        const start = performance.now();
        let first = 0;
        let count = 0;
        for await (const event of engine.generate({ inputIds, maxNewTokens: newTokens, ignoreEos: true, sampling: { doSample: false } })) {
          if (event.type !== 'token') continue;
          if (++count === 1) {
            first = performance.now();
            sampling = true;
          }
        }
        const end = performance.now();
        clearInterval(timer);
        samples.push(workerBytes().then((b) => void (workerPeak = Math.max(workerPeak, b))));
        await Promise.all(samples);
        return {
          context: inputIds.length,
          prefillTokensPerSecond: (inputIds.length * 1000) / (first - start),
          decodeTokensPerSecond: ((count - 1) * 1000) / (end - first),
          tokens: count,
          workerPeak,
        };
      },
      { context, newTokens, run },
    );

  await once(contexts[0], 4, 0); // warm-up: first-run allocations and kernel set-up
  // Its memory samples also collect the garbage of loading (the downloaded model bytes), which a page
  // would collect at its next major GC: the RSS of the runs is counted from here.
  sampleRss();
  phase = 'runs';
  const runs: Run[] = [];
  for (const [i, context] of contexts.entries()) {
    runs.push({ ...(await once(context, tokens, i + 1)), wasmHeap: await wasmBytes() });
    console.log(`  (context ${context} done)`);
  }
  clearInterval(rssTimer);
  sampleRss();
  await page.close();
  const versusPlain = plainRuns > 0 ? await engineVersusPlain(browser) : null;
  await browser.close();

  const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
  console.log(
    `${MODEL}: weights (onnx/model_q4.onnx) ${mb(weightBytes)}; WASM; loaded in ${loadSeconds.toFixed(1)} s; wasm heap after loading ${mb(wasmAfterLoad)}`,
  );
  for (const r of runs)
    console.log(
      `  context ${r.context}: prefill ${r.prefillTokensPerSecond.toFixed(1)} tok/s, decode ${r.decodeTokensPerSecond.toFixed(2)} tok/s (${r.tokens} tokens), ` +
        `worker memory while decoding ${mb(r.workerPeak)} = ${(r.workerPeak / weightBytes).toFixed(2)}× weights ` +
        `(wasm heap ${mb(r.wasmHeap)}, the rest ${mb(r.workerPeak - r.wasmHeap)})`,
    );
  console.log(
    `  decode tok/s at ${runs[1].context} / at ${runs[0].context} context: ${(runs[1].decodeTokensPerSecond / runs[0].decodeTokensPerSecond).toFixed(2)}`,
  );
  console.log(
    `  renderer process (page + worker) RSS, highest sample while prefilling and decoding (after a warm-up run): ${mb(peaks.runs.rss)} = ${(peaks.runs.rss / weightBytes).toFixed(2)}× weights ` +
      `(${peaks.runs.parts}); while loading and warming up: ${mb(peaks.load.rss)} = ${(peaks.load.rss / weightBytes).toFixed(2)}× (${peaks.load.parts})`,
  );
  if (versusPlain) {
    console.log(
      `  decode, engine / plain transformers.js generate() (${versusPlain.tokens} tokens, median of ${plainRuns} alternating runs after a warm-up): ` +
        `${versusPlain.engine.toFixed(2)} / ${versusPlain.plain.toFixed(2)} tok/s = ${(versusPlain.engine / versusPlain.plain).toFixed(2)}`,
    );
  }
}

/** Decode tokens/s of the engine and of plain `generate()`, loaded side by side in bench.html (see run.ts). */
async function engineVersusPlain(browser: import('@playwright/test').Browser) {
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  await page.goto(`http://127.0.0.1:${port}/bench.html`);
  await page.waitForFunction(() => window.bench?.ready === true);
  await page.evaluate((model) => window.bench.open(`/models/${model}/`, 'wasm', 'q4'), MODEL);
  const prompt = 'The quick brown fox jumps over the lazy dog. '.repeat(2);
  const rates = { engine: [] as number[], plain: [] as number[] };
  let tokens = 0;
  for (let run = 0; run <= plainRuns; run++) {
    const order = run % 2 === 0 ? (['engine', 'plain'] as const) : (['plain', 'engine'] as const);
    for (const side of order) {
      const result = await page.evaluate(
        ({ side, run, prompt, plainTokens }) => (side === 'engine' ? window.bench.engineOnce : window.bench.plainOnce)(run, prompt, plainTokens),
        { side, run, prompt, plainTokens },
      );
      // The first run of each is a warm-up.
      if (run > 0) rates[side].push(result.tokensPerSecond);
      tokens = result.tokens;
    }
  }
  await page.evaluate(() => window.bench.close());
  await page.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { engine: median(rates.engine), plain: median(rates.plain), tokens };
}

runBench(main);
