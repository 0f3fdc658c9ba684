import { expect, test } from '@playwright/test';
import { generateIn, openEngine } from './support/harness';
import { recordModelRequests } from './support/requests';

test.describe('weight cache in IndexedDB', () => {
  test('a reload loads the model again with zero model-file requests', async ({ page, context }) => {
    const seen = await recordModelRequests(context);
    await openEngine(page);
    expect(seen).toEqual(
      expect.arrayContaining(['/models/inpage-tiny/config.json', '/models/inpage-tiny/tokenizer.json', '/models/inpage-tiny/onnx/model.onnx']),
    );
    const fromCache = () =>
      page.evaluate(() =>
        (window as unknown as { loadEvents: { type: string; progress?: { fromCache: boolean; file: string; done: boolean } }[] }).loadEvents
          .filter((e) => e.type === 'file' && e.progress!.done)
          .map((e) => `${e.progress!.file}: ${e.progress!.fromCache}`)
          .sort(),
      );
    // A file read twice in one load (config.json) was still downloaded.
    expect(await fromCache()).toEqual(expect.arrayContaining(['config.json: false', 'onnx/model.onnx: false']));
    expect((await fromCache()).filter((f) => f.endsWith('true'))).toEqual([]);
    seen.length = 0;
    await page.reload();
    await openEngine(page);
    expect(seen).toEqual([]);
    expect(await fromCache()).toEqual(expect.arrayContaining(['config.json: true', 'onnx/model.onnx: true']));
    expect((await fromCache()).filter((f) => f.endsWith('false'))).toEqual([]);
    const run = await generateIn(page, { prompt: 'hello', maxNewTokens: 20 });
    expect(run.finish?.generatedText).toBe('pqrstuvwxyz');
  });

  test('a truncated entry is discarded and fetched again', async ({ page, context }) => {
    const seen = await recordModelRequests(context);
    await openEngine(page);
    // Cut the cached model file short, as an interrupted write would.
    await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('inpage-weights');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const store = db.transaction('files', 'readwrite').objectStore('files');
      const keys = await new Promise<IDBValidKey[]>((r) => (store.getAllKeys().onsuccess = (e) => r((e.target as IDBRequest).result)));
      const key = keys.find((k) => String(k).endsWith('/onnx/model.onnx'))!;
      const entry = await new Promise<{ blob: Blob }>((r) => (store.get(key).onsuccess = (e) => r((e.target as IDBRequest).result)));
      entry.blob = entry.blob.slice(0, 1000);
      await new Promise((r) => (store.put(entry, key).onsuccess = r));
      db.close();
    });
    seen.length = 0;
    await page.reload();
    await openEngine(page);
    expect(seen).toEqual(['probe /models/inpage-tiny/onnx/model.onnx', '/models/inpage-tiny/onnx/model.onnx']);
    const run = await generateIn(page, { prompt: 'hello', maxNewTokens: 20 });
    expect(run.finish?.generatedText).toBe('pqrstuvwxyz');
  });

  test('a full disk gives a clear warning, keeps the model running and caches no partial file', async ({ page, context }) => {
    await page.goto('/harness.html');
    const cdp = await context.newCDPSession(page);
    // A nearly full disk. Chromium checks IndexedDB writes against a cached figure of the space
    // left, so which small files still fit is a matter of timing; the 446 kB model never does.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: 1_000 });
    await openEngine(page);
    const warnings = await page.evaluate(() =>
      (window as unknown as { loadEvents: { type: string; message?: string }[] }).loadEvents.filter((e) => e.type === 'warning'),
    );
    expect(warnings).toEqual([
      {
        type: 'warning',
        kind: 'storage_full',
        message: expect.stringMatching(/^Not enough storage to cache model\.onnx \(446\.4 kB\)\. Free some space/),
      },
    ]);
    const run = await generateIn(page, { prompt: 'hello', maxNewTokens: 20 });
    expect(run.finish?.generatedText).toBe('pqrstuvwxyz');
    const cached = await page.evaluate(() =>
      (window as unknown as { engine: { listCachedModels(): Promise<{ files: { url: string }[] }[]> } }).engine.listCachedModels(),
    );
    const files = cached.flatMap((m) => m.files.map((f) => f.url.split('/inpage-tiny/')[1]));
    // The refused model left nothing behind, and whatever was stored is complete (sizes are checked on read).
    expect(files).not.toContain('onnx/model.onnx');
  });

  test('lists and deletes cached models', async ({ page }) => {
    await openEngine(page);
    const listed = await page.evaluate(() => (window as unknown as { engine: { listCachedModels(): Promise<unknown> } }).engine.listCachedModels());
    expect(listed).toEqual([
      expect.objectContaining({
        modelId: '/models/inpage-tiny/',
        files: expect.arrayContaining([expect.objectContaining({ url: expect.stringMatching(/\/onnx\/model\.onnx$/) })]),
      }),
    ]);
    const after = await page.evaluate(async () => {
      const engine = (window as unknown as { engine: { listCachedModels(): Promise<unknown[]>; deleteCachedModel(id: string): Promise<void> } }).engine;
      await engine.deleteCachedModel('/models/inpage-tiny/');
      return engine.listCachedModels();
    });
    expect(after).toEqual([]);
  });
});
