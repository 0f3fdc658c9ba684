/**
 * TGI's 12 routes (plus GET `/` and `/ping` as health), and the dispatch every request goes through:
 * 404 for an unknown path, 405 for a known path with the wrong method (both with empty bodies), 401
 * without the API key on a generation route, then the route; a thrown ApiError becomes its response.
 */
import type { ShimContext } from '../context';
import { ApiError, isAbortError } from '../errors/errors';
import { chatRoute } from './chat';
import { completionsRoute } from './completions';
import { compatGenerateRoute, generateRoute, generateStreamRoute } from './generate';
import { health } from './health';
import { info, models } from './info';
import { invocationsRoute } from './invocations';
import { metrics } from './metrics';
import type { Route } from './route';
import { chatTokenizeRoute, tokenizeRoute } from './tokenize';

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/', auth: true, handle: compatGenerateRoute },
  { method: 'POST', path: '/generate', auth: true, handle: generateRoute },
  { method: 'POST', path: '/generate_stream', auth: true, handle: generateStreamRoute },
  { method: 'POST', path: '/v1/chat/completions', auth: true, handle: chatRoute },
  { method: 'POST', path: '/v1/completions', auth: true, handle: completionsRoute },
  { method: 'POST', path: '/invocations', auth: true, handle: invocationsRoute },
  { method: 'POST', path: '/tokenize', auth: true, handle: tokenizeRoute },
  { method: 'POST', path: '/chat_tokenize', auth: false, handle: chatTokenizeRoute },
  { method: 'GET', path: '/', auth: false, handle: health },
  { method: 'GET', path: '/health', auth: false, handle: health },
  { method: 'GET', path: '/ping', auth: false, handle: health },
  { method: 'GET', path: '/info', auth: false, handle: info },
  { method: 'GET', path: '/metrics', auth: false, handle: metrics },
  { method: 'GET', path: '/v1/models', auth: false, handle: models },
];

/** The route path of a request under `basePath`, or undefined when it lies outside. */
export function routePath(basePath: string, pathname: string): string | undefined {
  if (basePath === '') return pathname;
  if (pathname === basePath) return '/';
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : undefined;
}

/** TGI compares the whole header with `Bearer <key>`, ignoring case. */
function authorized(apiKey: string | undefined, request: Request): boolean {
  if (apiKey === undefined) return true;
  const header = request.headers.get('authorization');
  return header !== null && header.toLowerCase() === `bearer ${apiKey}`.toLowerCase();
}

export async function dispatch(ctx: ShimContext, request: Request): Promise<Response> {
  const startedAt = ctx.now();
  const path = routePath(ctx.config.basePath, new URL(request.url).pathname);
  const candidates = ROUTES.filter((r) => r.path === path);
  if (candidates.length === 0) return new ApiError('not_found').toResponse();

  // Like axum, GET routes answer HEAD (without a body).
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const route = candidates.find((r) => r.method === method);
  if (!route) {
    const allowed = candidates.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]));
    return new ApiError('method_not_allowed').toResponse({ allow: allowed.join(',') });
  }
  if (route.auth && !authorized(ctx.config.apiKey, request)) return new ApiError('unauthorized').toResponse();

  try {
    const response = await route.handle(ctx, request, startedAt);
    return request.method === 'HEAD' ? new Response(null, response) : response;
  } catch (error) {
    if (error instanceof ApiError) return error.toResponse();
    // The client went away: reject as its fetch would.
    if (isAbortError(error) || request.signal.aborted) throw error;
    console.error('[api-shim] internal error', error);
    return new ApiError('internal').toResponse();
  }
}
