/**
 * pnpm --filter @inpage/engine make-models [--bench] [--big] [--out DIR]
 *
 * Writes models/inpage-tiny, models/inpage-tiny-chatml, models/inpage-qwen3, models/inpage-qwen3-gqa,
 * models/inpage-gemma3 and models/inpage-llama2 (always) and models/inpage-bench
 * (with --bench), models/inpage-qwen-0.5b (with --big: Qwen2.5-0.5B's sizes in q4, ~0.9 GB, about a minute) under
 * the repository root, or DIR.
 * Cheap when the models are already up to date, so scripts can run it before every test run.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH, TINY, TINY_CHATML } from './config';
import { GEMMA3, LLAMA2, QWEN_05B, QWEN3, QWEN3_GQA } from './real-vocab';
import { ensureModel } from './write-model';

const DEFAULT_MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../models');

const { values } = parseArgs({
  options: {
    bench: { type: 'boolean', default: false },
    big: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
// `pnpm --filter` runs scripts in the package folder; INIT_CWD is where the user typed the command.
const modelsDir = values.out ? resolve(process.env.INIT_CWD ?? process.cwd(), values.out) : DEFAULT_MODELS_DIR;

const specs = [
  TINY,
  TINY_CHATML,
  QWEN3,
  QWEN3_GQA,
  GEMMA3,
  LLAMA2,
  ...(values.bench ? [BENCH] : []),
  ...(values.big ? [QWEN_05B] : []),
];
for (const spec of specs) {
  const started = performance.now();
  const result = await ensureModel(spec, modelsDir);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const size = `${(result.onnxBytes / 1e6).toFixed(1)} MB`;
  const params = `${(result.parameters / 1e6).toFixed(2)}M parameters`;
  console.log(
    `${result.dir}: ${result.written ? 'written' : 'up to date'} (${params}, model.onnx ${size}, ${seconds} s)`,
  );
}
