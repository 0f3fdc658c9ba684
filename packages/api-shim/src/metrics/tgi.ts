/**
 * TGI's metrics (names, label sets, help texts and buckets from router/src/server.rs), fed by the
 * requests this handler really serves.
 */
import type { BatchStats } from '../engine';
import type { FailureLabel } from '../errors/errors';
import { Registry } from './prometheus';

/** Durations: 35 buckets, a geometric series from 0.00015 s by ×1.5 (computed as TGI does, by repeated ×1.5). */
function durationBuckets(): number[] {
  const buckets: number[] = [];
  let value = 0.0001;
  for (let i = 0; i < 35; i++) {
    value *= 1.5;
    buckets.push(value);
  }
  return buckets;
}

/** Token counts: 100 equal steps up to the limit. */
function linearBuckets(max: number): number[] {
  return Array.from({ length: 100 }, (_, x) => (max / 100) * (x + 1));
}

/** One finished generation, in seconds and tokens. */
export interface GenerationRecord {
  totalS: number;
  validationS: number;
  queueS: number;
  inferenceS: number;
  perTokenS: number;
  generatedTokens: number;
}

export interface TgiMetrics {
  /** A generation request arrived (one per HTTP request on a generation route). */
  request(): void;
  failure(label: FailureLabel): void;
  /** A prompt passed validation. */
  inputLength(tokens: number): void;
  success(record: GenerationRecord): void;
  /** The engine scheduler's state and the forward passes it ran since the last call. */
  batches(stats: BatchStats): void;
  render(): string;
}

export interface MetricSources {
  /** Token limits, known once the model is loaded (before any length is recorded). */
  limits(): { maxInputTokens: number; maxTotalTokens: number };
}

export function createTgiMetrics(sources: MetricSources): TgiMetrics {
  const r = new Registry();
  const count = r.counter('tgi_request_count', 'Total number of requests');
  const success = r.counter('tgi_request_success', 'Number of successful requests');
  const failure = r.counter('tgi_request_failure', 'Number of failed requests');
  let batch = { queueSize: 0, batchCurrentSize: 0, batchNextSize: 0 };
  r.gauge('tgi_queue_size', 'Current queue size', () => batch.queueSize);
  r.gauge('tgi_batch_current_size', 'Current batch size', () => batch.batchCurrentSize);
  r.gauge('tgi_batch_next_size', 'Batch size of the next step', () => batch.batchNextSize);
  const inferenceCount = r.counter('tgi_batch_inference_count', 'Inference calls per method (prefill or decode)');
  const cachedTokens = r.counter('inpage_prefix_cache_tokens', 'Prompt tokens served from the prefix cache');
  const counted = { prefill: 0, decode: 0, cached: 0 };
  const seconds = (name: string, help: string) => r.histogram(name, help, durationBuckets);
  const duration = seconds('tgi_request_duration', 'Request duration');
  const validation = seconds('tgi_request_validation_duration', 'Request validation duration');
  const queue = seconds('tgi_request_queue_duration', 'Request queue duration');
  const requestInference = seconds('tgi_request_inference_duration', 'Request inference duration');
  const perToken = seconds('tgi_request_mean_time_per_token_duration', 'Mean time per token per request');
  const forward = seconds('tgi_batch_forward_duration', 'Batch forward duration per method (prefill or decode)');
  const inference = seconds('tgi_batch_inference_duration', 'Batch inference duration per method (prefill or decode)');
  const inputLength = r.histogram('tgi_request_input_length', 'Input token length per request', () =>
    linearBuckets(sources.limits().maxInputTokens),
  );
  const generated = r.histogram('tgi_request_generated_tokens', 'Generated tokens per request', () =>
    linearBuckets(sources.limits().maxTotalTokens),
  );

  return {
    request: () => count.inc(),
    failure: (label) => failure.inc({ err: label }),
    inputLength: (tokens) => inputLength.observe(tokens),
    success(rec) {
      success.inc();
      duration.observe(rec.totalS);
      validation.observe(rec.validationS);
      queue.observe(rec.queueS);
      requestInference.observe(rec.inferenceS);
      perToken.observe(rec.perTokenS);
      generated.observe(rec.generatedTokens);
    },
    batches(stats) {
      batch = stats;
      // A worker that was replaced counts from zero again.
      const since = (now: number, before: number) => (now >= before ? now - before : now);
      for (const method of ['prefill', 'decode'] as const) {
        inferenceCount.inc({ method }, since(stats[method].count, counted[method]));
        counted[method] = stats[method].count;
        // Our forward pass is the whole of an inference step (sampling happens per sequence, after it).
        for (const ms of stats[method].ms) {
          forward.observe(ms / 1000, { method });
          inference.observe(ms / 1000, { method });
        }
      }
      cachedTokens.inc({}, since(stats.cachedTokens, counted.cached));
      counted.cached = stats.cachedTokens;
    },
    render: () => r.render(),
  };
}
