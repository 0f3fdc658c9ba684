/**
 * Which requests belong to a shim: same origin as its base URL, and a path at or under the base path
 * (`http://localhost:8080/api` owns `/api` and `/api/…`, not `/apiary`).
 */

export interface Base {
  origin: string;
  /** Without a trailing slash; '' for the origin's root. */
  path: string;
  /** Normalized: origin + path. */
  href: string;
}

export function parseBase(baseUrl: string | URL): Base {
  const url = new URL(baseUrl);
  if (url.search || url.hash) throw new TypeError(`A shim's base URL has no query or fragment: ${url.href}`);
  const path = url.pathname.replace(/\/+$/, '');
  return { origin: url.origin, path, href: url.origin + path };
}

export function isUnder(base: Base, url: URL): boolean {
  if (url.origin !== base.origin) return false;
  return base.path === '' || url.pathname === base.path || url.pathname.startsWith(`${base.path}/`);
}

/**
 * The URL a `fetch(input, init)` call targets, read WITHOUT constructing a Request (that would consume
 * a Request's body, and the call may not be ours). Relative URLs resolve against the page, as fetch does.
 */
export function targetUrl(input: unknown): URL | undefined {
  try {
    // fetch reads a Request's url and stringifies anything else (a URL gives its href).
    const href = input instanceof Request ? input.url : String(input);
    return new URL(href, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    return undefined;
  }
}
