/**
 * Structured output (`grammar`, chat `response_format`, `tools`/`tool_choice`): the rest of the shim
 * calls only these. A grammar travels on the engine request and is compiled and enforced there;
 * tools become a grammar plus a prompt, and the output is read back as a call (../chat/tool-calls.ts).
 */
import { ApiError } from '../errors/errors';
import type { ChatRequestBody, Tool } from '../schema/requests';
import type { Grammar } from '../schema/grammar';
import { DEFAULT_TOOL_PROMPT, selectTools, toolGrammar } from './tools';

export { checkGrammar, GrammarError, type ValidGrammar } from './grammar';
export { NO_TOOL, parseToolCall, type ParsedToolCall } from './tools';

/** A chat request that calls tools: the output is constrained to a call of one of `tools`. */
export interface ToolPlan {
  tools: Tool[];
  grammar: Grammar;
  /** Appended to the last message (`tool_prompt`, or TGI's default). */
  prompt: string;
}

/**
 * Chat: `response_format` and `tools` before templating (errors here are plain HTTP errors, also for
 * streams, as in TGI). Returns the tool plan, or null for plain chat (`response_format`, if any,
 * becomes the generation's grammar in ../chat/parameters.ts).
 */
export function planChatStructure(chat: ChatRequestBody): ToolPlan | null {
  if (chat.response_format !== undefined && chat.tools !== undefined) {
    throw new ApiError('tool', 'Grammar and tools are mutually exclusive');
  }
  if (chat.tools === undefined) return null;
  const tools = selectTools(chat.tools, chat.tool_choice);
  if (tools.length === 0) return null;
  return { tools, grammar: toolGrammar(tools), prompt: chat.tool_prompt ?? DEFAULT_TOOL_PROMPT };
}
