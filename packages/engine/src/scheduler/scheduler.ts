import { RunningBatch } from '../decode/batch';
import { readback } from '../decode/forward';
import type { HostKv } from '../decode/kv';
import { Sequence } from '../decode/sequence';
import type { ServingModel } from '../decode/prefix-cache';
import type { BatchStats, GenerateEvent, GenerateRequest } from '../protocol/types';
import { prefillChunkLength } from '../model/batching';
import { admitCount } from './admission';
import { abortError, yieldToEventLoop } from './yield';

interface Waiting {
  seq: Sequence;
  enqueued: number;
  done: Settle;
}

interface Task {
  /** Settles the caller's promise itself. */
  task: () => Promise<void>;
}

/** A decode pass started before the previous step's tokens were reported. */
interface Inflight {
  out: Promise<{ logits: Float32Array; vocab: number }>;
  start: number;
}

interface Settle {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Continuous batching, as TGI's router does it: one FIFO queue; the running sequences decode
 * together, one forward pass per step; waiting requests are admitted by TGI's rules
 * (`admitCount`), prefilled (in chunks, between decode steps) and join the batch at the next
 * step; a finished or aborted sequence leaves at once, its keys and values going to the prefix
 * cache. Exclusive tasks (a model load) take their turn in the same queue, once nothing runs.
 */
export class Scheduler {
  private queue: (Waiting | Task)[] = [];
  private prefilling: { seq: Sequence; done: Settle }[] = [];
  private batch: RunningBatch | null = null;
  private inflight: Inflight | null = null;
  private settles = new Map<Sequence, Settle>();
  private looping = false;
  private waitingSteps = 0;
  private readonly stats: BatchStats = {
    queueSize: 0,
    batchCurrentSize: 0,
    batchNextSize: 0,
    cachedTokens: 0,
    prefill: { count: 0, ms: [] },
    decode: { count: 0, ms: [] },
    readbackBytes: 0,
  };

  /** Run one generation; resolves after its finish event, rejects on error or abort (at once). */
  generate(
    loaded: ServingModel,
    request: GenerateRequest,
    emit: (e: GenerateEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(abortError());
      const seq = new Sequence(loaded, request, emit, signal);
      const entry: Waiting = { seq, enqueued: performance.now(), done: { resolve, reject } };
      signal.addEventListener(
        'abort',
        () => {
          // A waiting request leaves the queue without ever prefilling; a running one leaves the batch at the next step.
          this.queue = this.queue.filter((e) => e !== entry);
          reject(abortError());
        },
        { once: true },
      );
      this.queue.push(entry);
      this.wake();
    });
  }

  /** Run `task` alone: after every request queued before it has finished, before any queued after it. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ task: () => task().then(resolve, reject) });
      this.wake();
    });
  }

  /** Requests waiting plus those running. */
  get size(): number {
    return this.queue.length + this.prefilling.length + (this.batch?.size ?? 0);
  }

  /** A snapshot for /metrics (durations since the last snapshot). */
  takeStats(): BatchStats {
    const copy = structuredClone(this.stats);
    this.stats.prefill.ms = [];
    this.stats.decode.ms = [];
    copy.queueSize = this.queue.filter((e) => 'seq' in e).length;
    copy.readbackBytes = readback.bytes;
    return copy;
  }

  private wake(): void {
    if (this.looping) return;
    this.looping = true;
    void this.loop().finally(() => (this.looping = false));
  }

  private async loop(): Promise<void> {
    while (this.queue.length || this.prefilling.length || this.batch?.size) {
      const head = this.queue[0];
      if (head && 'task' in head && !this.prefilling.length && !this.batch?.size) {
        this.queue.shift();
        await head.task();
        continue;
      }
      try {
        // While a pass is in flight the batch cannot change: newcomers wait for the next step.
        if (!this.inflight) {
          await this.admit();
          await this.prefillChunk();
        }
        await this.decodeStep();
      } catch (error) {
        // A failure outside one sequence's own work (regrouping the cache, say): every sequence in
        // flight fails with it, and the queue goes on.
        await this.failAll(error);
      }
      if (this.batch && !this.batch.size) this.batch = null;
      this.updateSizes();
      await yieldToEventLoop();
    }
  }

