import { beforeAll, describe, expect, it } from 'vitest';
import { loadTestModel, run } from '../testing/tiny-model';
import type { ServingModel } from '../decode/prefix-cache';
import { applyWatermark, greenList, WatermarkScratch } from './watermark';

describe('green lists', () => {
  it('hold ⌊γ·V⌋ distinct ids, fixed by the previous token', () => {
    const list = [...greenList(42, 271)];
    expect(list).toHaveLength(135);
    expect(new Set(list).size).toBe(135);
    expect(list.every((id) => id >= 0 && id < 271)).toBe(true);
    expect([...greenList(42, 271)]).toEqual(list);
    expect([...greenList(43, 271)]).not.toEqual(list);
    // The generator is ours (splitmix64 → xoshiro128**), so these ids are too: pinned.
    expect(list.slice(0, 5)).toMatchInlineSnapshot(`
      [
        27,
        131,
        19,
        139,
        251,
      ]
    `);
  });

  it('+δ on the green ids only', () => {
    const scores = new Float32Array(8);
    applyWatermark(scores, 7, new WatermarkScratch(8));
    const green = new Set(greenList(7, 8));
    expect([...scores]).toEqual([...scores.keys()].map((id) => (green.has(id) ? 2 : 0)));
  });
});

describe('sampled text', () => {
  let tiny: ServingModel;
  beforeAll(async () => {
    tiny = await loadTestModel();
  }, 60_000);

  /** The share of generated tokens that were in their step's green list (the detector's statistic). */
  async function greenFraction(watermark: boolean): Promise<number> {
    let green = 0;
    let total = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const prompt = 'A';
      const r = await run(tiny, prompt, {
        sampling: { doSample: true, seed },
        maxNewTokens: 40,
        watermark,
        ignoreEos: true,
      });
      let previous = tiny.tokenizer.encode(prompt).at(-1)!;
      for (const id of r.ids) {
        if (greenList(previous, 271).includes(id)) green++;
        total++;
        previous = id;
      }
    }
    return green / total;
  }

  it('is green well above γ = 0.5 with the watermark, and about γ without', async () => {
    const marked = await greenFraction(true);
    const plain = await greenFraction(false);
    console.info(`green fraction: ${marked.toFixed(3)} with the watermark, ${plain.toFixed(3)} without`);
    expect(marked).toBeGreaterThan(0.65);
    expect(Math.abs(plain - 0.5)).toBeLessThan(0.1);
  });
});
