import { expect, test } from '@playwright/test';
import { expectedDevice, generateIn, generateTogether, skipWithoutShaderF16 } from './support/harness';
import { BASE, json, openShim } from './support/shim';

// inpage-qwen3-gqa (packages/engine/tools/test-model/fused-graph.ts): inpage-qwen3's weights, real Qwen3
// tokenizer and template in the graph onnxruntime-genai's model builder writes: GroupQueryAttention with RoPE
// inside (per-row lengths from the attention mask), SkipSimplifiedLayerNormalization; fp16 and q4f16 the same
// graph computing in float16 (float16 KV cache and logits; q4f16 with MatMulNBits); q4: MatMulNBits, and RoPE in
// RotaryEmbedding nodes fed the position_ids the engine gives each row.
// Greedy output: `<think>Hmm</think>\n\nHello world!<|im_end|>`. GroupQueryAttention reads each row's length
// from the mask, so the engine batches such models in a ragged layout; concurrent requests must decode exactly
// what they decode alone. WASM runs every file, with /info and chat. WebGPU runs fp32 whole, where its own
// GroupQueryAttention kernel is what differs; fp16 and q4f16 only where the adapter has 'shader-f16' (SwiftShader
// has not); q4 for two tokens alone: on SwiftShader its 152k-column MatMulNBits lm_head makes the prompt and each
// token take seconds (~28 s for those two tokens with the load, ~25 s more for a batched pair; measured on a loaded
// 2-core machine), and its MatMulNBits runs in real-vocab.spec.ts too.

const MODEL = '/models/inpage-qwen3-gqa/';
const CHAIN = [151667, 80022, 151668, 271, 9707, 1879, 0, 151645];
const REPLY = '<think>Hmm</think>\n\nHello world!';
const CHAT = '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n';

// Different lengths (rows padded by up to ~30 positions) that finish at different steps.
const PROMPTS = [CHAT, 'A much longer prompt, so that the batch pads the others by many positions: one two three four five six.', 'Hello world', '<think>'];

type PageEngine = ReturnType<typeof window.inpage.createEngine>;

for (const dtype of ['fp32', 'fp16', 'q4', 'q4f16'] as const) {
  test(`onnxruntime-genai builder graph (GroupQueryAttention, fused norms), ${dtype}: exact greedy tokens, batched as alone`, async ({ page }, testInfo) => {
    test.setTimeout(240_000);
    if (dtype.endsWith('16')) await skipWithoutShaderF16(page, testInfo);
    const info = await openShim(page, { model: MODEL, dtype });
    expect(info).toMatchObject({ modelType: 'qwen3', dtype, device: expectedDevice(testInfo), vocabSize: 151936, kvLayout: 'ragged' });
    if (dtype === 'q4' && expectedDevice(testInfo) === 'webgpu') {
      // WebGPU's MatMulNBits, RotaryEmbedding and GroupQueryAttention without rotary: two exact tokens (see the top).
      expect((await generateIn(page, { prompt: CHAT, maxNewTokens: 2 })).tokens.map((t) => t.id)).toEqual(CHAIN.slice(0, 2));
      return;
    }

    const alone = [];
    for (const prompt of PROMPTS) alone.push(await generateIn(page, { prompt, maxNewTokens: 12 }));
    expect(alone.map((g) => g.tokens.map((t) => t.id))).toEqual([CHAIN, CHAIN, CHAIN.slice(6), CHAIN.slice(1)]);
    const steps = () => page.evaluate(async () => (await (window as unknown as { engine: PageEngine }).engine.batchStats()).decode.count);
    const before = await steps();
    // Each starts from the keys its alone run left in the prefix cache: cached rows join the ragged batch too.
    const batched = await generateTogether(
      page,
      PROMPTS.map((prompt) => ({ prompt, maxNewTokens: 12 })),
    );
    // They ran as one batch: fewer decode passes than tokens.
    expect((await steps()) - before).toBeLessThan(alone.reduce((n, g) => n + g.tokens.length, 0) / 2);
    for (const [i, a] of alone.entries()) {
      expect(batched[i].error).toBeNull();
      expect(batched[i].tokens.map((t) => t.id)).toEqual(a.tokens.map((t) => t.id));
      batched[i].tokens.forEach((t, k) => expect(t.logprob).toBeCloseTo(a.tokens[k].logprob, 4));
    }
    // A prompt that extends a cached one by several tokens: its prefill is a chunk of several positions on top of
    // a past (GroupQueryAttention's "subsequent prompt"); the same prompt prefilled whole (prompt logprobs reuse
    // nothing) gives the same tokens and logprobs.
    const extended = `${PROMPTS[1]} Seven, eight, nine and ten.`;
    const reused = await generateIn(page, { prompt: extended, maxNewTokens: 12 });
    expect(reused.finish?.cachedTokens).toBeGreaterThan(10);
    expect(reused.finish!.inputLength - reused.finish!.cachedTokens).toBeGreaterThan(3);
    const whole = (await json(page, '/generate', { inputs: extended, parameters: { max_new_tokens: 12, details: true, decoder_input_details: true } }))
      .body as { details: { tokens: { id: number; logprob: number }[] } };
    expect(reused.tokens.map((t) => t.id)).toEqual(CHAIN);
    expect(whole.details.tokens.map((t) => t.id)).toEqual(CHAIN);
    reused.tokens.forEach((t, k) => expect(t.logprob).toBeCloseTo(whole.details.tokens[k].logprob, 4));
    if (expectedDevice(testInfo) === 'webgpu') return;

    const generated = (await json(page, '/generate', { inputs: CHAT, parameters: { max_new_tokens: 20, details: true } })).body as {
      generated_text: string;
      details: { finish_reason: string; tokens: { id: number }[] };
    };
    expect(generated.generated_text).toBe(REPLY);
    expect(generated.details.finish_reason).toBe('eos_token');
    expect(generated.details.tokens.map((t) => t.id)).toEqual(CHAIN);

    expect((await json(page, '/info')).body).toMatchObject({ kv_layout: 'ragged', dtype });
    // Chat through the openai SDK, two conversations at once, streamed and not.
    const chat = await page.evaluate(
      async ({ base }) => {
        const openai = new window.inpage.OpenAI({ baseURL: `${base}/v1`, apiKey: '-', dangerouslyAllowBrowser: true, maxRetries: 0 });
        const messages = [{ role: 'user' as const, content: 'Hi' }];
        const streamed = (async () => {
          let text = '';
          for await (const chunk of await openai.chat.completions.create({ model: 'tgi', messages, temperature: 0, stream: true })) {
            text += chunk.choices[0]?.delta.content ?? '';
          }
          return text;
        })();
        const whole = openai.chat.completions.create({
          model: 'tgi',
          messages: [{ role: 'user', content: 'A longer question, to pad the batch: why is the sky blue?' }],
          temperature: 0,
        });
        const completion = await whole;
        return { streamed: await streamed, content: completion.choices[0].message.content, finish: completion.choices[0].finish_reason };
      },
      { base: BASE },
    );
    expect(chat).toEqual({ streamed: REPLY, content: REPLY, finish: 'stop' });
  });
}
