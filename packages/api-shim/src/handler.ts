import { createContext, type HandlerOptions } from './context';
import { dispatch } from './routes';

/** A fetch handler speaking TGI's HTTP API. */
export type Handler = (request: Request) => Promise<Response>;

/**
 * The whole API as a plain `(Request) => Promise<Response>`, free of any fetch patching: call it from a
 * test, a Service Worker, a Node server, or through `installShim`.
 */
export function createHandler(options: HandlerOptions): Handler {
  const ctx = createContext(options);
  return (request) => dispatch(ctx, request);
}
