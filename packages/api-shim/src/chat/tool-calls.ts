/**
 * A tool call out of a generation constrained to `{"function":{"_name":NAME, …arguments}}`
 * (../structured/tools.ts), in TGI's chat shapes: a `tool_calls` message, or — streaming — a first
 * chunk naming the tool with arguments `"{"`, then chunks of argument text (chat.rs `ChatState`).
 */
import type { GenerationResult, Step } from '../generation/run';
import { NO_TOOL, type ParsedToolCall } from '../structured';
import {
  type ChatCompletionChunkJson,
  type ChatCompletionJson,
  type ChatEnvelope,
  chunkOf,
  completionOf,
  type ToolCallDeltaJson,
} from './responses';

/** TGI numbers the one call it makes "0". */
const CALL_ID = '0';

export function toolCallCompletion(
  result: GenerationResult,
  call: ParsedToolCall,
  env: ChatEnvelope,
): ChatCompletionJson {
  return completionOf(result, env, {
    role: 'assistant',
    tool_calls: [
      {
        id: CALL_ID,
        type: 'function',
        function: { description: null, name: call.name, arguments: JSON.stringify(call.arguments) },
      },
    ],
  });
}

/** What one generated token does to a tool-call stream. */
export type ToolStreamEvent = { type: 'chunks'; chunks: ChatCompletionChunkJson[] } | { type: 'no_tool' };

/**
 * Turns the tokens of a call into chunks. The text is held back until the tool's name is complete;
 * `no_tool` is reported instead of streamed (the caller answers as plain chat). The arguments then
 * stream as they come, except the separator after the name and the call's own closing brace, so
 * that `"{"` plus the pieces is exactly the arguments object. No chunk carries a finish reason.
 */
export class ToolCallStream {
  private text = '';
  private state: 'name' | 'arguments' | 'done' = 'name';
  /** Until the first argument text: a `,` after the name belongs to neither. */
  private leading = true;

  constructor(private readonly env: ChatEnvelope) {}

  push(step: Step): ToolStreamEvent {
    const piece = step.token.special ? '' : step.token.text;
    this.text += piece;
    if (this.state === 'name') return this.name();
    if (this.state === 'arguments') return this.chunks(this.arguments(piece));
    return this.chunks(null);
  }

  private name(): ToolStreamEvent {
    // The call so far, closed after the name: it parses once the name's closing quote is in.
    const head = /^\{"function":\{"_name":("(?:[^"\\]|\\.)*")/.exec(this.text);
    if (!head) return this.chunks(null);
    const name = JSON.parse(head[1]) as string;
    if (name === NO_TOOL.function.name) return { type: 'no_tool' };
    this.state = 'arguments';
    const first = this.delta({ index: 0, id: CALL_ID, type: 'function', function: { name, arguments: '{' } });
    const rest = this.arguments(this.text.slice(head[0].length));
    return { type: 'chunks', chunks: rest ? [first, rest] : [first] };
  }

  private arguments(piece: string): ChatCompletionChunkJson | null {
    let text = piece;
    if (this.leading) {
      text = text.replace(/^,/, '');
      if (text !== '') this.leading = false;
    }
    if (isComplete(this.text)) {
      this.state = 'done';
      // The last brace closes `{"function":…}`, not the arguments.
      text = text.replace(/\}$/, '');
    }
    if (text === '') return null;
    return this.delta({ index: 0, id: CALL_ID, type: 'function', function: { name: null, arguments: text } });
  }

  private delta(call: ToolCallDeltaJson): ChatCompletionChunkJson {
    return chunkOf(this.env, { role: 'assistant', tool_calls: [call] }, null, null);
  }

  private chunks(chunk: ChatCompletionChunkJson | null): ToolStreamEvent {
    return { type: 'chunks', chunks: chunk ? [chunk] : [] };
  }
}

function isComplete(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
