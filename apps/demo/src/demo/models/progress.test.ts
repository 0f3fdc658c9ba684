import { describe, expect, it } from 'vitest';
import { ProgressMeter } from './progress';

const file = (name: string, loaded: number, total: number, fromCache = false) => ({
  file: name,
  loaded,
  total,
  fromCache,
  done: loaded === total && total > 0,
});

describe('ProgressMeter', () => {
  it('sums known sizes per file and reports the overall percentage', () => {
    const meter = new ProgressMeter();
    meter.update(file('config.json', 100, 100), 0);
    meter.update(file('onnx/model.onnx', 100, 900), 0);
    expect(meter.summary(0)).toMatchObject({ loaded: 200, total: 1000, percent: 20 });
    meter.update(file('onnx/model.onnx', 900, 900), 10);
    expect(meter.summary(10)).toMatchObject({ loaded: 1000, total: 1000, percent: 100 });
  });

  it('has no percentage while a file under way has no known size', () => {
    const meter = new ProgressMeter();
    meter.update(file('config.json', 100, 100), 0);
    meter.update(file('onnx/model.onnx', 0, 0), 0);
    expect(meter.summary(0)).toMatchObject({ loaded: 100, total: 100, percent: null });
  });

  it('measures network speed over the recent window, not cache reads', () => {
    const meter = new ProgressMeter();
    meter.update(file('a', 0, 10_000), 0);
    meter.update(file('a', 2_000, 10_000), 1000);
    meter.update(file('b', 5_000, 5_000, true), 1500);
    meter.update(file('a', 4_000, 10_000), 2000);
    expect(meter.summary(2000).bytesPerSecond).toBe(2000);
    // Samples older than the window are dropped: 10 s later only the last two count.
    meter.update(file('a', 10_000, 10_000), 12_000);
    meter.update(file('a', 10_000, 10_000), 13_000);
    expect(meter.summary(13_000).bytesPerSecond).toBe(0);
  });
});
