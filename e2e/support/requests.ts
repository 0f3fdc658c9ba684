import type { BrowserContext } from '@playwright/test';

/**
 * Record the model-file requests that reach the network (the worker's fetches included).
 * transformers.js also probes sizes with one-byte range requests (for total progress); those
 * are recorded with a "probe " prefix.
 */
export async function recordModelRequests(context: BrowserContext): Promise<string[]> {
  const seen: string[] = [];
  await context.route('**/models/**', async (route) => {
    const probe = (await route.request().headerValue('range')) === 'bytes=0-0';
    seen.push(`${probe ? 'probe ' : ''}${new URL(route.request().url()).pathname}`);
    return route.continue();
  });
  return seen;
}
