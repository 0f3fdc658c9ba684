/**
 * `npm run bench`: decode speed and time to first token of the engine (worker + comlink +
 * our decode loop) next to a plain transformers.js `generate()` loop over the same model in
 * the same page, on WASM and on WebGPU (SwiftShader where there is no GPU). Prints a table.
 *
 * Then decode after ~1900 positions of context over after ~100, engine and plain (the `context` part).
 *
 * Then the batching figures: aggregate tokens/s of 1, 2, 4, 8 concurrent streams over one stream
 * (on the model and on the tiny model), time to first token under load over idle, the fifth turn of
 * a chat with prefix reuse over a cold prefill, and on WebGPU the bytes read back per decode step.
 *
 * On WASM, the forward pass alone (transformers.js + onnxruntime, no engine) over 4 rows against 1:
 * the most batching can gain on this machine. Last, on WASM, the batched-vs-alone comparison on a q8
 * export (`--q8-model`, whose DynamicQuantizeLinear takes its scale over the whole batch) next to its fp32 one.
 *
 * Usage: tsx e2e/bench/run.ts [--model /models/inpage-bench/] [--tokens 64] [--runs N] [--devices wasm,webgpu]
 *   [--scaling-models /models/inpage-bench/,/models/inpage-tiny/] [--scaling-runs 4]
 *   [--q8-model /models/inpage-qwen3/] [--parts single,context,scaling,forward,figures,q8] (each part alone: faster to rerun)
 *   [--contexts 100,1900]
 */
import { chromium } from '@playwright/test';
import { runBench, startPreview } from './preview';
import { rendererCpuMs } from './thread-cpu';

interface Result {
  ttftMs: number;
  tokensPerSecond: number;
  tokens: number;
  /** CPU time of the page's threads and workers for the whole generation (null without /proc). */
  cpuMs?: number | null;
}

/** `measure`'s result, with the renderer CPU time it took. */
async function withCpu<T extends object>(measure: () => Promise<T>): Promise<T & { cpuMs: number | null }> {
  const before = rendererCpuMs();
  const result = await measure();
  const after = rendererCpuMs();
  return { ...result, cpuMs: before === null || after === null ? null : after - before };
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
const scalingModels = (args.get('scaling-models') ?? `${model},/models/inpage-tiny/`).split(',');
const scalingRuns = Number(args.get('scaling-runs') ?? 4);
const q8Model = args.get('q8-model') ?? '/models/inpage-qwen3/';
const parts = new Set((args.get('parts') ?? 'single,context,scaling,forward,figures,q8').split(','));
/** Context lengths of the `context` part: decode after each, engine and plain. */
const contexts = (args.get('contexts') ?? '100,1900').split(',').map(Number);
// A long shared start, so that a chat's later turns have much to reuse.
const chatPrompt = 'The quick brown fox jumps over the lazy dog. '.repeat(8);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median of the runs after the first (a warm-up: shader compilation, allocator growth). */
function summarize(results: Result[]): Result {
  const measured = results.length > 1 ? results.slice(1) : results;
  const cpu = measured.map((r) => r.cpuMs);
  return {
    ttftMs: median(measured.map((r) => r.ttftMs)),
    tokensPerSecond: median(measured.map((r) => r.tokensPerSecond)),
    tokens: measured[0].tokens,
    cpuMs: cpu.every((ms) => typeof ms === 'number') ? median(cpu as number[]) : null,
  };
}

async function main() {
  await startPreview(port, '/bench.html');
  const executablePath = process.env.PLAYWRIGHT_BUNDLED_BROWSER ? undefined : (process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
  const quiet = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
  const rows: string[][] = [];
  const batchingLines: string[] = [];
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
    for (let run = 0; run < (parts.has('single') ? runs : 0); run++) {
      const order = run % 2 === 0 ? (['engine', 'plain'] as const) : (['plain', 'engine'] as const);
      for (const side of order) (side === 'engine' ? engineRuns : plainRuns).push(await withCpu(() => once(side, run)));
    }
    const batching: string[] = [];
    if (parts.has('context')) batching.push(await contextLine(page, device));
    const scales = parts.has('scaling') || parts.has('forward');
    if (scales && scalingModels.includes(model)) batching.push(...(await scaling(page, device, model, tokens)));
    if (parts.has('figures')) batching.push(...(await batchingFigures(page, device, tokens, engineRuns.length ? summarize(engineRuns).ttftMs : Number.NaN)));
    await page.evaluate(() => window.bench.close());
    for (const scalingModel of scales ? scalingModels : []) {
      if (scalingModel === model) continue;
      await page.evaluate(({ scalingModel, device }) => window.bench.open(scalingModel, device), { scalingModel, device });
      batching.push(...(await scaling(page, device, scalingModel, tokens)));
      await page.evaluate(() => window.bench.close());
    }
    // The q8 export next to the same model's fp32 one: what the batch-wide activation scale adds.
    for (const dtype of parts.has('q8') && device === 'wasm' ? (['fp32', 'q8'] as const) : []) {
      const drift = await page.evaluate(({ q8Model, dtype, prompt, tokens }) => window.bench.batchedVsAloneOf(q8Model, 'wasm', dtype, prompt, tokens), {
        q8Model,
        dtype,
        prompt,
        tokens,
      });
      batching.push(`${q8Model} ${dtype}: ${driftLine(drift)}`);
    }
    batchingLines.push(...batching.map((line) => `${device}  ${line}`));
    if (engineRuns.length) {
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
        engine.cpuMs && plain.cpuMs ? `${engine.cpuMs.toFixed(0)} / ${plain.cpuMs.toFixed(0)}` : '-',
      ]);
    }
    await browser.close();
  }
  // CPU: the renderer's threads (page and workers) for one generation, prompt included; far steadier
  // than tok/s on a machine shared with other work.
  const header = ['device', 'tokens', 'engine tok/s', 'plain tok/s', 'ratio', 'engine TTFT ms', 'plain TTFT ms', 'cores', 'runs', 'CPU ms engine / plain'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(`model ${model}, prompt ${prompt.length} chars; engine and plain runs alternate; medians of the runs after a warm-up`);
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log(`\nbatching (medians of ${scalingRuns - 1} runs after a warm-up; stream counts interleaved in each run)`);
  for (const l of batchingLines) console.log(l);
}

