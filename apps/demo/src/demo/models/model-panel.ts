import type { Device, Dtype } from '@inpage/engine';
import { fill, h, uid } from '../dom';
import { explain, explainWarning } from '../errors';
import { formatBytes, formatRate } from '../format';
import type { LoadRequest, RemoteModel, Session, SessionState } from '../session';
import { BUILT_IN_MODEL, catalogue, type CatalogueEntry } from './catalogue';

const OTHER = 'other';

/**
 * The model picker (catalogue, or any hub id / folder URL), the device choice, and the load's
 * progress: one bar per file and one overall, with bytes, percentage and speed; cancellable.
 */
export function mountModelPanel(root: HTMLElement, session: Session, initial: LoadRequest): void {
  const pickerId = uid('model');
  const customId = uid('custom');
  const deviceId = uid('device');
  const picker = h(
    'select',
    { id: pickerId },
    catalogue.map((entry, i) => h('option', { value: String(i) }, `${entry.name} · ${formatBytes(entry.sizeBytes)}`)),
    h('option', { value: OTHER }, 'Another model: hub id or folder URL…'),
  );
  const custom = h('input', {
    id: customId,
    type: 'text',
    placeholder: 'onnx-community/Qwen2.5-0.5B-Instruct or https://…/my-model/',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const customField = h('div', {}, h('label', { for: customId }, 'Hub id or model folder URL'), custom);
  const device = h(
    'select',
    { id: deviceId },
    h('option', { value: 'auto' }, 'Auto (WebGPU, else WASM)'),
    h('option', { value: 'webgpu' }, 'WebGPU'),
    h('option', { value: 'wasm' }, 'WASM (CPU)'),
  );
  const about = h('p', { class: 'muted' });
  const load = h('button', { class: 'primary', type: 'submit' }, 'Load');
  const cancel = h('button', { type: 'button', onclick: () => session.cancel() }, 'Cancel');
  const progress = h('div', { 'aria-live': 'polite' });
  const messages = h('div');

  const form = h(
    'form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        const request = selectedRequest();
        if (!request.model) return custom.focus();
        rememberInUrl(request);
        session.load(request);
      },
    },
    h('label', { for: pickerId }, 'Model'),
    picker,
    customField,
    h('label', { for: deviceId }, 'Device'),
    device,
    about,
    h('div', { class: 'row' }, load, cancel),
  );
  root.append(form, progress, messages);

  function selectedEntry(): CatalogueEntry | null {
    return picker.value === OTHER ? null : catalogue[Number(picker.value)];
  }
  function selectedRequest(): LoadRequest {
    const entry = selectedEntry();
    const choice = device.value as Device | 'auto';
    return entry ? { model: entry.id, dtype: entry.dtype, device: choice } : { model: custom.value.trim(), device: choice };
  }

  /** The picker starts on what the URL asked for (a catalogue entry when it is one). */
  const index = catalogue.findIndex((e) => e.id === initial.model && (!initial.dtype || e.dtype === initial.dtype));
  picker.value = index >= 0 ? String(index) : OTHER;
  if (index < 0) custom.value = initial.model;
  device.value = initial.device ?? 'auto';

  const showChoice = () => {
    const entry = selectedEntry();
    customField.hidden = entry !== null;
    about.textContent = entry ? `${entry.parameters} parameters · ${entry.dtype} · ${formatBytes(entry.sizeBytes)}. ${entry.note}` : '';
    void warnIfTooBig(entry);
  };
  picker.addEventListener('change', showChoice);
  showChoice();

  /** Say before downloading when the browser's storage quota cannot hold the model. */
  async function warnIfTooBig(entry: CatalogueEntry | null) {
    const estimate = await navigator.storage?.estimate?.();
    if (!entry || !estimate?.quota || entry !== selectedEntry()) return;
    const free = estimate.quota - (estimate.usage ?? 0);
    if (free < entry.sizeBytes) {
      about.append(h('strong', {}, ` Only ${formatBytes(free)} of storage is free: the weights will not be cached.`));
    }
  }

  const render = (state: SessionState) => {
    const loading = state.loading;
    // A guest cannot load: the model belongs to the tab that hosts the engine, for every tab.
    const guest = state.role === 'guest';
    for (const control of [picker, custom, device]) control.disabled = guest;
    load.disabled = loading !== null || guest;
    cancel.hidden = loading === null;
    const shown = state.serving ?? state.remote;
    fill(progress, loading ? renderProgress(loading) : shown ? renderLoaded(shown, guest) : null);
    fill(
      messages,
      guest &&
        h(
          'p',
          { class: 'callout info', role: 'status', 'data-testid': 'guest-note' },
          'Another tab of this app hosts the engine, and this tab uses it. To change the model, do it in that tab; ' +
            'if it closes, this tab takes over and loads the same model from the cache.',
        ),
      state.error != null && renderError(state.error),
      state.warnings.map((w) => h('div', { class: 'callout warn', role: 'status' }, h('strong', {}, explainWarning(w).title), h('p', {}, w.message))),
      state.notice && h('p', { class: 'muted', role: 'status' }, state.notice),
    );
  };
  session.subscribe(render);
  render(session.state());
}

