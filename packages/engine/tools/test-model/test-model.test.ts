/**
 * The generated test model, checked through the real transformers.js loading code (tokenizer, chat template,
 * onnxruntime-node session, generate()) against the plain-JS reference and the documented greedy rule.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  Tensor,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH, parameterCount, TINY } from './config';
import { Random } from './random';
import { positionIdsFromMask, referenceForward, type LayerCache } from './reference';
import { ruleNext } from './rule';
import { buildVocab, TAGGED, tokenizerConfigJson, tokenizerJson } from './tokenizer';
import { buildWeights } from './weights';
import { ensureModel } from './write-model';

const vocab = buildVocab(TINY);
const weights = buildWeights(TINY, vocab);
const EOS_ID = 265;

let modelsDir: string;
let tokenizer: PreTrainedTokenizer;
let model: PreTrainedModel;

beforeAll(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'inpage-models-'));
  await ensureModel(TINY, modelsDir);
  env.allowRemoteModels = false;
  env.localModelPath = modelsDir;
  tokenizer = await AutoTokenizer.from_pretrained(TINY.name);
  model = await AutoModelForCausalLM.from_pretrained(TINY.name, { dtype: 'fp32' });
});

afterAll(async () => {
  await model?.dispose();
  await rm(modelsDir, { recursive: true, force: true });
});

const int64 = (rows: number[][]) =>
  new Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length]);
const rowsOf = (t: Tensor) => (t.tolist() as bigint[][]).map((row) => row.map(Number));
const encode = (text: string, add_special_tokens = true) => rowsOf(tokenizer(text, { add_special_tokens }).input_ids);

/** Largest absolute difference below 1e-5; `actual` is a transformers.js or onnxruntime float32 tensor. */
function expectClose(actual: { data: unknown }, expected: Float32Array) {
  const data = actual.data as Float32Array;
  expect(data.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(data[i] - expected[i]));
  expect(worst).toBeLessThan(1e-5);
}

describe('generator', () => {
  it('writes byte-identical files on every build', async () => {
    const other = await mkdtemp(join(tmpdir(), 'inpage-models-'));
    try {
      expect((await ensureModel(TINY, other)).written).toBe(true);
      const files = async (dir: string) =>
        (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      const built = await files(join(other, TINY.name));
      expect(built.map((e) => e.name).sort()).toEqual(
        (await files(join(modelsDir, TINY.name))).map((e) => e.name).sort(),
      );
      for (const entry of built) {
        const file = join(entry.parentPath, entry.name);
        // Buffer.equals: toEqual walks a 400 KB buffer element by element, which takes seconds.
        expect((await readFile(file)).equals(await readFile(file.replace(other, modelsDir))), file).toBe(true);
      }
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('skips an up-to-date folder and repairs a changed file', async () => {
    expect((await ensureModel(TINY, modelsDir)).written).toBe(false);
    const file = join(modelsDir, TINY.name, 'tokenizer_config.json');
    const original = await readFile(file);
    await writeFile(file, '{}');
    expect((await ensureModel(TINY, modelsDir)).written).toBe(true);
    expect((await readFile(file)).equals(original)).toBe(true);
  });

  it('sizes the bench model at 60–100M parameters', () => {
    expect(parameterCount(TINY)).toBe(108_736);
    expect(parameterCount(BENCH)).toBe(64_236_032);
  });
});

describe('tokenizer', () => {
  it('numbers the special tokens after the bytes and merges', () => {
    expect(TAGGED.specials.map((t) => tokenizer.convert_tokens_to_ids(t))).toEqual([264, 265, 266, 267, 268, 269, 270]);
    expect([tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id]).toEqual([264, 265, 266]);
    expect(encode('<|user|>x<|end|>', false)).toEqual([[268, 120, 270]]);
  });

  it('prepends <s> and applies merges', () => {
    expect(encode('hello')).toEqual([[264, 256, 257, 111]]); // <s> he ll o
    expect(encode(' the', false)).toEqual([[260]]); // one token: Ġt + he
  });

  it('splits multi-byte characters into one token per UTF-8 byte', () => {
    for (const text of ['é', '日本', '👍', 'naïve ✓']) {
      const ids = encode(text, false)[0];
      expect(ids).toEqual([...new TextEncoder().encode(text)]);
      expect(tokenizer.decode(ids)).toBe(text);
    }
    // A lone lead byte has no text yet: incremental decoders must wait for the rest of the character.
    expect(tokenizer.decode([0xe6])).toBe('\ufffd');
  });

  it('renders the chat template as documented', () => {
    const render = (messages: object[], options: object = {}) =>
      tokenizer.apply_chat_template(messages as never, { tokenize: false, ...options }) as string;
    const chat = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Bye ' },
          { type: 'text', text: 'now' },
        ],
      },
    ];
    expect(render(chat, { add_generation_prompt: true })).toBe(
      '<s><|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n<|user|>\nBye now<|end|>\n<|assistant|>\n',
    );
    expect(render([{ role: 'user', content: 'Hi' }])).toBe('<s><|user|>\nHi<|end|>\n');

    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
    const toolCalls = [{ id: '0', type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }];
    expect(
      render(
        [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: toolCalls },
        ],
        { tools },
      ),
    ).toBe(
      '<s><|system|>\nYou can call these tools:\n' +
        '{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}\n<|end|>\n' +
        '<|user|>\nWeather?<|end|>\n' +
        '<|assistant|>\n[{"id": "0", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]<|end|>\n',
    );
  });

  it('gives the bench model a 32000-id tokenizer where every id decodes', async () => {
    const benchVocab = buildVocab(BENCH);
    const dir = join(modelsDir, 'bench-tokenizer');
    await mkdir(dir);
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(benchVocab)));
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfigJson(BENCH)));
    const bench = await AutoTokenizer.from_pretrained('bench-tokenizer');
    expect(bench.get_vocab().size).toBe(32000);
    const silent = Array.from({ length: 32000 }, (_, id) => id).filter((id) => bench.decode([id]) === '');
    expect(silent).toEqual([]);
    const text = 'The quick brown fox jumps over the lazy dog';
    const ids = rowsOf(bench(text, { add_special_tokens: false }).input_ids)[0];
    expect(ids.length).toBeLessThan(text.length); // merges apply
    expect(bench.decode(ids)).toBe(text);
  });
});

