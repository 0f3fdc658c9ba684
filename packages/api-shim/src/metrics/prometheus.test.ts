import { describe, expect, test } from 'vitest';
import { Registry } from './prometheus';
import { createTgiMetrics } from './tgi';

describe('Prometheus text format', () => {
  test('counters, labels, gauges, histograms; unused families are not shown', () => {
    const r = new Registry();
    const requests = r.counter('b_requests', 'Total number of requests');
    const failures = r.counter('c_failures', 'Number of failed requests');
    r.counter('d_unused', 'Never incremented');
    r.gauge('a_queue', 'Current queue size', () => 2);
    const h = r.histogram('e_latency', 'Request duration', () => [0.5, 1]);
    requests.inc();
    requests.inc();
    failures.inc({ err: 'validation' });
    failures.inc({ err: 'overloaded' });
    failures.inc({ err: 'validation' });
    h.observe(0.25);
    h.observe(0.75);
    h.observe(3, { method: 'decode' });
    expect(r.render()).toBe(
      [
        '# HELP a_queue Current queue size',
        '# TYPE a_queue gauge',
        'a_queue 2',
        '',
        '# HELP b_requests Total number of requests',
        '# TYPE b_requests counter',
        'b_requests 2',
        '',
        '# HELP c_failures Number of failed requests',
        '# TYPE c_failures counter',
        'c_failures{err="validation"} 2',
        'c_failures{err="overloaded"} 1',
        '',
        '# HELP e_latency Request duration',
        '# TYPE e_latency histogram',
        'e_latency_bucket{le="0.5"} 1',
        'e_latency_bucket{le="1"} 2',
        'e_latency_bucket{le="+Inf"} 2',
        'e_latency_sum 1',
        'e_latency_count 2',
        'e_latency_bucket{method="decode",le="0.5"} 0',
        'e_latency_bucket{method="decode",le="1"} 0',
        'e_latency_bucket{method="decode",le="+Inf"} 1',
        'e_latency_sum{method="decode"} 3',
        'e_latency_count{method="decode"} 1',
        '',
        '',
      ].join('\n'),
    );
  });
});

describe("TGI's metrics", () => {
  test('names, label sets and buckets', () => {
    const m = createTgiMetrics({ limits: () => ({ maxInputTokens: 100, maxTotalTokens: 200 }) });
    m.request();
    m.failure('validation');
    m.inputLength(7);
    m.success({
      totalS: 0.5,
      validationS: 0.001,
      queueS: 0,
      inferenceS: 0.499,
      perTokenS: 0.1,
      generatedTokens: 5,
    });
    const step = (ms: number[]) => ({ count: ms.length, ms });
    m.batches({
      queueSize: 2,
      batchCurrentSize: 3,
      batchNextSize: 4,
      cachedTokens: 9,
      prefill: step([100]),
      decode: step([100, 100]),
      readbackBytes: 0,
    });
    m.batches({
      queueSize: 2,
      batchCurrentSize: 3,
      batchNextSize: 4,
      cachedTokens: 12,
      prefill: { count: 1, ms: [] },
      decode: { count: 6, ms: [100, 100, 200, 100] },
      readbackBytes: 0,
    });
    const text = m.render();
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => `${x[1]} ${x[2]}`);
    expect(families).toEqual([
      'inpage_prefix_cache_tokens counter',
      'tgi_batch_current_size gauge',
      'tgi_batch_forward_duration histogram',
      'tgi_batch_inference_count counter',
      'tgi_batch_inference_duration histogram',
      'tgi_batch_next_size gauge',
      'tgi_queue_size gauge',
      'tgi_request_count counter',
      'tgi_request_duration histogram',
      'tgi_request_failure counter',
      'tgi_request_generated_tokens histogram',
      'tgi_request_inference_duration histogram',
      'tgi_request_input_length histogram',
      'tgi_request_mean_time_per_token_duration histogram',
      'tgi_request_queue_duration histogram',
      'tgi_request_success counter',
      'tgi_request_validation_duration histogram',
    ]);
    expect(text).toContain('tgi_queue_size 2\n');
    expect(text).toContain('tgi_batch_current_size 3\n');
    expect(text).toContain('tgi_batch_next_size 4\n');
    expect(text).toContain('inpage_prefix_cache_tokens 12\n');
    expect(text).toContain('tgi_request_count 1\n');
    expect(text).toContain('tgi_request_failure{err="validation"} 1\n');
    expect(text).toContain('tgi_request_success 1\n');
    // Durations: 35 buckets from 0.00015 by ×1.5, computed as TGI does (so 0.00015000000000000001).
    const durationBuckets = [...text.matchAll(/^tgi_request_duration_bucket\{le="([^"]+)"\}/gm)].map((x) => x[1]);
    expect(durationBuckets).toHaveLength(36);
    expect(durationBuckets.slice(0, 3)).toEqual(['0.00015000000000000001', '0.00022500000000000002', '0.0003375']);
    expect(durationBuckets.at(-1)).toBe('+Inf');
    // Lengths: 100 steps up to max_input / max_total.
    expect(text).toContain('tgi_request_input_length_bucket{le="1"} 0\n');
    expect(text).toContain('tgi_request_input_length_bucket{le="7"} 1\n');
    expect(text).toContain('tgi_request_generated_tokens_bucket{le="4"} 0\n');
    expect(text).toContain('tgi_request_generated_tokens_bucket{le="6"} 1\n');
    expect(text).toContain('tgi_request_generated_tokens_bucket{le="200"} 1\n');
    // Forward passes: one observation per pass, each handed over once.
    expect(text).toContain('tgi_batch_forward_duration_count{method="prefill"} 1\n');
    expect(text).toContain('tgi_batch_forward_duration_count{method="decode"} 6\n');
    expect(text).toContain('tgi_batch_inference_count{method="decode"} 6\n');
    expect(text).toContain('tgi_batch_inference_duration_sum{method="prefill"} 0.1\n');
  });
});
