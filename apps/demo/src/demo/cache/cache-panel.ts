import type { CachedModel } from '@inpage/engine';
import { fill, h } from '../dom';
import { explain } from '../errors';
import { formatBytes } from '../format';
import { displayName } from '../models/model-panel';
import type { Session } from '../session';

/**
 * The engine's IndexedDB weight cache: each model with its size, delete one or all, and how much
 * of the browser's storage quota the origin uses (navigator.storage.estimate).
 */
export function mountCachePanel(root: HTMLElement, session: Session): void {
  const list = h('ul', { class: 'cache-list', 'aria-label': 'Cached models' }, h('li', { class: 'muted' }, 'Reading the cache…'));
  const quota = h('div');
  const status = h('p', { class: 'muted', role: 'status' });
  const deleteAll = h('button', { type: 'button', class: 'danger small', onclick: () => void remove(null) }, 'Delete all');
  const refreshButton = h('button', { type: 'button', class: 'small', onclick: () => void refresh() }, 'Refresh');
  root.append(list, quota, h('div', { class: 'row' }, refreshButton, deleteAll), status);

  let models: CachedModel[] = [];
  let failed = false;
  async function refresh() {
    const guest = session.state().role === 'guest';
    refreshButton.disabled = guest;
    if (guest) {
      deleteAll.disabled = true;
      return fill(list, h('li', { class: 'muted' }, 'The tab that hosts the engine manages the cache.'));
    }
    try {
      models = await session.engine().listCachedModels();
    } catch (error) {
      status.textContent = explain(error).detail;
      failed = true;
      return;
    }
    // A failure is over once the list reads again (other notes, such as "Deleted …", stay).
    if (failed) status.textContent = '';
    failed = false;
    deleteAll.disabled = models.length === 0;
    fill(
      list,
      models.length === 0
        ? h('li', { class: 'muted' }, 'No model is cached yet.')
        : models.map((model) =>
            h(
              'li',
              { 'data-model': model.modelId },
              h('span', { class: 'mono' }, displayName(model.modelId)),
              h('span', { class: 'muted' }, `${formatBytes(model.bytes)} · ${model.files.length} files`),
              h(
                'button',
                { type: 'button', class: 'danger small', 'aria-label': `Delete ${displayName(model.modelId)}`, onclick: () => void remove(model.modelId) },
                'Delete',
              ),
            ),
          ),
    );
    const estimate = await navigator.storage?.estimate?.();
    fill(
      quota,
      estimate?.quota
        ? [
            h('label', { for: 'quota-meter' }, `Storage: ${formatBytes(estimate.usage ?? 0)} used of ${formatBytes(estimate.quota)} available to this site`),
            h('meter', { id: 'quota-meter', min: 0, max: estimate.quota, value: estimate.usage ?? 0 }),
          ]
        : h('p', { class: 'muted' }, 'This browser does not report its storage quota.'),
    );
  }

  /** A deleted model keeps running if loaded; it downloads again on its next load. */
  async function remove(modelId: string | null) {
    const targets = modelId === null ? models.map((m) => m.modelId) : [modelId];
    for (const id of targets) await session.engine().deleteCachedModel(id);
    status.textContent = modelId === null ? 'Deleted every cached model.' : `Deleted ${displayName(modelId)}.`;
    await refresh();
  }

  // The cache changes when a load finishes.
  let loading = false;
  session.subscribe((state) => {
    if ((loading && !state.loading) || (state.role === 'guest') !== refreshButton.disabled) void refresh();
    loading = state.loading !== null;
  });
  void refresh();
}
