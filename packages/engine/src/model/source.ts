import { EngineError } from '../protocol/errors';

/**
 * transformers.js resolves a model id against `env.remoteHost` + `env.remotePathTemplate`.
 * A hub id uses the library's own defaults; a model folder URL ("https://host/path/my-model/")
 * becomes host+path as the remote host with the folder name as the id, so the same loading
 * code (and the same URL-keyed weight cache) serves both.
 */
export interface ResolvedSource {
  /** What transformers.js is asked to load. */
  id: string;
  /** Overrides for env.remoteHost / env.remotePathTemplate; null keeps the library's defaults. */
  remote: { host: string; pathTemplate: string } | null;
}

export function resolveSource(source: string, base?: string): ResolvedSource {
  const trimmed = source.trim();
  if (!trimmed)
    throw new EngineError('invalid_source', 'No model given: pass a hub id ("org/name") or a model folder URL.');
  if (!looksLikeUrl(trimmed)) return { id: trimmed, remote: null };
  const url = new URL(trimmed, base);
  const path = url.pathname.replace(/\/+$/, '');
  const cut = path.lastIndexOf('/');
  const folder = path.slice(cut + 1);
  if (!folder)
    throw new EngineError('invalid_source', `"${source}" is not a model folder URL (it has no folder name).`);
  return {
    id: decodeURIComponent(folder),
    remote: { host: `${url.origin}${path.slice(0, cut + 1)}`, pathTemplate: '{model}/' },
  };
}

/** Absolute URLs and paths ("/models/x", "./x") are folders; "org/name" is a hub id. */
function looksLikeUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith('/') || source.startsWith('.');
}
