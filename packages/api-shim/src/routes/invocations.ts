/**
 * `POST /invocations` (SageMaker): the body picks the route — the first of a generate request (string
 * `inputs`), a chat request (`messages`), a completions request (`prompt`) that it decodes as.
 */
import type { ShimContext } from '../context';
import { readJson } from '../http/body';
import { decodeInvocationRequest } from '../schema/requests';
import { chat } from './chat';
import { completions } from './completions';
import { compatGenerate } from './generate';

export async function invocationsRoute(ctx: ShimContext, request: Request, startedAt: number): Promise<Response> {
  const invocation = await readJson(request, decodeInvocationRequest, ctx.config.payloadLimit);
  switch (invocation.route) {
    case 'generate':
      return compatGenerate(ctx, invocation.body, request, startedAt);
    case 'chat':
      return chat(ctx, invocation.body, request, startedAt);
    case 'completions':
      return completions(ctx, invocation.body, request, startedAt);
  }
}
