import 'fake-indexeddb/auto';
import { createStore, type UseStore } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { deleteCachedModel, listCachedModels, openWeightCache } from './weight-cache';

let stores = 0;
const freshStore = (): UseStore => createStore(`weights-test-${stores++}`, 'files');

/** A store that refuses any value whose blob is larger than `limit` bytes, as a full disk would. */
function storeWithRoomFor(limit: number): UseStore {
  const base = freshStore();
  return (mode, callback) =>
    base(mode, (store) =>
      callback(
        new Proxy(store, {
          get(target, property) {
            if (property !== 'put') return Reflect.get(target, property, target);
            return (value: { blob: Blob }, key: IDBValidKey) => {
              if (value.blob.size > limit) throw new DOMException('quota', 'QuotaExceededError');
              return target.put(value, key);
            };
          },
        }),
      ),
    );
}

const file = (bytes: number, announced = bytes) =>
  new Response(new Uint8Array(bytes), {
    headers: { 'content-length': String(announced), 'content-type': 'application/octet-stream' },
  });

describe('weight cache', () => {
  it('stores a file and answers it back with its size; a hit counts only for a file an earlier load stored', async () => {
    const store = freshStore();
    const first = openWeightCache('m/', store);
    await first.put('https://x/m/a.bin', file(10));
    const hit = await first.match('https://x/m/a.bin');
    expect(hit?.headers.get('content-length')).toBe('10');
    expect((await hit!.arrayBuffer()).byteLength).toBe(10);
    // Read back by the load that downloaded it: not "from cache".
    expect([...first.hits]).toEqual([]);
    const second = openWeightCache('m/', store);
    await second.match('https://x/m/a.bin');
    expect([...second.hits]).toEqual(['https://x/m/a.bin']);
    expect(await second.match('https://x/m/b.bin')).toBeUndefined();
  });

  it('does not store a download cut short', async () => {
    const cache = openWeightCache('m/', freshStore());
    await cache.put('https://x/m/a.bin', file(10, 20));
    expect(await cache.match('https://x/m/a.bin')).toBeUndefined();
  });

  it('names the largest refused file, whatever order the refusals come in', async () => {
    const cache = openWeightCache('m/', storeWithRoomFor(1000));
    await cache.put('https://x/m/small.json', file(500));
    await cache.put('https://x/m/tokenizer.json', file(2_000));
    await cache.put('https://x/m/onnx/model.onnx', file(446_400));
    await cache.put('https://x/m/late.json', file(1_500));
    expect(cache.quotaError?.message).toMatch(
      /^Not enough storage to cache model\.onnx \(446\.4 kB\)\. Free some space/,
    );
    expect(await cache.match('https://x/m/small.json')).toBeDefined();
    expect(await cache.match('https://x/m/onnx/model.onnx')).toBeUndefined();
  });

  it('lists cached models with their sizes and deletes one model only', async () => {
    const store = freshStore();
    await openWeightCache('a/', store).put('https://x/a/w.bin', file(3));
    await openWeightCache('b/', store).put('https://x/b/w.bin', file(4));
    expect(await listCachedModels(store)).toEqual([
      { modelId: 'a/', files: [{ url: 'https://x/a/w.bin', size: 3 }], bytes: 3 },
      { modelId: 'b/', files: [{ url: 'https://x/b/w.bin', size: 4 }], bytes: 4 },
    ]);
    await deleteCachedModel('a/', store);
    expect((await listCachedModels(store)).map((m) => m.modelId)).toEqual(['b/']);
  });
});
