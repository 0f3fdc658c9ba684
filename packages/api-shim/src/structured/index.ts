/**
 * THE seam for structured output (issue #5: `grammar`, chat `response_format`, `tools`/`tool_choice`).
 * Everything else in the shim calls only these functions. Today they validate what is cheap, exactly
 * as TGI does, and then refuse with a clear 422 instead of silently generating unconstrained text.
 * #5 replaces the refusals with: a grammar on the engine request, the tool prompt in the template,
 * and tool-call parsing of the output (TGI's chat.rs `ChatState`).
 */
import { ApiError } from '../errors/errors';
import type { ChatRequestBody } from '../schema/requests';
import type { ValidGrammar } from './grammar';
import { selectTools } from './tools';

export { checkGrammar, GrammarError, grammarDecoder, type Grammar, type ValidGrammar } from './grammar';

/**
 * Chat: `response_format` and `tools` before templating (errors here are plain HTTP errors, also for
 * streams, as in TGI). Returns normally when the request is plain chat.
 */
export function planChatStructure(chat: ChatRequestBody): void {
  if (chat.response_format !== undefined && chat.tools !== undefined) {
    throw new ApiError('tool', 'Grammar and tools are mutually exclusive');
  }
  if (chat.response_format !== undefined) {
    throw new ApiError('validation', '`response_format` is not supported yet');
  }
  if (chat.tools !== undefined && selectTools(chat.tools, chat.tool_choice).length > 0) {
    throw new ApiError('tool', '`tools` are not supported yet');
  }
}

/** Generation: a grammar that passed rule 16 cannot run yet. */
export function requireGrammarSupport(grammar: ValidGrammar | undefined): void {
  if (grammar !== undefined) throw new ApiError('validation', '`grammar` is not supported yet');
}
