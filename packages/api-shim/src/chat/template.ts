/**
 * Chat messages → prompt text through the model's chat template. A conversation that ends with an
 * assistant message is continued: the text stops right after that message's content (TGI cuts the
 * rendered template there and trims the end), instead of opening a new assistant turn.
 */
import type { ShimContext } from '../context';
import type { ModelInfo } from '../engine';
import { ApiError, engineFailure } from '../errors/errors';
import type { ChatMessage, Tool } from '../schema/requests';
import type { ToolPlan } from '../structured';
import { toTemplateMessages } from './messages';

/**
 * With tools (TGI's chat_template.rs): a template that reads `tools` gets them, and the last message
 * gets `"\n---\n" + tool_prompt`; otherwise the last message also carries the tools' JSON:
 * `"\n---\n" + JSON(tools) + "\n" + tool_prompt`.
 */
export async function renderChat(
  ctx: ShimContext,
  info: ModelInfo,
  messages: ChatMessage[],
  tools: ToolPlan | null = null,
): Promise<string> {
  if (!info.hasChatTemplate) throw ctx.fail(new ApiError('template', 'template not found'));
  const templateMessages = toTemplateMessages(messages);
  const last = templateMessages.at(-1);
  if (tools && last) {
    const listed = info.templateUsesTools ? '' : `${JSON.stringify(tools.tools.map(toolJson))}\n`;
    last.content += `\n---\n${listed}${tools.prompt}`;
  }
  const continueFinalMessage = last?.role === 'assistant';
  try {
    return await ctx.engine.applyChatTemplate(templateMessages, {
      addGenerationPrompt: !continueFinalMessage,
      continueFinalMessage,
      ...(tools && info.templateUsesTools && { tools: tools.tools.map(templateTool) }),
    });
  } catch (error) {
    throw ctx.fail(engineFailure(error, 'template'));
  }
}

/** A tool as TGI serializes it into the prompt (`description` always present, `arguments`). */
function toolJson({ type, function: f }: Tool): unknown {
  return { type, function: { description: f.description ?? null, name: f.name, arguments: f.arguments } };
}

/** A tool as chat templates read it: the Hugging Face convention names the schema `parameters`. */
function templateTool({ type, function: f }: Tool): unknown {
  return {
    type,
    function: {
      name: f.name,
      ...(f.description !== undefined && { description: f.description }),
      parameters: f.arguments,
    },
  };
}
