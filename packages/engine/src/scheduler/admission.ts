/**
 * When waiting requests join the running batch, and how many: TGI's router rules
 * (backends/v3 `batching_task` and `Queue::next_batch`), as a pure function.
 */
import type { BatchingOptions } from '../protocol/types';

export interface Candidate {
  inputLength: number;
  maxNewTokens: number;
}

export interface BatchState {
  /** Sequences running or prefilling. */
  running: number;
  /** Tokens they reserve (prompt + max_new_tokens each). */
  reservedTokens: number;
  /** Decode steps since the last admission while requests waited. */
  waitingSteps: number;
}

/** How many of `waiting` (from its head, in order) to admit now: 0 for none. */
export function admitCount(waiting: readonly Candidate[], state: BatchState, options: BatchingOptions): number {
  if (waiting.length === 0) return 0;
  const idle = state.running === 0;
  const minSize =
    idle || state.waitingSteps >= options.maxWaitingTokens ? 0 : Math.floor(state.running * options.waitingServedRatio);
  const maxSize = options.maxBatchSize - state.running;
  let prefill = 0;
  let reserved = state.reservedTokens;
  let count = 0;
  for (const c of waiting) {
    if (count >= maxSize) break;
    prefill += c.inputLength;
    reserved += c.inputLength + c.maxNewTokens;
    if (prefill > options.maxBatchPrefillTokens || reserved > options.maxBatchTotalTokens) {
      // A request larger than the bounds still runs, alone: validation keeps requests within the
      // context length, so waiting would never make it fit better.
      if (idle && count === 0) count = 1;
      break;
    }
    count++;
  }
  return count >= Math.max(minSize, 1) ? count : 0;
}
