import { mountCachePanel } from './demo/cache/cache-panel';
import { mountChatPanel } from './demo/chat/chat-panel';
import { mountModelPanel, requestFromUrl } from './demo/models/model-panel';
import { mountPlaygroundPanel } from './demo/playground/playground-panel';
import { createSession, type Session } from './demo/session';
import { applyStoredTheme, mountDevicePanel } from './demo/status/device-panel';

/**
 * The demo page. Everything it shows of the model goes through the shim at BASE_URL, with the
 * same clients a user's code would use; `?model=` (hub id or folder URL) picks what to load.
 */
// A path of the app's own origin that no file of the app uses: the shim owns everything under it.
const BASE_URL = `${location.origin}/tgi`;

declare global {
  interface Window {
    /** For scripts and tests: the shim's address and the session behind it. */
    inpageDemo: { baseUrl: string; session: Session };
  }
}

applyStoredTheme();
void start();

async function start() {
  // Offline after one visit, and one engine per origin: the API for every client of the origin
  // goes through src/sw.ts to the tab that hosts the engine. Only in a build: the dev server's
  // modules are not precached, and without the Service Worker each tab serves itself.
  const shareAcrossTabs = import.meta.env.PROD && 'serviceWorker' in navigator && 'locks' in navigator;
  if (shareAcrossTabs) void navigator.serviceWorker.register('/sw.js', { scope: '/' });
  // `?host=shared-worker|leader-tab` overrides where the engine lives (default: hostEngineOnce's choice).
  const host = new URLSearchParams(location.search).get('host');
  const initial = requestFromUrl(location.search);
  const session = await createSession(BASE_URL, {
    shareAcrossTabs,
    host: host === 'shared-worker' || host === 'leader-tab' ? host : 'auto',
    device: initial.device,
  });
  window.inpageDemo = { baseUrl: session.baseUrl, session };
  session.load(initial);

  const $ = (id: string) => document.getElementById(id)!;
  mountModelPanel($('model-panel'), session, initial);
  mountDevicePanel($('device-panel'), $('topbar-status'), session);
  mountCachePanel($('cache-panel'), session);
  mountChatPanel($('chat-panel'), session);
  mountPlaygroundPanel($('playground-panel'), session);
  mountTabs();
}

/** Chat / API playground, following the WAI-ARIA tabs pattern; `#playground` opens the second. */
function mountTabs() {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const select = (tab: HTMLButtonElement, focus = false) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute('aria-controls')!)!.hidden = !selected;
    }
    if (focus) tab.focus();
    history.replaceState(null, '', tab.id === 'tab-playground' ? '#playground' : location.pathname + location.search);
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step) select(tabs[(i + step + tabs.length) % tabs.length], true);
    });
  });
  if (location.hash === '#playground') select(tabs[1]);
}