type BenchPage = import('@playwright/test').Page;

/**
 * Aggregate tokens/s of n concurrent streams over one stream, n = 1, 2, 4, 8 (4 at most on
 * WebGPU): while all decode together, and over the wall time with their prefills.
 */
/**
 * Decode tokens/s after a long context over after a short one, engine and plain `generate()` alternating
 * (medians of the runs after a warm-up): a step that regrows or copies its buffers with the cache's length
 * (transformers.js issue 1741, on WebGPU) shows as a ratio well below the attention's own slowdown.
 */
async function contextLine(page: BenchPage, device: string): Promise<string> {
  // Emulated on the CPU, a 1900-token prefill of the bench model took over 15 minutes (two sides, three runs).
  const emulated = await page.evaluate(async () => {
    type Info = { vendor: string; architecture: string; description: string };
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info: Info } | null> } }).gpu;
    const info = (await gpu?.requestAdapter())?.info;
    return /swiftshader/i.test(`${info?.vendor} ${info?.architecture} ${info?.description}`);
  });
  if (device === 'webgpu' && emulated) return 'decode after a long context: not measured on SwiftShader (a CPU emulation, far too slow at 1900 positions)';
  const tokens = Math.min(tokensFor(device), 16);
  const rates = new Map<string, number[]>();
  for (let run = 0; run < Math.min(runsFor(device), 3); run++) {
    for (const positions of contexts) {
      const order = run % 2 === 0 ? (['engine', 'plain'] as const) : (['plain', 'engine'] as const);
      for (const side of order) {
        const result = await page.evaluate(({ side, run, positions, tokens }) => window.bench.contextOnce(side, run, positions, tokens), {
          side,
          run,
          positions,
          tokens,
        });
        const key = `${side} ${positions}`;
        if (run > 0) rates.set(key, [...(rates.get(key) ?? []), result.tokensPerSecond]);
      }
    }
  }
  const [short, long] = [contexts[0], contexts.at(-1)!];
  const ratio = (side: string) => {
    const [a, b] = [median(rates.get(`${side} ${long}`)!), median(rates.get(`${side} ${short}`)!)];
    return `${a.toFixed(1)} / ${b.toFixed(1)} tok/s = ${(a / b).toFixed(2)}`;
  };
  return `decode after ${long} / after ${short} positions (${tokens} tokens): engine ${ratio('engine')}, plain generate() ${ratio('plain')}`;
}

