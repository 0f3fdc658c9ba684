/**
 * The request bodies TGI accepts, as types (snake_case, exactly as on the wire) and as decoders with
 * TGI's defaults (router/src/lib.rs). These are unchecked values: only ../validation turns them into
 * something the engine may run.
 */
import { type Grammar, grammarDecoder } from './grammar';
import {
  DecodeError,
  type Decoder,
  any,
  boolean,
  defaulted,
  f32,
  i32,
  invalidType,
  isMap,
  optional,
  required,
  seq,
  string,
  struct,
  u32,
  u64,
  untagged,
  usize,
} from './serde';

/** TGI's `GenerateParameters`. Absent optional fields are `undefined`. */
export interface GenerateParameters {
  best_of?: number;
  temperature?: number;
  repetition_penalty?: number;
  frequency_penalty?: number;
  top_k?: number;
  top_p?: number;
  typical_p?: number;
  do_sample: boolean;
  max_new_tokens?: number;
  return_full_text?: boolean;
  stop: string[];
  truncate?: number;
  watermark: boolean;
  details: boolean;
  decoder_input_details: boolean;
  seed?: number;
  top_n_tokens?: number;
  grammar?: Grammar;
  adapter_id?: string;
}

/** Parameters of a body that has no `parameters` key: TGI then samples (`do_sample: true`). */
export function defaultParameters(): GenerateParameters {
  return { do_sample: true, stop: [], watermark: false, details: false, decoder_input_details: false };
}

const generateParameters = struct<GenerateParameters>('GenerateParameters', {
  best_of: optional(usize),
  temperature: optional(f32),
  repetition_penalty: optional(f32),
  frequency_penalty: optional(f32),
  top_k: optional(i32),
  top_p: optional(f32),
  typical_p: optional(f32),
  do_sample: defaulted(boolean, () => false),
  max_new_tokens: optional(u32),
  return_full_text: optional(boolean),
  stop: defaulted(seq(string), () => []),
  truncate: optional(usize),
  watermark: defaulted(boolean, () => false),
  details: defaulted(boolean, () => false),
  decoder_input_details: defaulted(boolean, () => false),
  seed: optional(u64),
  top_n_tokens: optional(u32),
  grammar: optional(grammarDecoder(false)),
  adapter_id: optional(string),
});

/** `POST /generate`, `/generate_stream`, `/tokenize`. */
export interface GenerateRequestBody {
  inputs: string;
  parameters: GenerateParameters;
}

export const decodeGenerateRequest = struct<GenerateRequestBody>('GenerateRequest', {
  inputs: required(string),
  parameters: defaulted(generateParameters, defaultParameters),
});

/** `POST /`: the same plus `stream`. */
export interface CompatGenerateRequestBody extends GenerateRequestBody {
  stream: boolean;
}

export const decodeCompatGenerateRequest = struct<CompatGenerateRequestBody>('CompatGenerateRequest', {
  inputs: required(string),
  parameters: defaulted(generateParameters, defaultParameters),
  stream: defaulted(boolean, () => false),
});

// ---- Chat ----------------------------------------------------------------------------------------

export type MessageChunk = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

/** An assistant's earlier tool call, as sent back in the conversation. */
export interface ToolCall {
  id: string;
  type: string;
  function: { description?: string; name: string; arguments: unknown };
}

export type ChatMessage =
  | { role: string; content: string | MessageChunk[]; name?: string }
  | { role: string; tool_calls: ToolCall[]; name?: string };

export interface Tool {
  type: string;
  function: { description?: string; name: string; arguments: unknown };
}

/** `tool_choice`: null/"auto", "none", "required", a tool name, or `{"type":"function","function":{"name"}}`. */
export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'function'; name: string };

export interface ChatRequestBody {
  model?: string;
  messages: ChatMessage[];
  frequency_penalty?: number;
  /** Unused (TGI types it as a list of floats, so OpenAI's map form is refused as in TGI). */
  logit_bias?: number[];
  logprobs?: boolean;
  top_logprobs?: number;
  max_tokens?: number;
  /** Unused: one choice is generated. */
  n?: number;
  presence_penalty?: number;
  stop?: string[];
  stream: boolean;
  seed?: number;
  temperature?: number;
  top_p?: number;
  tools?: Tool[];
  tool_prompt?: string;
  tool_choice: ToolChoice;
  response_format?: Grammar;
  stream_options: { include_usage: boolean };
}

const textChunk = struct<{ text: string }>('Text', { text: required(string) });
const imageChunk = struct<{ image_url: { url: string } }>('ImageUrl', {
  image_url: required(struct<{ url: string }>('Url', { url: required(string) })),
});

/** `#[serde(tag = "type")]`: `{"type":"text","text"}` or `{"type":"image_url","image_url":{"url"}}`. */
const messageChunk: Decoder<MessageChunk> = (v, at) => {
  if (!isMap(v)) throw invalidType(v, 'internally tagged enum MessageChunk', at);
  if (v.type === 'text') return { type: 'text', ...textChunk(v, at) };
  if (v.type === 'image_url') return { type: 'image_url', ...imageChunk(v, at) };
  throw new DecodeError(at, `unknown variant \`${String(v.type)}\`, expected \`text\` or \`image_url\``);
};

