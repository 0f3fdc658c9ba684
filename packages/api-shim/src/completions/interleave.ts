/**
 * Several prompts stream into one SSE response. TGI polls its per-prompt streams in turn; our engine
 * runs one generation at a time, so strictly waiting for each prompt in turn would hold back every
 * finished token of the running prompt until the queued ones start. Instead: take items round-robin
 * among the sources that HAVE one ready, and wait only when none has. With sources that produce at
 * the same pace this is exactly TGI's interleaving.
 */
export async function* interleave<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T, void, undefined> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const queues: T[][] = iterators.map(() => []);
  const done = iterators.map(() => false);
  let failure: { error: unknown } | undefined;
  let wake: () => void = () => {};

  // Each source is read ahead eagerly, so its items are ready when their turn comes.
  const pump = (i: number): void => {
    iterators[i].next().then(
      (result) => {
        if (result.done) done[i] = true;
        else {
          queues[i].push(result.value);
          pump(i);
        }
        wake();
      },
      (error: unknown) => {
        failure ??= { error };
        done[i] = true;
        wake();
      },
    );
  };
  iterators.forEach((_, i) => pump(i));

  let cursor = 0;
  try {
    for (;;) {
      if (failure) throw failure.error;
      let found = false;
      for (let k = 0; k < iterators.length && !found; k++) {
        const i = (cursor + k) % iterators.length;
        if (queues[i].length > 0) {
          found = true;
          cursor = i + 1;
          yield queues[i].shift() as T;
        }
      }
      if (found) continue;
      if (done.every(Boolean)) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    for (const [i, it] of iterators.entries()) if (!done[i]) void it.return?.();
  }
}
