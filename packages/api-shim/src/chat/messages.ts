/**
 * OpenAI chat messages → the plain `{role, content}` messages a chat template reads (TGI's
 * `From<Message> for TextMessage`).
 */
import type { TemplateMessage } from '../engine';
import type { ChatMessage, MessageChunk, ToolCall } from '../schema/requests';

/** Content parts are concatenated; an image becomes a markdown image, as TGI writes it for text-only models. */
function flatten(content: string | MessageChunk[]): string {
  if (typeof content === 'string') return content;
  return content.map((chunk) => (chunk.type === 'text' ? chunk.text : `![](${chunk.image_url.url})`)).join('');
}

/**
 * An assistant's tool calls become its content: their JSON, as TGI serializes them (`description`
 * always present, `arguments` always a JSON string — so string arguments end up quoted twice, as in TGI).
 */
function toolCallsContent(calls: ToolCall[]): string {
  return JSON.stringify(
    calls.map((call) => ({
      id: call.id,
      type: call.type,
      function: {
        description: call.function.description ?? null,
        name: call.function.name,
        arguments: JSON.stringify(call.function.arguments),
      },
    })),
  );
}

/** Only role and content reach the template (TGI drops `name` and `tool_call_id`). */
export function toTemplateMessages(messages: ChatMessage[]): TemplateMessage[] {
  return messages.map((m) => ({
    role: m.role,
    content: 'tool_calls' in m ? toolCallsContent(m.tool_calls) : flatten(m.content),
  }));
}
