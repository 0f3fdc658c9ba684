import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval';
import type { CachedModel } from '../protocol/types';

/**
 * Model files in IndexedDB, behind transformers.js's custom-cache hook (`env.customCache`,
 * which wants the `match`/`put` half of the Web Cache API). Keys are the files' full URLs.
 *
 * A cached file is complete or absent: every entry records the size the server announced,
 * and an entry whose blob does not have that size (a write cut short, a corrupted store)
 * is deleted on read so the file is fetched again. One IndexedDB `put` is atomic, so a
 * failed write (quota) leaves nothing behind.
 */

interface CachedFile {
  url: string;
  modelId: string;
  size: number;
  contentType: string;
  blob: Blob;
  storedAt: number;
}

const defaultStore = (): UseStore => createStore('inpage-weights', 'files');

export function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'QuotaExceededError' || error.code === 22);
}

export class QuotaError extends Error {
  constructor(url: string, bytes: number) {
    super(
      `Not enough storage to cache ${fileName(url)} (${formatBytes(bytes)}). ` +
        'Free some space (delete cached models) or allow this site more storage; ' +
        'the model still runs, but will be downloaded again next time.',
    );
    this.name = 'QuotaError';
  }
}

/** The cache transformers.js talks to while one model loads (it tags entries with that model). */
export interface WeightCache {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
  /**
   * URLs this load found cached by an earlier one (a file this load stored and read back,
   * as config.json is read twice, does not count: it was downloaded).
   */
  readonly hits: ReadonlySet<string>;
  /** The quota error of this load, if a file could not be stored. */
  readonly quotaError: QuotaError | null;
}

export function openWeightCache(modelId: string, store: UseStore = defaultStore()): WeightCache {
  const hits = new Set<string>();
  const stored = new Set<string>();
  let quotaError: QuotaError | null = null;
  let refusedBytes = 0;
  return {
    hits,
    get quotaError() {
      return quotaError;
    },
    async match(url) {
      const entry = await get<CachedFile>(url, store);
      if (!entry) return undefined;
      if (!(entry.blob instanceof Blob) || entry.blob.size !== entry.size) {
        await del(url, store);
        return undefined;
      }
      if (!stored.has(url)) hits.add(url);
      return new Response(entry.blob, {
        headers: { 'content-type': entry.contentType, 'content-length': String(entry.size) },
      });
    },
    async put(url, response) {
      const blob = await response.blob();
      const announced = Number(response.headers.get('content-length') ?? blob.size);
      // transformers.js passes the bytes it read with their own length; a mismatch means a cut download.
      if (blob.size !== announced) return;
      const entry: CachedFile = {
        url,
        modelId,
        size: blob.size,
        contentType: response.headers.get('content-type') ?? 'application/octet-stream',
        blob,
        storedAt: Date.now(),
      };
      try {
        await set(url, entry, store);
        stored.add(url);
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        // Name the largest file refused: it is the one that needs the space. Files are written
        // concurrently, so a small one can be refused first while a large write holds the quota.
        if (blob.size > refusedBytes) {
          refusedBytes = blob.size;
          quotaError = new QuotaError(url, blob.size);
        }
      }
    },
  };
}

export async function listCachedModels(store: UseStore = defaultStore()): Promise<CachedModel[]> {
  const byModel = new Map<string, CachedModel>();
  for (const [, entry] of await entries<string, CachedFile>(store)) {
    const model = byModel.get(entry.modelId) ?? { modelId: entry.modelId, files: [], bytes: 0 };
    model.files.push({ url: entry.url, size: entry.size });
    model.bytes += entry.size;
    byModel.set(entry.modelId, model);
  }
  return [...byModel.values()].sort((a, b) => a.modelId.localeCompare(b.modelId));
}

export async function deleteCachedModel(modelId: string, store: UseStore = defaultStore()): Promise<void> {
  for (const [url, entry] of await entries<string, CachedFile>(store)) {
    if (entry.modelId === modelId) await del(url, store);
  }
}

function fileName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1) || url;
}

function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}