  /** Waiting requests into prefill, by TGI's rules. */
  private async admit(): Promise<void> {
    const candidates: Waiting[] = [];
    const model = this.prefilling[0]?.seq.loaded ?? this.batch?.rows[0]?.loaded;
    for (const e of this.queue) {
      // An exclusive task, or a request for another model, waits for the batch to empty.
      if ('task' in e || (model && e.seq.loaded !== model)) break;
      candidates.push(e);
    }
    if (candidates.length === 0) return;
    const loaded = candidates[0].seq.loaded;
    const running = [...this.prefilling.map((p) => p.seq), ...(this.batch?.rows ?? [])];
    const options = { ...loaded.batching, ...(this.batch?.groupable === false && { maxBatchSize: 1 }) };
    const count = admitCount(
      candidates.map((c) => ({ inputLength: c.seq.prompt.length, maxNewTokens: c.seq.request.maxNewTokens })),
      {
        running: running.length,
        reservedTokens: running.reduce((n, s) => n + s.prompt.length + s.request.maxNewTokens, 0),
        waitingSteps: this.waitingSteps,
      },
      options,
    );
    if (count === 0) {
      if (this.batch?.size) this.waitingSteps++;
      return;
    }
    this.waitingSteps = 0;
    const admitted = candidates.slice(0, count);
    this.queue = this.queue.filter((e) => !admitted.includes(e as Waiting));
    for (const { seq, enqueued, done } of admitted) {
      seq.queueMs = performance.now() - enqueued;
      try {
        await seq.prepare();
      } catch (error) {
        seq.dispose();
        done.reject(error);
        continue;
      }
      // Every prompt position's logits are wanted: nothing is reused.
      const groupable = this.batch?.groupable !== false;
      seq.pass = seq.wantsPrefillLogits || !groupable ? loaded.prefixes.fresh() : loaded.prefixes.take(seq.prompt);
      seq.cachedTokens = seq.pass.ids.length;
      seq.kvTokens.push(...seq.pass.ids);
      this.stats.cachedTokens += seq.cachedTokens;
      this.settles.set(seq, done);
      this.prefilling.push({ seq, done });
    }
  }

  /**
   * Up to `prefillChunkTokens` prompt tokens of the prefilling sequences, in order, in passes whose
   * attention stays within `prefillAttentionPairs` (a long context takes several).
   */
  private async prefillChunk(): Promise<void> {
    const joiners: Sequence[] = [];
    let budget = this.prefilling[0]?.seq.loaded.batching.prefillChunkTokens ?? 0;
    while (this.prefilling.length && budget > 0) {
      const { seq, done } = this.prefilling[0];
      if (seq.signal.aborted) {
        this.prefilling.shift();
        await this.drop(seq);
        continue;
      }
      // Prompt logprobs need every row at once: such a prompt is not chunked.
      const { prefillAttentionPairs } = seq.loaded.batching;
      const length = prefillChunkLength(seq.kvTokens.length, seq.pending.length, budget, prefillAttentionPairs);
      const ids = seq.wantsPrefillLogits ? seq.pending : seq.pending.slice(0, length);
      budget -= ids.length;
      const start = performance.now();
      seq.startPrefill(start);
      try {
        const { logits, vocab } = await seq.pass!.run(ids, seq.wantsPrefillLogits);
        this.record('prefill', start);
        seq.kvTokens.push(...ids);
        if (seq.pending.length > 0) continue;
        this.prefilling.shift();
        this.updateSizes();
        seq.prefillDone(logits, vocab, performance.now());
        seq.startMask();
        if (await seq.step(logits.subarray(logits.length - vocab))) {
          const kv = await RunningBatch.ownKv(seq);
          if (kv) this.keep(seq, kv);
          await this.drop(seq, done);
        } else joiners.push(seq);
      } catch (error) {
        this.prefilling = this.prefilling.filter((p) => p.seq !== seq);
        await this.drop(seq, undefined, error);
      }
    }
    const leavers = this.batch?.rows.filter((r) => r.signal.aborted) ?? [];
    if (joiners.length === 0 && leavers.length === 0) return;
    this.batch ??= new RunningBatch(joiners[0].loaded.model, joiners[0].loaded.info.kvLayout);
    await this.batch.regroup(joiners, leavers);
    for (const seq of leavers) await this.drop(seq);
  }

