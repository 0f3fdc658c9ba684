import type { ShimContext } from '../context';

/** A route's handler: the shared context, the request, and when it arrived (`ctx.now()`). */
export type RouteHandler = (ctx: ShimContext, request: Request, startedAt: number) => Promise<Response> | Response;

export interface Route {
  method: 'GET' | 'POST';
  /** Relative to the handler's base path. */
  path: string;
  /** Needs the API key when one is configured (TGI's generation routes). */
  auth: boolean;
  handle: RouteHandler;
}
