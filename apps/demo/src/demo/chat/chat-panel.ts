import OpenAI from 'openai';
import { fill, h, uid } from '../dom';
import { explain } from '../errors';
import { formatMs } from '../format';
import type { Session } from '../session';
import { type ChatMessage, loadConversation, replyStats, saveConversation } from './conversation';

/**
 * The chat. It talks to the model only through the shim, with the unmodified `openai` SDK, as a
 * user's own code would: streaming chat completions, aborted by the Stop button.
 */
export function mountChatPanel(root: HTMLElement, session: Session): void {
  const conversation = loadConversation();
  // No retries: a request the in-page server refused will be refused again.
  const client = new OpenAI({ baseURL: `${session.baseUrl}/v1`, apiKey: 'inpage', dangerouslyAllowBrowser: true, maxRetries: 0 });
  let controller: AbortController | null = null;

  const ids = { system: uid('system'), temperature: uid('temperature'), maxTokens: uid('max-tokens'), input: uid('message') };
  const system = h('textarea', { id: ids.system, rows: 2 });
  const temperature = h('input', { id: ids.temperature, type: 'number', min: 0, max: 2, step: 0.1 });
  const maxTokens = h('input', { id: ids.maxTokens, type: 'number', min: 1, step: 1 });
  system.value = conversation.system;
  temperature.value = String(conversation.temperature);
  maxTokens.value = String(conversation.maxTokens);
  const onSettings = () => {
    conversation.system = system.value;
    conversation.temperature = Number(temperature.value) || 0;
    conversation.maxTokens = Math.max(1, Math.floor(Number(maxTokens.value)) || 512);
    saveConversation(conversation);
  };
  for (const input of [system, temperature, maxTokens]) input.addEventListener('change', onSettings);

  const settings = h(
    'details',
    { class: 'settings' },
    h('summary', {}, 'System prompt and settings'),
    h('label', { for: ids.system }, 'System prompt'),
    system,
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'grow' }, h('label', { for: ids.temperature }, 'Temperature (0 = greedy)'), temperature),
      h('div', { class: 'grow' }, h('label', { for: ids.maxTokens }, 'Max new tokens'), maxTokens),
    ),
  );
  const list = h('div', { class: 'messages', role: 'log', 'aria-label': 'Conversation', 'aria-live': 'polite' });
  const input = h('textarea', { id: ids.input, rows: 2, placeholder: 'Message the model (Enter sends, Shift+Enter for a new line)' });
  const send = h('button', { class: 'primary', type: 'submit' }, 'Send');
  const stop = h('button', { type: 'button', class: 'danger', onclick: () => controller?.abort() }, 'Stop');
  const regenerate = h('button', { type: 'button', onclick: () => void regenerateLast() }, 'Regenerate');
  const clear = h('button', { type: 'button', class: 'danger', onclick: () => clearAll() }, 'Clear');
  const errorBox = h('div');
  const form = h(
    'form',
    { class: 'composer', onsubmit: (event: Event) => (event.preventDefault(), void submit()) },
    h('label', { for: ids.input, class: 'visually-hidden' }, 'Message'),
    input,
    send,
    stop,
  );
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  root.append(settings, list, errorBox, form, h('div', { class: 'row' }, regenerate, clear));

  let streamingText: Text | null = null;
  function render() {
    fill(
      list,
      conversation.messages.length === 0
        ? h('p', { class: 'empty' }, 'Say something. With the built-in test model every reply is the alphabet — proof that the whole path works.')
        : conversation.messages.map((message, i) => bubble(message, i === conversation.messages.length - 1 && controller !== null)),
    );
    list.scrollTop = list.scrollHeight;
    const busy = controller !== null;
    send.hidden = busy;
    stop.hidden = !busy;
    regenerate.disabled = busy || !conversation.messages.some((m) => m.role === 'user');
    clear.disabled = busy || conversation.messages.length === 0;
  }

  function bubble(message: ChatMessage, streaming: boolean) {
    const text = document.createTextNode(message.content);
    if (streaming) streamingText = text;
    return h(
      'div',
      { class: `message ${message.role}${streaming ? ' streaming' : ''}`, 'data-role': message.role },
      h('span', { class: 'visually-hidden' }, message.role === 'user' ? 'You: ' : 'Model: '),
      h('span', { class: 'text' }, text),
      message.role === 'assistant' && !streaming && statsLine(message),
    );
  }

  async function submit() {
    const text = input.value.trim();
    if (!text || controller) return;
    input.value = '';
    conversation.messages.push({ role: 'user', content: text });
    await reply();
  }

  async function regenerateLast() {
    while (conversation.messages.at(-1)?.role === 'assistant') conversation.messages.pop();
    await reply();
  }

  function clearAll() {
    Object.assign(conversation, { messages: [] });
    saveConversation(conversation);
    fill(errorBox);
    render();
  }

  async function reply() {
    onSettings();
    fill(errorBox);
    const messages = [
      ...(conversation.system.trim() ? [{ role: 'system' as const, content: conversation.system }] : []),
      ...conversation.messages.map(({ role, content }) => ({ role, content })),
    ];
    const answer: ChatMessage = { role: 'assistant', content: '' };
    conversation.messages.push(answer);
    const current = new AbortController();
    controller = current;
    render();
    const sentAt = performance.now();
    let firstAt = 0;
    let tokens = 0;
    try {
      const stream = await client.chat.completions.create(
        {
          model: 'tgi',
          messages,
          stream: true,
          temperature: conversation.temperature,
          max_tokens: conversation.maxTokens,
          stream_options: { include_usage: true },
        },
        { signal: current.signal },
      );
      for await (const chunk of stream) {
        if (chunk.usage) tokens = chunk.usage.completion_tokens;
        const delta = chunk.choices[0]?.delta;
        if (!delta) continue;
        firstAt ||= performance.now();
        tokens++;
        answer.content += delta.content ?? '';
        if (streamingText) streamingText.data = answer.content;
        list.scrollTop = list.scrollHeight;
      }
      // The SDK may end the iteration quietly on abort instead of throwing.
      answer.stopped = current.signal.aborted || undefined;
      if (firstAt) answer.stats = replyStats(sentAt, firstAt, performance.now(), tokens);
    } catch (error) {
      if (current.signal.aborted) {
        answer.stopped = true;
        if (firstAt) answer.stats = replyStats(sentAt, firstAt, performance.now(), tokens);
      } else {
        conversation.messages.pop();
        // The shim answers over HTTP, where the engine's kind does not travel; with no model
        // serving, the load's own failure (typed) says what is wrong.
        const { serving, error: loadError } = session.state();
        const { title, advice, detail } = explain(serving === null && loadError != null ? loadError : error);
        fill(
          errorBox,
          h(
            'div',
            { class: 'callout error', role: 'alert' },
            h('strong', {}, title),
            h('p', {}, advice),
            h('details', {}, h('summary', {}, 'Details'), detail),
          ),
        );
      }
    } finally {
      controller = null;
      streamingText = null;
      saveConversation(conversation);
      render();
    }
  }

  render();
}

function statsLine(message: ChatMessage) {
  const parts: string[] = [];
  if (message.stats) {
    const { tokens, tokensPerSecond, timeToFirstToken } = message.stats;
    parts.push(`${tokens} tokens`);
    if (tokensPerSecond !== null) parts.push(`${tokensPerSecond.toFixed(1)} tok/s`);
    parts.push(`first token ${formatMs(timeToFirstToken)}`);
  }
  if (message.stopped) parts.push('stopped');
  return parts.length > 0 && h('span', { class: 'stats', 'data-testid': 'reply-stats' }, parts.join(' · '));
}
