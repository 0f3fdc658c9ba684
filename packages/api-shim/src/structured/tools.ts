/**
 * Tools, TGI's way (router/src/infer/tool_grammar.rs, chat.rs): which tools a request offers, the
 * grammar that makes the model call one of them, the prompt that tells it so, and reading the call
 * back out of the generated text.
 */
import { ApiError } from '../errors/errors';
import type { Tool, ToolChoice } from '../schema/requests';
import { isMap } from '../schema/serde';
import type { Grammar } from '../schema/grammar';

/** TGI adds this tool under `tool_choice: "auto"` so the model may answer in plain text. */
export const NO_TOOL: Tool = {
  type: 'function',
  function: {
    name: 'no_tool',
    description: 'Open ended response with no specific tool selected',
    arguments: { type: 'object' },
  },
};

export const DEFAULT_TOOL_PROMPT =
  '\nGiven the functions available, please respond with a JSON for a function call with its proper arguments that best answers the given prompt. Respond in the format {name: function name, parameters: dictionary of argument name and its value}.Do not use variables.\n';

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

type Schema = Record<string, unknown>;

/**
 * The output must be `{"function":{"_name":NAME, …that tool's arguments}}` for one of the tools.
 * `_name` comes first, so a stream knows the tool before its arguments. Each tool's `$defs` move to
 * the root, where their `#/$defs/…` references point (a name two tools share keeps the last one).
 */
export function toolGrammar(tools: Tool[]): Grammar {
  const defs: Schema = {};
  const variants = tools.map(({ function: f }) => {
    const { properties, required, $defs, ...rest } = isMap(f.arguments) ? f.arguments : {};
    if (isMap($defs)) Object.assign(defs, $defs);
    return {
      ...rest,
      type: 'object',
      properties: { _name: { type: 'string', const: f.name }, ...(isMap(properties) ? properties : {}) },
      required: ['_name', ...(Array.isArray(required) ? required : [])],
    };
  });
  return {
    type: 'json',
    value: {
      type: 'object',
      properties: { function: { anyOf: variants } },
      required: ['function'],
      ...(Object.keys(defs).length > 0 && { $defs: defs }),
    },
  };
}

/** A call read back from the output: the tool's name and its arguments. */
export interface ParsedToolCall {
  name: string;
  arguments: Schema;
}

/** Read `{"function":{"_name", …arguments}}`; output the grammar did not finish (max_tokens) is a tool error. */
export function parseToolCall(text: string): ParsedToolCall {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError('tool', `Failed to parse generated text: ${(error as Error).message} ${JSON.stringify(text)}`);
  }
  const call = isMap(value) && isMap(value.function) ? value.function : null;
  if (!call || typeof call._name !== 'string') {
    throw new ApiError('tool', `Failed to parse generated text: no function name in ${JSON.stringify(text)}`);
  }
  const { _name: name, ...args } = call;
  return { name, arguments: args };
}
