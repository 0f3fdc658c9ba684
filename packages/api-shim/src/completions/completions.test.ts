import { describe, expect, test } from 'vitest';
import { decodeCompletionRequest } from '../schema/requests';
import { decodeRoot } from '../schema/serde';
import { interleave } from './interleave';
import { completionParameters } from './parameters';

const request = (body: Record<string, unknown>) => decodeRoot(decodeCompletionRequest, { prompt: 'x', ...body });

describe('OpenAI completions → TGI parameters', () => {
  test('defaults: sampling, details on', () => {
    expect(completionParameters(request({}))).toEqual({
      do_sample: true,
      temperature: undefined,
      top_p: undefined,
      repetition_penalty: undefined,
      frequency_penalty: undefined,
      max_new_tokens: undefined,
      stop: [],
      seed: undefined,
      details: true,
      decoder_input_details: false,
      watermark: false,
    });
  });

  test('temperature 0 is greedy; the others pass through', () => {
    expect(
      completionParameters(
        request({
          temperature: 0,
          max_tokens: 5,
          top_p: 0.5,
          repetition_penalty: 1.5,
          frequency_penalty: 0.5,
          seed: 3,
          stop: ['.'],
        }),
      ),
    ).toEqual({
      do_sample: false,
      temperature: undefined,
      top_p: 0.5,
      repetition_penalty: 1.5,
      frequency_penalty: 0.5,
      max_new_tokens: 5,
      stop: ['.'],
      seed: 3,
      details: true,
      decoder_input_details: false,
      watermark: false,
    });
    expect(completionParameters(request({ temperature: 0.5 }))).toMatchObject({ do_sample: true, temperature: 0.5 });
  });
});

/** A source that yields `items`, each after its gate opens. */
function gated<T>(items: T[]) {
  const gates = items.map(() => {
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    return { promise, open };
  });
  async function* source() {
    for (const [i, item] of items.entries()) {
      await gates[i].promise;
      yield item;
    }
  }
  return { source: source(), open: (i: number) => gates[i].open() };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('interleave', () => {
  test('round-robin among sources that have an item ready (TGI order when they keep pace)', async () => {
    const a = gated(['a1', 'a2', 'a3']);
    const b = gated(['b1', 'b2']);
    [0, 1, 2].forEach((i) => a.open(i));
    [0, 1].forEach((i) => b.open(i));
    await flush();
    const out: string[] = [];
    for await (const item of interleave([a.source, b.source])) out.push(item);
    expect(out).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
  });

  test('never waits on a source while another has an item', async () => {
    const a = gated(['a1', 'a2']);
    const b = gated(['b1']);
    const out: string[] = [];
    const done = (async () => {
      for await (const item of interleave([a.source, b.source])) out.push(item);
    })();
    a.open(0);
    await flush();
    a.open(1);
    await flush();
    expect(out).toEqual(['a1', 'a2']);
    b.open(0);
    await done;
    expect(out).toEqual(['a1', 'a2', 'b1']);
  });
});
