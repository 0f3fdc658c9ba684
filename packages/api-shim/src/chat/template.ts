/**
 * Chat messages → prompt text through the model's chat template. A conversation that ends with an
 * assistant message is continued: the text stops right after that message's content (TGI cuts the
 * rendered template there and trims the end), instead of opening a new assistant turn.
 */
import type { ShimContext } from '../context';
import type { ModelInfo } from '../engine';
import { ApiError, errorMessage } from '../errors/errors';
import type { ChatMessage } from '../schema/requests';
import { toTemplateMessages } from './messages';

export async function renderChat(ctx: ShimContext, info: ModelInfo, messages: ChatMessage[]): Promise<string> {
  if (!info.hasChatTemplate) throw ctx.fail(new ApiError('template', 'template not found'));
  const templateMessages = toTemplateMessages(messages);
  const continueFinalMessage = templateMessages.at(-1)?.role === 'assistant';
  try {
    return await ctx.engine.applyChatTemplate(templateMessages, {
      addGenerationPrompt: !continueFinalMessage,
      continueFinalMessage,
    });
  } catch (error) {
    throw ctx.fail(new ApiError('template', errorMessage(error)));
  }
}