function renderProgress(loading: NonNullable<SessionState['loading']>) {
  const now = performance.now();
  const summary = loading.meter.summary(now);
  const percent = summary.percent;
  const overall = [
    summary.total === 0
      ? 'Starting…'
      : percent === null
        ? `${formatBytes(summary.loaded)} so far`
        : `${formatBytes(summary.loaded)} of ${formatBytes(summary.total)}`,
    percent !== null && `${Math.floor(percent)}%`,
    summary.bytesPerSecond > 0 && formatRate(summary.bytesPerSecond),
  ]
    .filter(Boolean)
    .join(' · ');
  const overallBar = h('progress', { max: 100, 'aria-label': 'Overall download progress' });
  if (percent !== null) overallBar.value = percent;
  return h(
    'div',
    { class: 'progress-overall', 'data-testid': 'load-progress' },
    h('p', {}, 'Loading ', h('span', { class: 'mono' }, loading.request.model), loading.device ? ` on ${deviceName(loading.device.device)}` : ''),
    overallBar,
    h('p', { class: 'muted', 'data-testid': 'progress-overall' }, overall),
    h(
      'ul',
      { class: 'files', 'aria-label': 'Files' },
      summary.files.map((file) => {
        const bar = h('progress', { max: Math.max(file.total, 1), 'aria-label': `${file.file} progress` });
        if (file.total > 0) bar.value = file.loaded;
        const amount = file.fromCache
          ? `${formatBytes(file.total || file.loaded)}, from cache`
          : file.total > 0
            ? `${formatBytes(file.loaded)} / ${formatBytes(file.total)}`
            : formatBytes(file.loaded);
        return h(
          'li',
          { 'data-file': file.file },
          h('span', { class: 'mono' }, file.file),
          h('span', { class: 'muted' }, file.done ? `✓ ${amount}` : amount),
          bar,
        );
      }),
    ),
  );
}

function renderLoaded(info: RemoteModel, elsewhere: boolean) {
  return h(
    'p',
    { class: 'muted', 'data-testid': 'loaded' },
    'Serving ',
    h('span', { class: 'mono' }, displayName(info.modelId)),
    ` on ${deviceName(info.device)}, ${info.dtype}${elsewhere ? ', in another tab' : ''}.`,
  );
}

function renderError(error: unknown) {
  const { title, advice, detail } = explain(error);
  return h('div', { class: 'callout error', role: 'alert' }, h('strong', {}, title), h('p', {}, advice), h('details', {}, h('summary', {}, 'Details'), detail));
}

export function deviceName(device: Device): string {
  return device === 'webgpu' ? 'WebGPU' : 'WASM';
}

export function displayName(modelId: string): string {
  return modelId === BUILT_IN_MODEL ? 'inpage-tiny' : modelId;
}

/** Keep the model in the address, so a reload (or a shared link) loads it again. */
function rememberInUrl(request: LoadRequest) {
  const url = new URL(location.href);
  const params = url.searchParams;
  params.delete('model');
  params.delete('dtype');
  params.delete('device');
  if (request.model !== BUILT_IN_MODEL) params.set('model', request.model);
  if (request.model !== BUILT_IN_MODEL && request.dtype) params.set('dtype', request.dtype);
  if (request.device && request.device !== 'auto') params.set('device', request.device);
  history.replaceState(null, '', url);
}

/** What the page's address asks for: `?model=` (hub id or folder URL), `&dtype=`, `&device=`. */
export function requestFromUrl(search: string): LoadRequest {
  const params = new URLSearchParams(search);
  const model = params.get('model')?.trim() || BUILT_IN_MODEL;
  const entry = catalogue.find((e) => e.id === model);
  const device = params.get('device');
  return {
    model,
    dtype: (params.get('dtype') as Dtype | null) ?? entry?.dtype,
    device: device === 'webgpu' || device === 'wasm' ? device : 'auto',
  };
}
