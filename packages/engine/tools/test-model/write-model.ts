/**
 * Builds a model folder in Hugging Face hub layout and keeps it up to date cheaply, so that it can run before
 * every test run:
 * - the stamp file records a hash of the generator's sources and spec (the "recipe") and of every file written;
 * - when the recipe is unchanged and every file still has its recorded hash, nothing is generated or written;
 * - otherwise the files are generated (byte-identical for the same recipe) and each one that differs is replaced
 *   atomically (temporary file + rename), so concurrent builders and readers never see a half-written file.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { llamaStyleConfig, parameterCount, type ModelSpec } from './config';
import { buildOnnxModel } from './onnx-graph';
import { DTYPE_FILES, generateRealVocabFiles, tokenizerFiles, type RealVocabSpec } from './real-vocab';
import { buildVocab, specialId, tokenizerConfigJson, tokenizerJson, type Vocab } from './tokenizer';
import { buildWeights } from './weights';

const STAMP = '.inpage-stamp.json';

interface Stamp {
  recipe: string;
  files: Record<string, string>; // relative path → sha256
}

export interface BuildResult {
  dir: string;
  /** False when every file already had the right content (only the stamp may have been refreshed). */
  written: boolean;
  parameters: number;
  /** Bytes of onnx/model.onnx. */
  onnxBytes: number;
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const json = (value: object) => `${JSON.stringify(value, null, 2)}\n`;

/** BOS, EOS (one id, or all of them where a format has several) and PAD ids, as config files state them. */
function specialIds(vocab: Vocab) {
  const { bos, eos, pad } = vocab.format;
  const eosIds = eos.map((token) => specialId(vocab, token));
  return {
    bos_token_id: bos ? specialId(vocab, bos) : null,
    eos_token_id: eosIds.length === 1 ? eosIds[0] : eosIds,
    pad_token_id: specialId(vocab, pad),
  };
}

export function configJson(spec: ModelSpec, vocab: Vocab): object {
  const ids = specialIds(vocab);
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    ...llamaStyleConfig(spec),
    mlp_bias: false,
    bos_token_id: ids.bos_token_id,
    // config.json names the turn's end; generation_config.json every id that stops.
    eos_token_id: specialId(vocab, vocab.format.eos[0]),
    pad_token_id: ids.pad_token_id,
    tie_word_embeddings: false,
    torch_dtype: 'float32',
    use_cache: true,
    // There is only an fp32 graph (no model_quantized.onnx), while q8 is transformers.js' default on wasm.
    'transformers.js_config': { dtype: 'fp32' },
  };
}

/** All files of the model folder, in memory. */
export function generateModelFiles(spec: ModelSpec): Map<string, Uint8Array | string> {
  const vocab = buildVocab(spec);
  const weights = buildWeights(spec, vocab);
  return new Map<string, Uint8Array | string>([
    ['config.json', json(configJson(spec, vocab))],
    ['generation_config.json', json(specialIds(vocab))],
    ['tokenizer.json', json(tokenizerJson(vocab))],
    ['tokenizer_config.json', json(tokenizerConfigJson(spec))],
    ['onnx/model.onnx', buildOnnxModel(spec, weights)],
  ]);
}

/**
 * Hash of what determines the output: this folder's generator sources (tests excluded), the spec, and for
 * a real vocabulary the tokenizer files it copies.
 */
async function recipeHash(spec: ModelSpec | RealVocabSpec): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const sources = (await readdir(here)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  const hash = createHash('sha256').update(JSON.stringify(spec));
  for (const file of sources) hash.update(file).update(await readFile(join(here, file)));
  if ('tokenizerPackage' in spec) for (const data of Object.values(tokenizerFiles(spec))) hash.update(data);
  return hash.digest('hex');
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

async function isUpToDate(dir: string, recipe: string): Promise<boolean> {
  const stampText = await readIfExists(join(dir, STAMP));
  if (!stampText) return false;
  let stamp: Stamp;
  try {
    stamp = JSON.parse(stampText.toString()) as Stamp;
  } catch {
    return false; // e.g. truncated by a crash: rebuild
  }
  if (stamp.recipe !== recipe) return false;
  for (const [file, hash] of Object.entries(stamp.files)) {
    const data = await readIfExists(join(dir, file));
    if (!data || sha256(data) !== hash) return false;
  }
  return true;
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Unique per writer: test workers may be threads of one process, so the pid alone is not enough.
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}

/** Makes sure `<modelsDir>/<spec.name>` holds the model; returns quickly when it already does. */
export async function ensureModel(spec: ModelSpec | RealVocabSpec, modelsDir: string): Promise<BuildResult> {
  const dir = join(modelsDir, spec.name);
  const recipe = await recipeHash(spec);
  const realVocab = 'tokenizerPackage' in spec;
  const result = { dir, parameters: parameterCount(spec, realVocab && spec.family !== 'llama') };
  // The first dtype's file: a fixture may have no fp32 model.onnx (the q4-only inpage-qwen-0.5b).
  const onnxFile = `onnx/${realVocab ? DTYPE_FILES[spec.dtypes[0]] : DTYPE_FILES.fp32}`;
  if (await isUpToDate(dir, recipe)) {
    return { ...result, written: false, onnxBytes: (await stat(join(dir, onnxFile))).size };
  }
  const files = realVocab ? generateRealVocabFiles(spec) : generateModelFiles(spec);
  const stamp: Stamp = { recipe, files: {} };
  let written = false;
  for (const [file, data] of files) {
    stamp.files[file] = sha256(data);
    const existing = await readIfExists(join(dir, file));
    if (!existing || sha256(existing) !== stamp.files[file]) {
      await writeAtomically(join(dir, file), data);
      written = true;
    }
  }
  await writeAtomically(join(dir, STAMP), json(stamp));
  const onnxBytes = Buffer.byteLength(files.get(onnxFile)!);
  return { ...result, written, onnxBytes };
}
