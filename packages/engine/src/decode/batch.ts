import { DynamicCache, type PreTrainedModel, type Tensor } from '@huggingface/transformers';
import { cacheTensors, forward } from './forward';
import { type HostKv, type HostTensor, hostData, isAttentionKv, ownPositions, slicePositions, stackPadded } from './kv';
import type { KvLayout } from '../protocol/types';
import type { Sequence } from './sequence';

/**
 * The sequences that decode together: one padded KV cache [rows, heads, positions, headDim], each
 * row where the model's layout puts it (kv.ts: aligned to the right, or starting at 0 for
 * GroupQueryAttention), its padding hidden by the attention mask. A decode step is one
 * forward pass over all rows ([rows × 1] ids). The cache is only regrouped (read to CPU memory,
 * re-padded) when rows join or leave; between those, it stays where the runtime put it (on the
 * GPU under WebGPU).
 */
export class RunningBatch {
  rows: Sequence[] = [];
  private cache: DynamicCache | null = null;
  /** Positions in the cache (the longest row's). */
  private length = 0;
  /** False for a model whose cache holds more than attention keys and values: one row at most. */
  groupable = true;

  constructor(
    readonly model: PreTrainedModel,
    private readonly layout: KvLayout = 'left-padded',
  ) {}

  get size(): number {
    return this.rows.length;
  }

  /**
   * Rows leave (`leavers`, whose keys and values go to `keep` when it is given) and prefilled
   * sequences join (`joiners`, each holding its cache in `pass`).
   */
  async regroup(
    joiners: readonly Sequence[],
    leavers: readonly Sequence[],
    keep?: (seq: Sequence, kv: HostKv) => void,
  ): Promise<void> {
    const stay = this.rows.filter((r) => !leavers.includes(r));
    if (stay.length === 0 && joiners.length === 1 && leavers.length === 0) return this.adopt(joiners[0]);
    if (!this.groupable) {
      // Only possible with one row in, one out (the scheduler admits one at a time).
      await this.cache?.dispose();
      this.cache = null;
      this.rows = [];
      if (joiners.length === 1) this.adopt(joiners[0]);
      return;
    }
    const own = new Map<Sequence, HostKv>();
    if (this.cache) {
      const batch = await hostKv(cacheTensors(this.cache));
      this.rows.forEach((row, b) => {
        if (!keep && !stay.includes(row)) return;
        const kv: HostKv = new Map();
        const [from, to] = ownPositions(this.layout, this.length, row.kvTokens.length);
        // A lone row without padding is its cache: kept as it is (this cache never runs again), not copied.
        const whole = this.rows.length === 1 && to - from === this.length;
        for (const [name, t] of batch) kv.set(name, whole ? t : slicePositions(t, b, from, to));
        own.set(row, kv);
      });
      await this.cache.dispose();
    }
    for (const seq of joiners) {
      own.set(seq, await hostKv(cacheTensors(seq.pass!.cache!)));
      await seq.pass!.dispose();
      seq.pass = null;
    }
    if (keep) for (const row of leavers) if (own.has(row)) keep(row, own.get(row)!);
    this.rows = [...stay, ...joiners];
    this.cache = null;
    this.length = Math.max(0, ...this.rows.map((r) => r.kvTokens.length));
    if (this.rows.length === 0) return;
    const stacked: Record<string, Tensor> = {};
    for (const name of own.get(this.rows[0])!.keys())
      stacked[name] = stackPadded(
        this.rows.map((r) => own.get(r)!.get(name)!),
        this.layout,
      );
    this.cache = new DynamicCache(stacked);
  }

  /** One decode step: every row's last token in, every row's next logits out ([rows × vocab]). */
  async step(): Promise<{ logits: Float32Array; vocab: number }> {
    const total = this.length + 1;
    const mask = new BigInt64Array(this.rows.length * total);
    this.rows.forEach((row, b) => {
      const [from, to] = ownPositions(this.layout, total, row.kvTokens.length + 1);
      mask.fill(1n, b * total + from, b * total + to);
    });
    const ids = this.rows.map((r) => r.lastToken);
    // Ragged rows: transformers.js would derive each new token's position from the mask's last
    // column, which is padding for all but the longest row; each row's own length is its position.
    const positions = this.layout === 'ragged' ? this.rows.map((r) => r.kvTokens.length) : undefined;
    const out = await forward(this.model, this.cache, ids, this.rows.length, mask, { positions });
    this.cache = out.cache;
    this.length = total;
    for (const row of this.rows) row.kvTokens.push(row.lastToken);
    return out;
  }

  /** Keys and values of one row, in CPU memory (for the prefix cache), or null when not groupable. */
  static async ownKv(seq: Sequence): Promise<HostKv | null> {
    const tensors = cacheTensors(seq.pass!.cache!);
    return isAttentionKv(tensors) ? hostKv(tensors) : null;
  }

  async clear(): Promise<void> {
    await this.cache?.dispose();
    this.cache = null;
    this.rows = [];
    this.length = 0;
  }

  private adopt(seq: Sequence): void {
    this.cache = seq.pass!.cache;
    seq.pass = null;
    this.rows = [seq];
    this.length = seq.kvTokens.length;
    this.groupable = isAttentionKv(cacheTensors(this.cache!));
  }
}

async function hostKv(tensors: Record<string, Tensor>): Promise<HostKv> {
  const kv: HostKv = new Map();
  for (const [name, t] of Object.entries(tensors))
    kv.set(name, { type: t.type, data: await hostData(t), dims: [...t.dims] } satisfies HostTensor);
  return kv;
}
