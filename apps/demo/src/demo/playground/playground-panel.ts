import { fill, h, uid } from '../dom';
import { explain } from '../errors';
import { formatMs } from '../format';
import type { Session } from '../session';
import { copyButton } from '../status/device-panel';
import { type RouteSpec, routes } from './routes';
import { REAL_TGI, snippet, type SnippetKind, snippetKinds } from './snippets';

/**
 * A playground like Hugging Face's: pick a route, edit its body, send it with plain fetch to the
 * shim's base URL, and see the raw response — SSE events appear as they arrive — next to the same
 * call as code.
 */
export function mountPlaygroundPanel(root: HTMLElement, session: Session): void {
  const ids = { route: uid('route'), body: uid('body') };
  const edited = new Map<string, string>();
  let route: RouteSpec = routes[0];
  let kind: SnippetKind = 'fetch';
  let controller: AbortController | null = null;

  const picker = h(
    'select',
    { id: ids.route },
    routes.map((r) => h('option', { value: r.id }, `${r.method} ${r.path}${r.id.endsWith('-stream') && r.path.startsWith('/v1') ? ' (stream)' : ''}`)),
  );
  const summary = h('p', { class: 'muted' });
  const target = h('p', { class: 'mono', 'data-testid': 'request-line' });
  const body = h('textarea', { id: ids.body, class: 'code', spellcheck: 'false', autocomplete: 'off' });
  const bodyError = h('p', { class: 'muted', role: 'status' });
  const bodyField = h('div', {}, h('label', { for: ids.body }, 'Request body (JSON)'), body, bodyError);
  const send = h('button', { class: 'primary', type: 'button', onclick: () => void run() }, 'Send');
  const stop = h('button', { type: 'button', onclick: () => controller?.abort() }, 'Stop');
  const reset = h('button', { type: 'button', onclick: () => (edited.delete(route.id), showRoute()) }, 'Reset body');
  const status = h('div', { class: 'status-line', 'aria-live': 'polite', 'data-testid': 'response-status' });
  const headers = h('pre', { 'aria-label': 'Response headers' });
  const output = h('pre', { 'data-testid': 'response-body', 'aria-label': 'Response body', tabindex: 0 });
  const code = h('pre', { 'data-testid': 'snippet', 'aria-label': 'The same call as code' });
  const kinds = h(
    'div',
    { class: 'subtabs', role: 'group', 'aria-label': 'Code flavour' },
    snippetKinds.map((k) => h('button', { type: 'button', class: 'small', 'data-kind': k.kind, onclick: () => ((kind = k.kind), showSnippet()) }, k.label)),
  );

  root.append(
    h(
      'div',
      { class: 'split' },
      h(
        'div',
        {},
        h('h2', {}, 'Request'),
        h('label', { for: ids.route }, 'Route'),
        picker,
        summary,
        target,
        bodyField,
        h('div', { class: 'row' }, send, stop, reset),
      ),
      h(
        'div',
        {},
        h('h2', {}, 'Response'),
        status,
        h('details', {}, h('summary', {}, 'Headers'), headers),
        output,
        h('h3', {}, 'The same call as code'),
        kinds,
        code,
        h(
          'div',
          { class: 'row' },
          copyButton(() => code.textContent ?? '', 'Copy the code'),
          h('span', { class: 'muted' }, `curl cannot reach a page: its snippet targets a real TGI at ${REAL_TGI}.`),
        ),
      ),
    ),
  );

  picker.addEventListener('change', () => {
    route = routes.find((r) => r.id === picker.value)!;
    showRoute();
  });
  body.addEventListener('input', () => {
    edited.set(route.id, body.value);
    showSnippet();
  });

  function parsedBody(): { value: unknown; error: string | null } {
    if (!route.body) return { value: null, error: null };
    try {
      return { value: JSON.parse(body.value), error: null };
    } catch (error) {
      return { value: null, error: (error as Error).message };
    }
  }

  function showRoute() {
    summary.textContent = route.summary;
    target.textContent = `${route.method} ${session.baseUrl}${route.path}`;
    bodyField.hidden = route.body === null;
    body.value = edited.get(route.id) ?? JSON.stringify(route.body, null, 2);
    showSnippet();
  }

  function showSnippet() {
    const { value, error } = parsedBody();
    body.setAttribute('aria-invalid', String(error !== null));
    bodyError.textContent = error ? `Not valid JSON: ${error}` : '';
    for (const button of kinds.querySelectorAll('button')) button.setAttribute('aria-pressed', String(button.dataset.kind === kind));
    code.textContent = error ? '// Fix the body first.' : snippet(kind, route, value, session.baseUrl);
  }

  function setBusy(busy: boolean) {
    send.hidden = busy;
    stop.hidden = !busy;
  }

  async function run() {
    const { error } = parsedBody();
    if (error) return body.focus();
    const current = new AbortController();
    controller = current;
    setBusy(true);
    fill(status, h('span', { class: 'muted' }, 'Waiting…'));
    headers.textContent = '';
    output.textContent = '';
    const started = performance.now();
    try {
      // The body goes as typed: the server, not the page, decides what is valid.
      const response = await fetch(`${session.baseUrl}${route.path}`, {
        method: route.method,
        headers: route.body ? { 'Content-Type': 'application/json' } : undefined,
        body: route.body ? body.value : undefined,
        signal: current.signal,
      });
      const type = response.headers.get('content-type') ?? '';
      const showStatus = (note: string) =>
        fill(
          status,
          h('span', { class: response.ok ? 'http-ok' : 'http-bad' }, `${response.status} ${response.statusText || reason(response.status)}`),
          h('span', { class: 'muted' }, [type || 'no content type', note].filter(Boolean).join(' · ')),
        );
      headers.textContent = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
      if (type.includes('text/event-stream') && response.body) {
        let events = 0;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        showStatus('streaming…');
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          output.textContent += chunk.value;
          events += chunk.value.split('\n\n').length - 1;
          output.scrollTop = output.scrollHeight;
        }
        showStatus(`${events} events in ${formatMs(performance.now() - started)}`);
      } else {
        const text = await response.text();
        output.textContent = text === '' ? '(empty body)' : pretty(text, type);
        showStatus(formatMs(performance.now() - started));
      }
    } catch (error) {
      if (current.signal.aborted) status.append(h('span', { class: 'muted' }, ' · stopped'));
      else fill(status, h('span', { class: 'http-bad', role: 'alert' }, explain(error).title), h('span', { class: 'muted' }, explain(error).detail));
    } finally {
      controller = null;
      setBusy(false);
    }
  }

  setBusy(false);
  picker.value = route.id;
  showRoute();
}

/** JSON is shown indented; anything else (Prometheus text, plain errors) as it came. */
function pretty(text: string, type: string): string {
  if (!type.includes('json')) return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

const reasons: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  424: 'Failed Dependency',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};
function reason(status: number): string {
  return reasons[status] ?? '';
}
