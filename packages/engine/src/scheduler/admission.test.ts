import { describe, expect, it } from 'vitest';
import type { BatchingOptions } from '../protocol/types';
import { admitCount, type Candidate } from './admission';

const options: BatchingOptions = {
  maxBatchSize: 4,
  maxBatchPrefillTokens: 100,
  maxBatchTotalTokens: 1000,
  maxWaitingTokens: 20,
  waitingServedRatio: 0.3,
  prefillChunkTokens: 512,
  prefillAttentionPairs: 2 ** 20,
  prefixCacheBytes: 0,
};
const idle = { running: 0, reservedTokens: 0, waitingSteps: 0 };
const req = (inputLength: number, maxNewTokens = 10): Candidate => ({ inputLength, maxNewTokens });

describe('admitCount (TGI router rules)', () => {
  it('admits nothing when nothing waits', () => {
    expect(admitCount([], idle, options)).toBe(0);
  });

  it('fills an idle batch up to max_batch_size', () => {
    expect(admitCount([req(5), req(5), req(5), req(5), req(5)], idle, options)).toBe(4);
  });

  it('stops at the prefill token budget, in order', () => {
    expect(admitCount([req(60), req(30), req(20)], idle, options)).toBe(2);
  });

  it('stops at the KV budget: prompt plus max_new_tokens of every sequence', () => {
    expect(admitCount([req(10, 400), req(10, 400)], { ...idle, running: 1, reservedTokens: 300 }, options)).toBe(1);
  });

  it('runs a request larger than the bounds alone when nothing else runs', () => {
    expect(admitCount([req(500), req(5)], idle, options)).toBe(1);
    expect(admitCount([req(500)], { ...idle, running: 1, reservedTokens: 10 }, options)).toBe(0);
  });

  it('joins a running batch only with enough waiting work (waiting_served_ratio)', () => {
    const running = { running: 3, reservedTokens: 30, waitingSteps: 0 };
    // ⌊3 × 0.3⌋ = 0: one is enough.
    expect(admitCount([req(5)], running, options)).toBe(1);
    const big = { ...options, maxBatchSize: 16 };
    // ⌊10 × 0.3⌋ = 3 needed.
    expect(admitCount([req(5), req(5)], { ...running, running: 10 }, big)).toBe(0);
    expect(admitCount([req(5), req(5), req(5)], { ...running, running: 10 }, big)).toBe(3);
  });

  it('after max_waiting_tokens steps, admits whatever waits', () => {
    const big = { ...options, maxBatchSize: 16 };
    expect(admitCount([req(5)], { running: 10, reservedTokens: 100, waitingSteps: 20 }, big)).toBe(1);
  });

  it('never grows past max_batch_size', () => {
    expect(admitCount([req(5)], { running: 4, reservedTokens: 40, waitingSteps: 99 }, options)).toBe(0);
  });
});
