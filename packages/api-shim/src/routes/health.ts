/** `GET /health` (also `/` and `/ping`): 200 with an empty body when the model can serve, else 503. */
import type { ShimContext } from '../context';
import { ApiError } from '../errors/errors';
import { emptyResponse } from '../http/responses';

export function health(ctx: ShimContext): Response {
  return ctx.engine.state().state === 'ready' ? emptyResponse() : new ApiError('health').toResponse();
}
