/** `GET /metrics`: Prometheus text. */
import type { ShimContext } from '../context';
import { textResponse } from '../http/responses';

export async function metrics(ctx: ShimContext): Promise<Response> {
  // The batch figures live in the engine's worker; an engine that cannot answer (terminated) leaves the last ones.
  const stats = await ctx.engine.batchStats().catch(() => null);
  if (stats) ctx.metrics.batches(stats);
  return textResponse(ctx.metrics.render());
}
