import { describe, expect, it } from 'vitest';
import {
  WarperScratch,
  applyFrequencyPenalty,
  applyPresencePenalty,
  applyRepetitionPenalty,
  applyTemperature,
  applyTopK,
  applyTopP,
  applyTypicalP,
} from './processors';
import { createRng } from './rng';
import { TokenHistory } from './token-history';

const NEG = -Infinity;

function f32(values: number[]): Float32Array {
  return Float32Array.from(values);
}

function kept(scores: Float32Array): number[] {
  const ids: number[] = [];
  scores.forEach((s, i) => {
    if (s !== NEG) ids.push(i);
  });
  return ids;
}

describe('TokenHistory', () => {
  it('counts prompt and generated tokens, and keeps generated ids apart', () => {
    const history = new TokenHistory(5, [1, 1, 3]);
    history.add(3);
    history.add(4);
    history.add(4);
    expect(history.total).toBe(6);
    expect(history.distinctIds).toEqual([1, 3, 4]);
    expect(history.distinctGeneratedIds).toEqual([3, 4]);
    expect([0, 1, 2, 3, 4].map((id) => history.countOf(id))).toEqual([0, 2, 0, 2, 2]);
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => new TokenHistory(4, [4])).toThrow(RangeError);
    expect(() => new TokenHistory(4, []).add(-1)).toThrow(RangeError);
  });
});

describe('penalties', () => {
  it('repetition: divides positive scores, multiplies negative ones, once per distinct seen id', () => {
    const scores = f32([2, -2, 0.5, 1, 0]);
    const history = new TokenHistory(5, [0, 1, 1, 4]);
    applyRepetitionPenalty(scores, history, 2);
    // id 0: 2/2; id 1 (seen twice, penalised once): −2×2; ids 2, 3 unseen; id 4: 0 stays 0.
    expect(Array.from(scores)).toEqual([1, -4, 0.5, 1, 0]);
  });

  it('repetition: rounds like float32 torch division', () => {
    const scores = f32([2]);
    applyRepetitionPenalty(scores, new TokenHistory(1, [0]), 1.5);
    expect(scores[0]).toBe(Math.fround(2 / 1.5));
    expect(scores[0]).toBe(1.3333333730697632);
  });

  it('frequency (TGI): subtracts penalty × count / total tokens', () => {
    const scores = f32([1, 1, 1, 1]);
    const history = new TokenHistory(4, [0, 1, 1]);
    history.add(3);
    // 4 tokens: id 0 once, id 1 twice, id 3 once (generated); penalty 2.
    applyFrequencyPenalty(scores, history, 2);
    expect(Array.from(scores)).toEqual([1 - 0.5, 1 - 1, 1, 1 - 0.5]);
  });

  it('frequency: a negative penalty favours repeated tokens', () => {
    const scores = f32([0, 0]);
    applyFrequencyPenalty(scores, new TokenHistory(2, [1, 1, 1, 0]), -1);
    expect(Array.from(scores)).toEqual([0.25, 0.75]);
  });

  it('presence (OpenAI): subtracts the penalty once per distinct GENERATED id, ignoring the prompt', () => {
    const scores = f32([1, 1, 1]);
    const history = new TokenHistory(3, [0, 0]);
    history.add(2);
    history.add(2);
    applyPresencePenalty(scores, history, 0.5);
    expect(Array.from(scores)).toEqual([1, 1, 0.5]);
  });
});

describe('temperature', () => {
  it('divides every score', () => {
    const scores = f32([1, -2, 3, NEG]);
    applyTemperature(scores, 0.5);
    expect(Array.from(scores)).toEqual([2, -4, 6, NEG]);
  });
});

describe('top_k', () => {
  const scratch = new WarperScratch(5);

  it('keeps the k best scores', () => {
    const scores = f32([1, 5, 3, 4, 2]);
    applyTopK(scores, 2, scratch);
    expect(Array.from(scores)).toEqual([NEG, 5, NEG, 4, NEG]);
  });

  it('keeps every token tied with the k-th best, like HF (scores < k-th value are removed)', () => {
    const scores = f32([1, 3, 3, 2, 3]);
    applyTopK(scores, 2, scratch);
    expect(kept(scores)).toEqual([1, 2, 4]);
  });

  it('changes nothing when k ≥ vocabulary or k exceeds the finite tokens', () => {
    const all = f32([1, 2, 3, 4, 5]);
    applyTopK(all, 5, scratch);
    expect(kept(all)).toEqual([0, 1, 2, 3, 4]);
    const masked = f32([NEG, 2, NEG, 4, NEG]);
    applyTopK(masked, 3, scratch);
    expect(Array.from(masked)).toEqual([NEG, 2, NEG, 4, NEG]);
  });
});

