/**
 * TGI's concurrency limit: a semaphore with `max_concurrent_requests` permits, taken without waiting
 * (none free → 429 `Model is overloaded`) and held until the generation ends.
 */
export interface Permits {
  /** A release function, or undefined when every permit is taken. */
  tryAcquire(): (() => void) | undefined;
  inUse(): number;
}

export function createPermits(max: number): Permits {
  let used = 0;
  return {
    tryAcquire() {
      if (used >= max) return undefined;
      used++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        used--;
      };
    },
    inUse: () => used,
  };
}