describe('ONNX graph vs reference forward pass', () => {
  it('agrees on the logits of a prompt', async () => {
    const inputIds = encode('Hello, wörld 123 the end');
    const attentionMask = inputIds.map((row) => row.map(() => 1));
    const out = await model({ input_ids: int64(inputIds), attention_mask: int64(attentionMask) });
    const positionIds = positionIdsFromMask(attentionMask, inputIds[0].length);
    expectClose(out.logits, referenceForward(TINY, weights, { inputIds, attentionMask, positionIds }).logits);
  });

  it('agrees on a left-padded batch of 2, then on a KV-cache step', async () => {
    const batch = tokenizer(['hello', 'Hi there, 日本 7'], { padding: true });
    const inputIds = rowsOf(batch.input_ids);
    const attentionMask = rowsOf(batch.attention_mask);
    expect(attentionMask[0][0]).toBe(0); // left padding
    const out = await model({ input_ids: batch.input_ids, attention_mask: batch.attention_mask });
    const ref = referenceForward(TINY, weights, {
      inputIds,
      attentionMask,
      positionIds: positionIdsFromMask(attentionMask, inputIds[0].length),
    });
    expectClose(out.logits, ref.logits);

    // The next step feeds the cache back in, renamed present.* → past_key_values.*.
    const past: Record<string, Tensor> = {};
    const refPast: LayerCache[] = [];
    for (let i = 0; i < TINY.numLayers; i++) {
      for (const kind of ['key', 'value'] as const) {
        expectClose(out[`present.${i}.${kind}`], ref.present[i][kind]);
        past[`past_key_values.${i}.${kind}`] = out[`present.${i}.${kind}`];
      }
      refPast.push(ref.present[i]);
    }
    const nextIds = [[97], [55]];
    const nextMask = attentionMask.map((row) => [...row, 1]);
    const step = await model({ input_ids: int64(nextIds), attention_mask: int64(nextMask), past_key_values: past });
    const refStep = referenceForward(TINY, weights, {
      inputIds: nextIds,
      attentionMask: nextMask,
      positionIds: positionIdsFromMask(nextMask, 1),
      past: refPast,
    });
    expectClose(step.logits, refStep.logits);
    expectClose(step['present.1.value'], refStep.present[1].value);
  });

  it('runs in onnxruntime-web (wasm), the browser runtime, with the same logits', async () => {
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(await readFile(join(modelsDir, TINY.name, 'onnx/model.onnx')), {
      executionProviders: ['wasm'],
    });
    const inputIds = encode('Hi there 9');
    const seq = inputIds[0].length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(inputIds[0], BigInt), [1, seq]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(seq).fill(1n), [1, seq]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(inputIds[0].keys(), BigInt), [1, seq]),
    };
    for (let i = 0; i < TINY.numLayers; i++) {
      for (const kind of ['key', 'value']) {
        feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [
          1,
          TINY.numKvHeads,
          0,
          TINY.headDim,
        ]);
      }
    }
    const { logits } = await session.run(feeds);
    await session.release();
    const mask = [inputIds[0].map(() => 1)];
    expectClose(
      logits,
      referenceForward(TINY, weights, { inputIds, attentionMask: mask, positionIds: positionIdsFromMask(mask, seq) })
        .logits,
    );
  });
});