describe('top_p', () => {
  const scratch = new WarperScratch(4);

  // softmax([1, 2, 3]) = [0.0900, 0.2447, 0.6652]. From the top: 3 is kept (mass above it 0 < p);
  // 2 is kept while 0.6652 < p; 1 is kept while 0.9100 < p.
  it.each([
    [0.6, [2]],
    [0.7, [1, 2]],
    [0.9, [1, 2]],
    [0.95, [0, 1, 2]],
  ])('softmax([1,2,3]) with p = %f keeps %j', (p, expected) => {
    const scores = f32([1, 2, 3]);
    applyTopP(scores, p, scratch);
    expect(kept(scores)).toEqual(expected);
    // Kept scores are unchanged.
    for (const id of expected) expect(scores[id]).toBe(id + 1);
  });

  it('always keeps the best token', () => {
    const scores = f32([0, 10, 0]);
    applyTopP(scores, 0.01, scratch);
    expect(kept(scores)).toEqual([1]);
  });

  it('ranks equal scores by lower id first', () => {
    // Three tokens of 0.3 each, one of 0.1: the first two reach 0.5 (0.0, then 0.3 above them).
    const scores = f32([1, 1, 1, 1 - Math.log(3)]);
    applyTopP(scores, 0.5, scratch);
    expect(kept(scores)).toEqual([0, 1]);
  });

  it('drops a token once the mass above it is exactly p (HF removes cumulative ≤ 1 − p)', () => {
    // Four tokens of 0.25: ascending cumulative 0.25, 0.5, 0.75, 1; HF removes the two ≤ 0.5.
    const scores = f32([0, 0, 0, 0]);
    applyTopP(scores, 0.5, scratch);
    expect(kept(scores)).toEqual([0, 1]);
  });

  it('ignores tokens already removed', () => {
    // After top_k: softmax([2, 3]) = [0.2689, 0.7311].
    const scores = f32([NEG, 2, 3, NEG]);
    applyTopP(scores, 0.75, scratch);
    expect(kept(scores)).toEqual([1, 2]);
    applyTopP(scores, 0.7, scratch);
    expect(kept(scores)).toEqual([2]);
  });
});

describe('typical_p', () => {
  const scratch = new WarperScratch(5);
  // scores [2, 0.5, 1.5, -1, 1]: probs [0.4450, 0.0993, 0.2699, 0.0222, 0.1637], entropy H = 1.3238,
  // logsumexp = 2.8098, so tokens rank by |score − 1.4860|: 1.5 (0.014), 1 (0.486), 2 (0.514),
  // 0.5 (0.986), −1 (2.486); cumulative mass 0.2699, 0.4336, 0.8786, 0.9778, 1.
  // (A numpy transcription of transformers' TypicalLogitsWarper keeps the same sets.)
  it.each([
    [0.2, [2]],
    [0.3, [2, 4]],
    [0.6, [0, 2, 4]],
    [0.95, [0, 1, 2, 4]],
  ])('mass %f keeps %j (the most likely token is not necessarily typical)', (mass, expected) => {
    const scores = f32([2, 0.5, 1.5, -1, 1]);
    applyTypicalP(scores, mass, scratch);
    expect(kept(scores)).toEqual(expected);
  });

  it('keeps every token tied with the cut-off distance', () => {
    // [0, 1, 1, 1, −1]: the three 1s (p = 0.2855 each) are the closest to the centre. The cumulative
    // mass reaches 0.2 at the first of them, and HF removes only distances GREATER than the cut's,
    // so all three stay (the numpy transcription of TypicalLogitsWarper agrees).
    const scores = f32([0, 1, 1, 1, -1]);
    applyTypicalP(scores, 0.2, scratch);
    expect(kept(scores)).toEqual([1, 2, 3]);
  });
});

/** Full-sort versions of top_p and typical_p, written straight from HF's code, to check the pruned ones. */
function referenceTopP(scores: Float32Array, p: number): number[] {
  const ids = [...scores.keys()].filter((i) => scores[i] !== NEG).sort((a, b) => scores[b] - scores[a] || a - b);
  const max = scores[ids[0]];
  const total = ids.reduce((sum, i) => sum + Math.exp(scores[i] - max), 0);
  const keep: number[] = [];
  let mass = 0;
  for (const i of ids) {
    if (mass / total >= p) break;
    keep.push(i);
    mass += Math.exp(scores[i] - max);
  }
  return keep.sort((a, b) => a - b);
}

