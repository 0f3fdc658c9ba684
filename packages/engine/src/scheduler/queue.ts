/**
 * One request at a time per model, in arrival order. A request aborted while it waits
 * leaves the queue at once; one aborted while it runs is answered at once with an
 * AbortError and its task stops at its next step (it checks the signal); the next request
 * starts only when that task has really stopped, so two never share the model.
 */
export class RequestQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private count = 0;

  /** Requests waiting plus the one running. */
  get size(): number {
    return this.count;
  }

  run<T>(signal: AbortSignal, task: (queuedMs: number) => Promise<T>): Promise<T> {
    const enqueued = performance.now();
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError());
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    const execution = this.tail.then(() => {
      if (signal.aborted) throw abortError();
      return task(performance.now() - enqueued);
    });
    this.tail = execution.catch(() => undefined);
    this.count++;
    const result = Promise.race([execution, aborted]);
    const done = () => {
      this.count--;
      signal.removeEventListener('abort', onAbort);
    };
    result.then(done, done);
    return result;
  }
}

export function abortError(): DOMException {
  return new DOMException('The generation was aborted.', 'AbortError');
}