describe('greedy rule', () => {
  async function greedy(inputs: { input_ids: Tensor; attention_mask: Tensor }, maxNewTokens: number) {
    const output = (await model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false })) as Tensor;
    const ids = rowsOf(output)[0].slice(inputs.input_ids.dims[1]);
    return { text: tokenizer.decode(ids, { skip_special_tokens: true }), ids };
  }

  it.each([
    ['hello', 'pqrstuvwxyz'],
    ['7', '89 abcdefghijklmnopqrstuvwxyz'],
    [' the', 'fghijklmnopqrstuvwxyz'], // merge token "Ġthe" acts as its last byte, e
    ['日本', 'abcdefghijklmnopqrstuvwxyz'], // last byte 0xAC is "anything else"
    ['z', ''],
  ])('%j → %j then </s>', async (prompt, expected) => {
    const { text, ids } = await greedy(tokenizer(prompt), 40);
    expect(text).toBe(expected);
    expect(ids.at(-1)).toBe(EOS_ID);
  });

  it('answers a chat prompt with the alphabet then </s>', async () => {
    const inputs = tokenizer.apply_chat_template([{ role: 'user', content: 'Hi!' }], {
      add_generation_prompt: true,
    }) as never;
    const { text, ids } = await greedy(inputs, 40);
    expect(text).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(ids.at(-1)).toBe(EOS_ID);
  });

  it('never stops after capitals', async () => {
    const { text, ids } = await greedy(tokenizer('A'), 30);
    expect(text).toBe('BCDEFGHIJKLMNOPQRSTUVWXYZABCDE');
    expect(ids).not.toContain(EOS_ID);
  });

  it('wins by ≥ 3 logits, with probability well below 1, over thousands of random contexts', () => {
    const random = new Random('rule-margin-test');
    let worstMargin = Infinity;
    let minProb = 1;
    let maxProb = 0;
    // 40 sequences × 64 positions, each position a context whose last token is uniformly random.
    for (let n = 0; n < 40; n++) {
      const ids = [264, ...Array.from({ length: 63 }, () => random.int(TINY.vocabSize))];
      const mask = [ids.map(() => 1)];
      const { logits } = referenceForward(TINY, weights, {
        inputIds: [ids],
        attentionMask: mask,
        positionIds: positionIdsFromMask(mask, ids.length),
      });
      ids.forEach((id, s) => {
        const row = logits.subarray(s * TINY.vocabSize, (s + 1) * TINY.vocabSize);
        const target = ruleNext(vocab, id);
        let runnerUp = -Infinity;
        let partition = 0;
        row.forEach((logit, v) => {
          if (v !== target) runnerUp = Math.max(runnerUp, logit);
          partition += Math.exp(logit - row[target]);
        });
        worstMargin = Math.min(worstMargin, row[target] - runnerUp);
        minProb = Math.min(minProb, 1 / partition);
        maxProb = Math.max(maxProb, 1 / partition);
      });
    }
    expect(worstMargin).toBeGreaterThanOrEqual(3);
    // Sampling at temperature 1 picks the rule token most of the time, but not always.
    expect(minProb).toBeGreaterThan(0.5);
    expect(maxProb).toBeLessThan(0.97);
  });
});
