/**
 * Which tools a chat request offers the model, by `tool_choice` (TGI's `ToolGrammar::apply`).
 */
import { ApiError } from '../errors/errors';
import type { Tool, ToolChoice } from '../schema/requests';

/** TGI adds this tool under `tool_choice: "auto"` so the model may answer in plain text. */
export const NO_TOOL: Tool = {
  type: 'function',
  function: {
    name: 'no_tool',
    description: 'Open ended response with no specific tool selected',
    arguments: { type: 'object' },
  },
};

/** The tools to constrain the output to; an empty list means plain chat. */
export function selectTools(tools: Tool[], choice: ToolChoice): Tool[] {
  switch (choice.type) {
    case 'none':
      return [];
    case 'required':
      return tools;
    case 'auto':
      return [...tools, NO_TOOL];
    case 'function': {
      const tool = tools.find((t) => t.function.name === choice.name);
      if (!tool) throw new ApiError('tool', `Tool with name ${choice.name} not found`);
      return [tool];
    }
  }
}