const functionDefinition = struct<ToolCall['function']>('FunctionDefinition', {
  description: optional(string),
  name: required(string),
  arguments: { decode: any, missing: 'required', aliases: ['parameters'] },
});

const toolCall = struct<ToolCall>('ToolCall', {
  id: required(string),
  type: required(string),
  function: required(functionDefinition),
});

const contentBody = struct<{ content: string | MessageChunk[] }>('Content', {
  content: required(untagged<string | MessageChunk[]>('MessageContent', [string, seq(messageChunk)])),
});
const toolCallsBody = struct<{ tool_calls: ToolCall[] }>('Tool', { tool_calls: required(seq(toolCall)) });
const messageBody = untagged<{ content: string | MessageChunk[] } | { tool_calls: ToolCall[] }>('MessageBody', [
  contentBody,
  toolCallsBody,
]);

/** `Message { role, #[serde(flatten)] body: MessageBody (untagged), name? }`. */
const chatMessage: Decoder<ChatMessage> = (v, at) => {
  const head = struct<{ role: string; name?: string }>('Message', {
    role: required(string),
    name: optional(string),
  })(v, at);
  const body = messageBody(v, at);
  return head.name === undefined ? { role: head.role, ...body } : { role: head.role, ...body, name: head.name };
};

const tool = struct<Tool>('Tool', { type: required(string), function: required(functionDefinition) });

const toolChoice: Decoder<ToolChoice> = (v, at) => {
  if (v === null || v === undefined) return { type: 'auto' };
  if (typeof v === 'string') {
    if (v === 'auto' || v === 'none' || v === 'required') return { type: v };
    return { type: 'function', name: v };
  }
  if (isMap(v) && v.type === 'function' && isMap(v.function) && typeof v.function.name === 'string') {
    return { type: 'function', name: v.function.name };
  }
  throw new DecodeError(at, 'data did not match any variant of untagged enum ToolTypeDeserializer');
};

const streamOptions = struct<{ include_usage: boolean }>('StreamOptions', {
  include_usage: defaulted(boolean, () => false),
});

export const decodeChatRequest = struct<ChatRequestBody>('ChatRequest', {
  model: optional(string),
  messages: required(seq(chatMessage)),
  frequency_penalty: optional(f32),
  logit_bias: optional(seq(f32)),
  logprobs: optional(boolean),
  top_logprobs: optional(u32),
  max_tokens: optional(u32, ['max_completion_tokens']),
  n: optional(u32),
  presence_penalty: optional(f32),
  stop: optional(seq(string)),
  stream: defaulted(boolean, () => false),
  seed: optional(u64),
  temperature: optional(f32),
  top_p: optional(f32),
  tools: optional(seq(tool)),
  tool_prompt: optional(string),
  tool_choice: { decode: toolChoice, missing: { default: () => ({ type: 'auto' }) } },
  response_format: optional(grammarDecoder(true)),
  stream_options: defaulted(streamOptions, () => ({ include_usage: false })),
});

// ---- Completions ---------------------------------------------------------------------------------

export interface CompletionRequestBody {
  /** Unused by the generation; the response names the served model (as TGI does). */
  model?: string;
  /** One or several prompts (a single string becomes a list of one). */
  prompt: string[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stream: boolean;
  seed?: number;
  suffix?: string;
  repetition_penalty?: number;
  frequency_penalty?: number;
  stop?: string[];
}

const prompt: Decoder<string[]> = (v, at) => {
  const prompts = untagged<string | string[]>('PromptDeserializer', [string, seq(string)])(v, at);
  if (typeof prompts === 'string') return [prompts];
  if (prompts.length === 0) {
    throw new DecodeError(at, 'Empty array detected. Do not use an empty array for the prompt.');
  }
  return prompts;
};

export const decodeCompletionRequest = struct<CompletionRequestBody>('CompletionRequest', {
  model: optional(string),
  prompt: required(prompt),
  max_tokens: optional(u32),
  temperature: optional(f32),
  top_p: optional(f32),
  stream: defaulted(boolean, () => false),
  seed: optional(u64),
  suffix: optional(string),
  repetition_penalty: optional(f32),
  frequency_penalty: optional(f32),
  stop: optional(seq(string)),
});

// ---- SageMaker -----------------------------------------------------------------------------------

export type InvocationRequestBody =
  | { route: 'generate'; body: CompatGenerateRequestBody }
  | { route: 'chat'; body: ChatRequestBody }
  | { route: 'completions'; body: CompletionRequestBody };

/** `/invocations`: the first of generate (`inputs`), chat (`messages`), completions (`prompt`) that decodes. */
export const decodeInvocationRequest = untagged<InvocationRequestBody>('SagemakerRequest', [
  (v, at) => ({ route: 'generate', body: decodeCompatGenerateRequest(v, at) }),
  (v, at) => ({ route: 'chat', body: decodeChatRequest(v, at) }),
  (v, at) => ({ route: 'completions', body: decodeCompletionRequest(v, at) }),
]);