  /**
   * One forward pass over the running batch, one token per row. As soon as every row's token is
   * chosen, the next pass starts (when no row leaves by that token and no newcomer waits), so
   * detokenizing, stop-string checks and emitting overlap it. A row that then finishes by a stop
   * string, or is aborted, leaves at the following step; the token computed for it meanwhile is
   * never emitted.
   */
  private async decodeStep(): Promise<void> {
    const batch = this.batch;
    if (!batch?.size) return;
    const pass = this.inflight ?? this.launch(batch);
    this.inflight = null;
    let out: { logits: Float32Array; vocab: number };
    try {
      out = await pass.out;
    } catch (error) {
      // A pass that failed midway leaves every row's cache unknown: the whole batch fails.
      const rows = batch.rows;
      await batch.clear();
      for (const row of rows) await this.drop(row, undefined, error);
      return;
    }
    this.record('decode', pass.start);
    const leavers = new Set<Sequence>();
    const failed = new Map<Sequence, unknown>();
    const chosen: Sequence[] = [];
    for (const [b, row] of batch.rows.entries()) {
      if (row.done || row.signal.aborted) {
        leavers.add(row);
        continue;
      }
      try {
        if (await row.choose(out.logits.subarray(b * out.vocab, (b + 1) * out.vocab))) leavers.add(row);
        chosen.push(row);
      } catch (error) {
        // This sequence's own state failed (its grammar, say): it alone leaves, with that error.
        failed.set(row, error);
      }
    }
    const waiting = this.prefilling.length > 0 || this.queue.some((e) => 'seq' in e);
    if (leavers.size === 0 && failed.size === 0 && !waiting) this.inflight = this.launch(batch);
    for (const row of chosen) {
      try {
        if (row.report() && !this.inflight) leavers.add(row);
      } catch (error) {
        failed.set(row, error);
      }
    }
    // Before any await: a client that saw its finish event and asks /metrics sees the batch without it.
    this.updateSizes();
    if (this.inflight) return;
    if (leavers.size === 0 && failed.size === 0) return;
    await batch.regroup([], [...leavers, ...failed.keys()], (seq, kv) => !failed.has(seq) && this.keep(seq, kv));
    for (const row of leavers) await this.drop(row, row.done ? this.settles.get(row) : undefined);
    for (const [row, error] of failed) await this.drop(row, undefined, error);
  }

  /** Starts a decode pass over the batch (each row's grammar mask computing meanwhile). */
  private launch(batch: RunningBatch): Inflight {
    const start = performance.now();
    for (const row of batch.rows) row.startMask();
    const out = batch.step();
    // Awaited by the next decode step; until then an early failure must not count as unhandled.
    out.catch(() => undefined);
    return { out, start };
  }

  /** The batch sizes /metrics reports; a sequence whose finish event is out no longer counts. */
  private updateSizes(): void {
    const current = this.batch?.rows.filter((r) => !r.done && !r.signal.aborted).length ?? 0;
    this.stats.batchCurrentSize = current;
    this.stats.batchNextSize = current + this.prefilling.length;
  }

  private async failAll(error: unknown): Promise<void> {
    const rows = [...this.prefilling.map((p) => p.seq), ...(this.batch?.rows ?? [])];
    this.prefilling = [];
    await this.inflight?.out.catch(() => undefined);
    this.inflight = null;
    await this.batch?.clear().catch(() => undefined);
    this.batch = null;
    for (const seq of rows) await this.drop(seq, undefined, error);
  }

  private keep(seq: Sequence, kv: HostKv): void {
    if (!seq.wantsPrefillLogits) seq.loaded.prefixes.put(seq.kvTokens, kv);
  }

  /** A sequence leaves: resolved when given `done`, else rejected with `error` (or as aborted). */
  private async drop(seq: Sequence, done?: Settle, error: unknown = abortError()): Promise<void> {
    seq.dispose();
    await seq.pass?.dispose();
    seq.pass = null;
    const settle = this.settles.get(seq);
    this.settles.delete(seq);
    if (done) done.resolve();
    else settle?.reject(error);
  }

  private record(method: 'prefill' | 'decode', start: number): void {
    const s = this.stats[method];
    s.count++;
    // Bounded: a /metrics reader that never comes must not grow this without end.
    if (s.ms.length < 10_000) s.ms.push(performance.now() - start);
  }
}