function referenceTypical(scores: Float32Array, mass: number): number[] {
  const ids = [...scores.keys()].filter((i) => scores[i] !== NEG);
  const max = Math.max(...ids.map((i) => scores[i]));
  const lse = max + Math.log(ids.reduce((sum, i) => sum + Math.exp(scores[i] - max), 0));
  const entropy = -ids.reduce((sum, i) => sum + Math.exp(scores[i] - lse) * (scores[i] - lse), 0);
  const distance = (i: number) => Math.abs(scores[i] - (lse - entropy));
  ids.sort((a, b) => distance(a) - distance(b) || a - b);
  let cumulative = 0;
  let last = ids.length - 1;
  for (let r = 0; r < ids.length; r++) {
    cumulative += Math.exp(scores[ids[r]] - lse);
    if (cumulative >= mass) {
      last = r;
      break;
    }
  }
  return ids.filter((i) => distance(i) <= distance(ids[last])).sort((a, b) => a - b);
}

function referenceTopK(scores: Float32Array, k: number): number[] {
  const sorted = Array.from(scores).sort((a, b) => b - a);
  return kept(scores).filter((i) => scores[i] >= sorted[k - 1]);
}

describe('top_k, top_p and typical_p on a large vocabulary (bucketed selection)', () => {
  const vocab = 20_000;
  const scratch = new WarperScratch(vocab);
  const rng = createRng(99);
  // Scores uniform over [0, spread): flat ones make cuts fall deep into the vocabulary; a spread
  // over 40 sends the tail into the shared last bucket; `step` rounds scores to create ties.
  const shapes = [
    { spread: 0.5, step: 0 },
    { spread: 8, step: 0 },
    { spread: 60, step: 0 },
    { spread: 8, step: 0.25 },
  ];
  const make = ({ spread, step }: { spread: number; step: number }) =>
    Float32Array.from({ length: vocab }, () => {
      const s = rng.next() * spread;
      return step > 0 ? Math.round(s / step) * step : s;
    });
  const cases = shapes.flatMap((shape) => [0.1, 0.5, 0.9, 0.99].map((p) => ({ ...shape, p })));

  it.each(shapes.flatMap((shape) => [1, 7, 500, 19_999].map((k) => ({ ...shape, k }))))(
    'top_k matches a full sort (spread $spread, step $step, k $k)',
    ({ k, ...shape }) => {
      const scores = make(shape);
      scores[3] = NEG;
      const expected = referenceTopK(scores, k);
      applyTopK(scores, k, scratch);
      expect(kept(scores)).toEqual(expected);
    },
  );

  it.each(cases)('top_p matches a full sort (spread $spread, step $step, p $p)', ({ p, ...shape }) => {
    const scores = make(shape);
    const expected = referenceTopP(scores, p);
    applyTopP(scores, p, scratch);
    expect(kept(scores)).toEqual(expected);
  });

  it.each(cases)('typical_p matches a full sort (spread $spread, step $step, mass $p)', ({ p, ...shape }) => {
    const scores = make(shape);
    const expected = referenceTypical(scores, p);
    applyTypicalP(scores, p, scratch);
    expect(kept(scores)).toEqual(expected);
  });
});

describe('top_p on model-like scores (three passes, the cut bucket ranked exactly)', () => {
  const vocab = 151_936;
  const scratch = new WarperScratch(vocab);
  const rng = createRng(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  // A broad normal bulk, a few clear favourites, and (masked) a grammar's or top_k's removed tokens.
  const make = (width: number, masked: number) => {
    const scores = Float32Array.from({ length: vocab }, () => width * normal());
    for (let i = 0; i < 20; i++) scores[i * 7919] = 3 * width + 0.3 * i;
    for (let i = 0; i < masked; i++) scores[(i * 104_729) % vocab] = NEG;
    return scores;
  };
  it.each([
    { width: 2.5, masked: 0, p: 0.9 },
    { width: 2.5, masked: 5000, p: 0.9 },
    { width: 0.7, masked: 0, p: 0.95 },
    { width: 6, masked: 100, p: 0.5 },
    { width: 2.5, masked: 0, p: 0.01 },
  ])('keeps the full sort’s set (width $width, $masked masked, p $p)', ({ width, masked, p }) => {
    const scores = make(width, masked);
    const before = Float32Array.from(scores);
    const expected = referenceTopP(scores, p);
    applyTopP(scores, p, scratch);
    expect(kept(scores)).toEqual(expected);
    for (const id of expected) expect(scores[id]).toBe(before[id]);
  });

  it('keeps only the best token when every other one is over KEY_SPAN below it (the shared last bucket)', () => {
    const scores = Float32Array.from({ length: vocab }, (_, i) => -100 - (i % 13));
    scores[42] = 0;
    applyTopP(scores, 0.999, scratch);
    expect(kept(scores)).toEqual([42]);
  });
});
