/** `GET /metrics`: Prometheus text. */
import type { ShimContext } from '../context';
import { textResponse } from '../http/responses';

export function metrics(ctx: ShimContext): Response {
  return textResponse(ctx.metrics.render());
}
