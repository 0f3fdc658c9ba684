import { describe, expect, it } from 'vitest';
import { RequestQueue } from './queue';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('RequestQueue', () => {
  it('runs one task at a time, in arrival order', async () => {
    const queue = new RequestQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      queue.run(new AbortController().signal, task('a')),
      queue.run(new AbortController().signal, task('b')),
    ]);
    expect(results).toEqual(['a', 'b']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('drops a waiting task that is aborted, and does not start the next one early', async () => {
    const queue = new RequestQueue();
    const log: string[] = [];
    let release = () => {};
    const first = queue.run(new AbortController().signal, () => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    const second = queue.run(controller.signal, async () => void log.push('second ran'));
    const third = queue.run(new AbortController().signal, async () => void log.push('third ran'));
    expect(queue.size).toBe(3);
    controller.abort();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    await tick();
    expect(log).toEqual([]);
    expect(queue.size).toBe(2);
    release();
    await first;
    await third;
    expect(log).toEqual(['third ran']);
    expect(queue.size).toBe(0);
  });

  it('answers an abort of the running task at once but waits for it to stop', async () => {
    const queue = new RequestQueue();
    const controller = new AbortController();
    let stopped = false;
    const running = queue.run(controller.signal, async () => {
      while (!controller.signal.aborted) await tick();
      await tick();
      stopped = true;
    });
    const next = queue.run(new AbortController().signal, async () => stopped);
    await tick();
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(await next).toBe(true);
  });

  it('keeps serving after a task throws', async () => {
    const queue = new RequestQueue();
    const signal = new AbortController().signal;
    await expect(queue.run(signal, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await queue.run(signal, async () => 42)).toBe(42);
  });
});
