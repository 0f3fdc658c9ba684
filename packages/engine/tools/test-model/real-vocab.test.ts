/**
 * The real-vocabulary fixtures through transformers.js in Node: the real tokenizer and chat template, and
 * greedy tokens from onnxruntime-node for every dtype file, against the chain rule.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env, type PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainIds, GEMMA3, LLAMA2, QWEN3, QWEN3_GQA, tokenizerFiles } from './real-vocab';
import { ensureModel } from './write-model';

let modelsDir: string;
let tokenizer: PreTrainedTokenizer;
const chain = chainIds(QWEN3, JSON.parse(tokenizerFiles(QWEN3).json.toString()));

/** Greedy continuation of `text` (tokenized as given), special tokens kept. */
async function greedy(name: string, dtype: string, texts: string[], max = 12): Promise<string[]> {
  const model = await AutoModelForCausalLM.from_pretrained(name, { dtype: dtype as 'fp32' });
  const tokenizer = await AutoTokenizer.from_pretrained(name);
  try {
    const out: string[] = [];
    for (const text of texts) {
      const inputs = tokenizer(text, { add_special_tokens: false });
      const ids = (await model.generate({ ...inputs, max_new_tokens: max, do_sample: false })) as Tensor;
      out.push(
        tokenizer.decode((ids.tolist()[0] as bigint[]).slice(inputs.input_ids.dims[1]).map(Number), {
          skip_special_tokens: false,
        }),
      );
    }
    return out;
  } finally {
    await model.dispose();
  }
}

beforeAll(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'inpage-models-'));
  await ensureModel(QWEN3, modelsDir);
  await ensureModel(QWEN3_GQA, modelsDir);
  await ensureModel(GEMMA3, modelsDir);
  await ensureModel(LLAMA2, modelsDir);
  Object.assign(env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: modelsDir });
  tokenizer = await AutoTokenizer.from_pretrained(QWEN3.name);
}, 120_000);

afterAll(() => rm(modelsDir, { recursive: true, force: true }));

describe('inpage-qwen3', () => {
  it('spells its chain in real Qwen3 tokens', () => {
    expect(chain).toEqual([151667, 80022, 151668, 271, 9707, 1879, 0, 151645]);
    expect(tokenizer.decode(chain)).toBe('<think>Hmm</think>\n\nHello world!<|im_end|>');
  });

  it("renders Qwen3's own template: thinking on by default, off with enable_thinking: false", () => {
    const messages = [{ role: 'user', content: 'Hi' }];
    expect(tokenizer.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true })).toBe(
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(
      tokenizer.apply_chat_template(messages, {
        tokenize: false,
        add_generation_prompt: true,
        enable_thinking: false,
      } as never),
    ).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n');
  });

  it.each(QWEN3.dtypes)(
    'decodes the chain greedily with onnxruntime-node (%s)',
    async (dtype) => {
      const prompt = (thinking: boolean) =>
        tokenizer.apply_chat_template([{ role: 'user', content: 'Hi there, how are you?' }], {
          tokenize: false,
          add_generation_prompt: true,
          enable_thinking: thinking,
        } as never) as unknown as string;
      expect(await greedy(QWEN3.name, dtype, [prompt(true), prompt(false), 'Sushi 🍣 and'])).toEqual([
        '<think>Hmm</think>\n\nHello world!<|im_end|>',
        'Hello world!<|im_end|>',
        '<think>Hmm</think>\n\nHello world!<|im_end|>',
      ]);
    },
    120_000,
  );
});

describe('inpage-qwen3-gqa', () => {
  const chatPrompt = () =>
    tokenizer.apply_chat_template([{ role: 'user', content: 'Hi there, how are you?' }], {
      tokenize: false,
      add_generation_prompt: true,
    }) as unknown as string;

  it.each(QWEN3_GQA.dtypes)(
    "decodes the chain greedily through GroupQueryAttention and the builder's fused norms (%s)",
    async (dtype) => {
      expect(await greedy(QWEN3_GQA.name, dtype, [chatPrompt(), 'Sushi 🍣 and'])).toEqual([
        '<think>Hmm</think>\n\nHello world!<|im_end|>',
        '<think>Hmm</think>\n\nHello world!<|im_end|>',
      ]);
    },
    120_000,
  );

  it('computes the logits of the Optimum-style inpage-qwen3 graph (same weights), prompt and KV-cache step', async () => {
    const inputs = tokenizer(chatPrompt(), { add_special_tokens: false });
    const logits = async (name: string) => {
      const model = await AutoModelForCausalLM.from_pretrained(name, { dtype: 'fp32' });
      try {
        const first = (await model(inputs)) as Record<string, Tensor>;
        const past = Object.fromEntries(
          Object.entries(first)
            .filter(([k]) => k.startsWith('present'))
            .map(([k, v]) => [k.replace('present', 'past_key_values'), v]),
        );
        const n = inputs.input_ids.dims[1];
        const next = (await model.forward({
          input_ids: new Tensor('int64', [BigInt(chain[0])], [1, 1]),
          attention_mask: new Tensor('int64', new BigInt64Array(n + 1).fill(1n), [1, n + 1]),
          past_key_values: past,
        })) as Record<string, Tensor>;
        return [first.logits.data as Float32Array, next.logits.data as Float32Array];
      } finally {
        await model.dispose();
      }
    };
    const [plain, fused] = [await logits(QWEN3.name), await logits(QWEN3_GQA.name)];
    for (const [i, a] of plain.entries()) {
      let worst = 0;
      for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - fused[i][k]));
      expect(worst).toBeLessThan(1e-4);
    }
  }, 120_000);
});

describe('inpage-gemma3', () => {
  it("renders Gemma 3's own template with its BOS, and decodes the chain from external data", async () => {
    const gemma = await AutoTokenizer.from_pretrained(GEMMA3.name);
    const prompt = gemma.apply_chat_template(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      { tokenize: false, add_generation_prompt: true },
    ) as unknown as string;
    expect(prompt).toBe('<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n');
    expect(await greedy(GEMMA3.name, 'fp32', [prompt, '<bos>Sushi 🍣 and'])).toEqual([
      'Hello world!<end_of_turn>',
      'Hello world!<end_of_turn>',
    ]);
  }, 120_000);
});

describe('inpage-llama2', () => {
  it('renders the Llama 2 chat format with its BOS, and decodes the chain through byte-fallback tokens', async () => {
    const llama = await AutoTokenizer.from_pretrained(LLAMA2.name);
    expect(chainIds(LLAMA2, JSON.parse(tokenizerFiles(LLAMA2).json.toString()))).toEqual([
      22557, 1526, 28808, 28705, 243, 162, 144, 166, 2,
    ]);
    const conversation = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'Again' },
    ];
    const prompt = llama.apply_chat_template(conversation, { tokenize: false }) as unknown as string;
    expect(prompt).toBe('<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] Again [/INST]');
    expect(() => llama.apply_chat_template([{ role: 'assistant', content: 'x' }], { tokenize: false })).toThrow(
      /roles must alternate/,
    );
    // Decoded alone, the new ids lose their first space to the decoder's Strip (the engine keeps it, as TGI).
    expect(await greedy(LLAMA2.name, 'fp32', [prompt, '<s>Sushi 🍣 and'])).toEqual([
      'Hello world! 🍣</s>',
      'Hello world! 🍣</s>',
    ]);
  }, 120_000);
});
