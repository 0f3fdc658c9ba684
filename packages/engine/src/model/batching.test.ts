import { describe, expect, it } from 'vitest';
import { batchingOptions, prefillChunkLength } from './batching';

describe('prefillChunkLength', () => {
  it('takes the whole budget while the attention stays within its pairs', () => {
    // 512 × 512 pairs fit in 2^20.
    expect(prefillChunkLength(0, 2000, 512, 2 ** 20)).toBe(512);
    expect(prefillChunkLength(0, 100, 512, 2 ** 20)).toBe(100);
    expect(prefillChunkLength(0, 2000, 64, 2 ** 20)).toBe(64);
  });

  it('cuts a chunk into a long context to the largest that fits', () => {
    // c × (1536 + c) ≤ 2^20: c = 512 makes 1,048,576 exactly.
    expect(prefillChunkLength(1536, 2000, 1024, 2 ** 20)).toBe(512);
    expect(prefillChunkLength(1537, 2000, 1024, 2 ** 20)).toBe(511);
    const c = prefillChunkLength(5000, 2000, 512, 299_593);
    expect(c * (5000 + c)).toBeLessThanOrEqual(299_593);
    expect((c + 1) * (5000 + c + 1)).toBeGreaterThan(299_593);
  });

  it('always makes progress', () => {
    expect(prefillChunkLength(100_000, 10, 512, 1000)).toBe(1);
    expect(prefillChunkLength(10, 10, 512, Number.NaN)).toBe(1);
    expect(prefillChunkLength(10, 10, 512, -5)).toBe(1);
  });
});

describe('batchingOptions', () => {
  const facts = { weightBytes: 0, kvBytesPerValue: 4, contextLength: 2048 };

  it('bounds a prefill pass to 16 MiB of fp32 attention scores over the query heads', () => {
    const { prefillAttentionPairs } = batchingOptions({}, { ...facts, text: { num_attention_heads: 14 } });
    expect(prefillAttentionPairs).toBe(Math.floor((16 * 2 ** 20) / (4 * 14)));
    // Qwen2.5-0.5B at 2k context: chunks of 146 tokens instead of 512.
    expect(prefillChunkLength(1900, 2000, 512, prefillAttentionPairs)).toBe(146);
  });

  it('gives the prefix cache a tenth of the weights, at least 16 MiB', () => {
    expect(batchingOptions({}, { ...facts, text: {}, weightBytes: 854_000_000 }).prefixCacheBytes).toBe(85_400_000);
    expect(batchingOptions({}, { ...facts, text: {}, weightBytes: 400_000 }).prefixCacheBytes).toBe(16 * 2 ** 20);
  });

  it('keeps what was asked for', () => {
    expect(batchingOptions({ prefillAttentionPairs: 7 }, { ...facts, text: {} }).prefillAttentionPairs).toBe(7);
  });
});