async function scaling(page: BenchPage, device: string, name: string, tokens: number): Promise<string[]> {
  const counts = device === 'wasm' ? [1, 2, 4, 8] : [1, 2, 4];
  // Every run measures every count, one after the other: a machine whose load changes during the
  // benchmark then moves all counts alike, not only those measured while it was busy.
  const runs = new Map<number, { wall: number; decode: number; cpuMs: number | null }[]>(counts.map((n) => [n, []]));
  for (let run = 0; run < (parts.has('scaling') ? scalingRuns : 0); run++) {
    for (const n of counts) {
      runs
        .get(n)!
        .push(await withCpu(() => page.evaluate(({ run, prompt, tokens, n }) => window.bench.concurrent(run, prompt, tokens, n), { run, prompt, tokens, n })));
    }
  }
  // Each ratio pairs a run's n streams with the same run's single stream (measured just before),
  // then takes the median over runs: steadier than a ratio of medians when the load drifts.
  const measured = (n: number) => runs.get(n)!.slice(1);
  const figure = (n: number, key: 'wall' | 'decode') => {
    const rate = median(measured(n).map((r) => r[key]));
    const ratios = measured(n).map((r, i) => r[key] / measured(1)[i][key]);
    return `${n}×: ${rate.toFixed(0)} (${median(ratios).toFixed(2)}×, runs ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
  };
  const row = (key: 'wall' | 'decode') => counts.map((n) => figure(n, key)).join(', ');
  const lines = parts.has('scaling')
    ? [`${name}: decode tok/s, all streams decoding: ${row('decode')}`, `${name}: tok/s over wall time, prefills included: ${row('wall')}`]
    : [];
  // CPU time per token (page and workers, prefills included), 1 stream's over n streams': what the
  // wall-time ratio would be on a machine with nothing else running (the engine is CPU-bound on WASM).
  const cpuPerToken = (n: number) => {
    const cpu = measured(n).map((r) => r.cpuMs);
    return cpu.every((ms) => typeof ms === 'number') ? median(cpu as number[]) / (n * tokens) : null;
  };
  const one = cpuPerToken(1);
  if (parts.has('scaling') && one !== null) {
    const cpuRow = counts.map((n) => `${n}×: ${cpuPerToken(n)!.toFixed(2)} ms (${(one / cpuPerToken(n)!).toFixed(2)}×)`).join(', ');
    lines.push(`${name}: CPU ms per token, prefills included (1 stream's over n streams'): ${cpuRow}`);
  }
  // What the runtime itself allows: its forward pass over 4 rows against 1, nothing of the engine
  // around it. On WASM only: there the cache is in CPU memory between steps, as in the engine.
  if (device !== 'wasm' || !parts.has('forward')) return lines;
  const alone = await page.evaluate(() => window.bench.forwardScaling(90, 15));
  const most = ((4 * alone.one) / alone.four).toFixed(2);
  lines.push(
    `${name}: the forward pass alone (90 cached positions): 1 row ${alone.one.toFixed(2)} ms, 4 rows ${alone.four.toFixed(2)} ms: at most ${most}× with 4 streams`,
  );
  return lines;
}

async function batchingFigures(page: BenchPage, device: string, tokens: number, idleTtft: number): Promise<string[]> {
  const lines: string[] = [];
  const loaded: number[] = [];
  for (let run = 0; run < 4; run++) {
    loaded.push(await page.evaluate(({ run, prompt, tokens }) => window.bench.ttftUnderLoad(run, prompt, tokens), { run, prompt, tokens }));
  }
  const underLoad = median(loaded.slice(1));
  lines.push(`TTFT arriving while 3 streams run: ${underLoad.toFixed(0)} ms / idle ${idleTtft.toFixed(0)} ms = ${(underLoad / idleTtft).toFixed(2)}`);
  for (const between of [false, true]) {
    const runs = [];
    for (let run = 0; run < 4; run++) {
      runs.push(
        await page.evaluate(({ run, chatPrompt, between }) => window.bench.chatTurn5(run + 10 * Number(between), chatPrompt, between), {
          run,
          chatPrompt,
          between,
        }),
      );
    }
    const reused = median(runs.slice(1).map((r) => r.reused));
    const cold = median(runs.slice(1).map((r) => r.cold));
    lines.push(
      `chat turn 5 TTFT with prefix reuse${between ? ' (another conversation in between)' : ''}: ${reused.toFixed(0)} ms / cold ${cold.toFixed(0)} ms = ${(reused / cold).toFixed(2)}`,
    );
  }
  const drift = await page.evaluate(({ prompt, tokens }) => window.bench.batchedVsAlone(0, prompt, tokens), { prompt, tokens });
  lines.push(driftLine(drift));
  if (device === 'webgpu') {
    const perStep = await page.evaluate(async (tokens) => {
      const before = await window.bench.stats();
      await window.bench.engineOnce(999, 'x', tokens);
      const after = await window.bench.stats();
      return (after.readbackBytes - before.readbackBytes) / Math.max(after.decode.count - before.decode.count, 1);
    }, tokens);
    lines.push(`bytes read back from the GPU per decode step (one stream, its cache kept at the end included): ${perStep.toFixed(0)}`);
  }
  return lines;
}

function driftLine(drift: { identical: number; streams: number; maxLogprobDiff: number }): string {
  return `batched vs alone (4 greedy streams): ${drift.identical}/${drift.streams} identical, largest logprob difference ${drift.maxLogprobDiff.toExponential(1)}`;
}

runBench(main);
