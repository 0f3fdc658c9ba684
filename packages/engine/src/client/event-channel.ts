/**
 * A push-to-pull bridge: the worker pushes events as they come, a `for await` pulls them.
 * Events are buffered while the consumer is busy, so none is lost.
 */
export class EventChannel<T> implements AsyncIterator<T>, AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private ended = false;
  private error: unknown = null;
  /** Called when the consumer stops early (break/return in a for-await). */
  onReturn: (() => void) | null = null;

  push(value: T): void {
    if (this.ended) return;
    if (this.waiting) {
      this.waiting.resolve({ value, done: false });
      this.waiting = null;
    } else this.buffer.push(value);
  }

  close(): void {
    this.end(null);
  }

  fail(error: unknown): void {
    this.end(error ?? new Error('The generation failed.'));
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.ended) return this.error ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.ended) this.onReturn?.();
    this.end(null);
    this.buffer.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private end(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    if (!this.waiting) return;
    if (error) this.waiting.reject(error);
    else this.waiting.resolve({ value: undefined, done: true });
    this.waiting = null;
  }
}
