import { fill, h } from '../dom';
import { deviceName, displayName } from '../models/model-panel';
import type { Session, SessionState } from '../session';

/**
 * Where the model runs and why, whether WASM can use threads, and the server's own view of
 * itself: `GET /health` and `GET /info`, fetched through the shim like any client would.
 */
export function mountDevicePanel(root: HTMLElement, topbar: HTMLElement, session: Session): void {
  const body = h('div');
  const info = h('pre', { 'data-testid': 'info-json', 'aria-label': 'GET /info response' });
  const infoBlock = h('details', {}, h('summary', {}, 'GET /info'), info);
  root.append(body, infoBlock);

  let shown: string | null = null;
  const render = async (state: SessionState) => {
    // A guest tab shows the engine of the tab that hosts it.
    const serving = state.serving ?? state.remote;
    const health = await fetch(`${session.baseUrl}/health`).then(
      (r) => r.status,
      () => 0,
    );
    fill(
      body,
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'API base URL'),
        h('dd', {}, h('code', { 'data-testid': 'base-url' }, session.baseUrl), ' ', copyButton(session.baseUrl, 'Copy the API base URL')),
        h('dt', {}, 'Engine'),
        h(
          'dd',
          { 'data-testid': 'engine-host' },
          state.role === 'host'
            ? 'In this tab'
            : state.role === 'shared'
              ? "In this app's SharedWorker, shared by its tabs on this model"
              : 'Hosted by another tab of this app: this tab loads no model and reaches it through the Service Worker',
        ),
        h('dt', {}, 'GET /health'),
        h('dd', { 'data-testid': 'health' }, health === 200 ? '200 OK' : `${health} (no model ready)`),
        h('dt', {}, 'Device'),
        h('dd', { 'data-testid': 'device' }, serving ? deviceName(serving.device) : '–'),
        h('dt', {}, 'Why'),
        h('dd', { 'data-testid': 'device-reason' }, serving?.deviceReason ?? '–'),
        h('dt', {}, 'WASM threads'),
        h(
          'dd',
          { 'data-testid': 'wasm-threads' },
          state.role === 'shared'
            ? 'one thread: a SharedWorker is never cross-origin isolated'
            : crossOriginIsolated
              ? `${navigator.hardwareConcurrency} cores available (cross-origin isolated)`
              : 'one thread: the page is not cross-origin isolated',
        ),
      ),
      serving?.device === 'wasm' &&
        /not available/.test(serving.deviceReason) &&
        h(
          'div',
          { class: 'callout info', role: 'status' },
          h('strong', {}, 'No WebGPU here, so the model runs on the CPU (WASM). '),
          'It works, only more slowly. WebGPU needs a recent Chrome, Edge or Safari and a supported GPU.',
        ),
    );
    fill(
      topbar,
      h(
        'span',
        { class: 'badge' },
        h('span', { class: `dot ${state.loading ? 'busy' : health === 200 ? 'ok' : 'bad'}` }),
        state.loading ? 'Loading…' : serving ? displayName(serving.modelId) : 'No model',
      ),
      serving && h('span', { class: 'badge accent', 'data-testid': 'device-badge' }, deviceName(serving.device)),
      !navigator.onLine && h('span', { class: 'badge', 'data-testid': 'offline-badge', title: 'Cached models and this page still work' }, 'Offline'),
      h('span', { class: 'badge mono', title: 'The shim answers TGI routes at this address' }, session.baseUrl),
      themeButton(),
    );
    if (serving && shown !== serving.modelId) {
      shown = serving.modelId;
      const response = await fetch(`${session.baseUrl}/info`);
      info.textContent = JSON.stringify(await response.json(), null, 2);
    }
  };
  // Progress events come many times a second; this panel only changes with the phase.
  let phase = '';
  const update = (state: SessionState) => {
    const next = `${state.role}|${state.loading !== null}|${(state.serving ?? state.remote)?.modelId}|${state.error}`;
    if (next !== phase) void render(state);
    phase = next;
  };
  session.subscribe(update);
  update(session.state());
  for (const event of ['online', 'offline']) addEventListener(event, () => void render(session.state()));
}

export function copyButton(text: string | (() => string), label: string): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'small', 'aria-label': label }, 'Copy');
  button.addEventListener('click', async () => {
    await navigator.clipboard.writeText(typeof text === 'function' ? text() : text);
    button.textContent = 'Copied';
    setTimeout(() => (button.textContent = 'Copy'), 1200);
  });
  return button;
}

/** System → light → dark, remembered; the stylesheet follows `data-theme` through light-dark(). */
const THEME_KEY = 'inpage-demo:theme';
const themes = ['system', 'light', 'dark'] as const;
export function applyStoredTheme(): void {
  const theme = localStorage.getItem(THEME_KEY);
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
}
function themeButton(): HTMLButtonElement {
  const current = () => (document.documentElement.dataset.theme ?? 'system') as (typeof themes)[number];
  const button = h('button', { type: 'button', class: 'small', 'aria-label': 'Colour theme' }, `Theme: ${current()}`);
  button.addEventListener('click', () => {
    const next = themes[(themes.indexOf(current()) + 1) % themes.length];
    if (next === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = next;
    localStorage.setItem(THEME_KEY, next);
    button.textContent = `Theme: ${next}`;
  });
  return button;
}
