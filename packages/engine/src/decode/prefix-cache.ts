import { DynamicCache, type PreTrainedModel } from '@huggingface/transformers';
import type { LoadedModel } from '../model/load';
import { ForwardPass } from './forward';
import { bytesPerPosition, type HostKv, slicePositions, toTensor } from './kv';

interface Entry {
  ids: readonly number[];
  kv: HostKv;
  bytes: number;
}

/**
 * Keys and values of past sequences (prompt and generated tokens), in CPU memory, so that a new
 * prompt skips the prefill of the longest prefix it shares with ANY of them: alternating
 * conversations, a system prompt shared by different users, a regenerated answer, best_of's
 * siblings. Least recently used entries go first once the total passes `capacityBytes`.
 */
export class PrefixCache {
  /** Oldest first. */
  private entries: Entry[] = [];
  private bytes = 0;
  /** Prompt tokens served from the cache, since load (the /metrics counter). */
  hits = 0;

  constructor(
    private readonly model: PreTrainedModel,
    readonly capacityBytes: number,
  ) {}

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.length, bytes: this.bytes };
  }

  /**
   * A prefill pass already holding the longest cached prefix of `prompt` (at most all but its last
   * token, whose logits the caller needs), or an empty one.
   */
  take(prompt: readonly number[]): ForwardPass {
    let best: Entry | null = null;
    let shared = 0;
    for (const entry of this.entries) {
      const n = sharedPrefix(entry.ids, prompt);
      if (n > shared) [best, shared] = [entry, n];
    }
    shared = Math.min(shared, prompt.length - 1);
    if (!best || shared <= 0) return new ForwardPass(this.model);
    this.touch(best);
    this.hits += shared;
    const cut: Record<string, ReturnType<typeof toTensor>> = {};
    for (const [name, t] of best.kv) cut[name] = toTensor(slicePositions(t, 0, 0, shared));
    return new ForwardPass(this.model, new DynamicCache(cut), prompt.slice(0, shared));
  }

  /** An empty prefill pass (nothing reused). */
  fresh(): ForwardPass {
    return new ForwardPass(this.model);
  }

  /** Keep a sequence's keys and values for `ids` (one position per id). */
  put(ids: readonly number[], kv: HostKv): void {
    if (ids.length === 0) return;
    const bytes = bytesPerPosition(kv) * ids.length;
    if (bytes > this.capacityBytes) return;
    // An entry that the new one extends is redundant; one that extends the new one makes it so.
    for (const entry of this.entries) {
      if (entry.ids.length >= ids.length && sharedPrefix(entry.ids, ids) === ids.length) {
        this.touch(entry);
        return;
      }
    }
    this.entries = this.entries.filter((e) => {
      const covered = sharedPrefix(e.ids, ids) === e.ids.length;
      if (covered) this.bytes -= e.bytes;
      return !covered;
    });
    this.entries.push({ ids: [...ids], kv, bytes });
    this.bytes += bytes;
    while (this.bytes > this.capacityBytes) this.bytes -= this.entries.shift()!.bytes;
  }

  clear(): void {
    this.entries = [];
    this.bytes = 0;
  }

  private touch(entry: Entry): void {
    this.entries.splice(this.entries.indexOf(entry), 1);
    this.entries.push(entry);
  }
}

function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** A loaded model with its prefix cache: what sequences and the scheduler run on. */
export interface ServingModel extends LoadedModel {
  /** Past sequences' keys and values, for later prompts' shared prefixes. */
  prefixes: PrefixCache;
}

/** The model, ready to serve: its prefix cache starts empty (sized by the model's batching bounds). */
export function withPrefixCache(loaded: LoadedModel): ServingModel {
  return { ...loaded, prefixes: new PrefixCache(loaded.model, loaded.batching.prefixCacheBytes) };
}
