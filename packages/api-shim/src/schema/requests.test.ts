import { describe, expect, test } from 'vitest';
import {
  decodeChatRequest,
  decodeCompletionRequest,
  decodeGenerateRequest,
  decodeInvocationRequest,
  defaultParameters,
} from './requests';
import { decodeRoot, DecodeError } from './serde';

function fails(decode: (v: unknown, at: []) => unknown, value: unknown): string {
  try {
    decode(value, []);
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return (e as Error).message;
  }
  throw new Error('expected a decode error');
}

describe('GenerateRequest', () => {
  test('no parameters key: TGI samples; a parameters object: booleans default to false', () => {
    expect(decodeRoot(decodeGenerateRequest, { inputs: 'a' })).toEqual({
      inputs: 'a',
      parameters: defaultParameters(),
    });
    expect(decodeRoot(decodeGenerateRequest, { inputs: 'a', parameters: {}, unknown: 1 }).parameters).toEqual({
      do_sample: false,
      stop: [],
      watermark: false,
      details: false,
      decoder_input_details: false,
    });
  });

  test('serde messages with the path', () => {
    expect(fails(decodeGenerateRequest, { inputs: 'a', parameters: null })).toBe(
      'parameters: invalid type: null, expected struct GenerateParameters',
    );
    expect(fails(decodeGenerateRequest, { inputs: 'a', parameters: { details: null } })).toBe(
      'parameters.details: invalid type: null, expected a boolean',
    );
    expect(fails(decodeGenerateRequest, { inputs: 'a', parameters: { max_new_tokens: -1 } })).toBe(
      'parameters.max_new_tokens: invalid value: integer `-1`, expected u32',
    );
    expect(fails(decodeGenerateRequest, { inputs: 'a', parameters: { max_new_tokens: 1.5 } })).toBe(
      'parameters.max_new_tokens: invalid type: floating point `1.5`, expected u32',
    );
    expect(fails(decodeGenerateRequest, { inputs: 'a', parameters: { stop: 'x' } })).toBe(
      'parameters.stop: invalid type: string "x", expected a sequence',
    );
    expect(fails(decodeGenerateRequest, { inputs: 'a', parameters: { stop: ['x', 2] } })).toBe(
      'parameters.stop[1]: invalid type: integer `2`, expected a string',
    );
    expect(fails(decodeGenerateRequest, { inputs: 'a', parameters: { temperature: 'hot' } })).toBe(
      'parameters.temperature: invalid type: string "hot", expected f32',
    );
    expect(fails(decodeGenerateRequest, { inputs: 'a', parameters: { grammar: { type: 'yaml', value: 1 } } })).toBe(
      'parameters.grammar.type: unknown variant `yaml`, expected one of `json`, `json_object`, `regex`, `json_schema`',
    );
    expect(fails(decodeGenerateRequest, { inputs: 'a', parameters: { grammar: { type: 'json' } } })).toBe(
      'parameters.grammar: missing field `value`',
    );
  });

  test('the first error in document order wins; missing fields come last', () => {
    expect(fails(decodeGenerateRequest, { parameters: { top_k: 'x' } })).toBe(
      'parameters.top_k: invalid type: string "x", expected i32',
    );
  });

  test('f32 fields are rounded to single precision', () => {
    expect(
      decodeRoot(decodeGenerateRequest, { inputs: 'a', parameters: { top_p: 0.999999999 } }).parameters.top_p,
    ).toBe(1);
  });
});

describe('ChatRequest', () => {
  const user = { role: 'user', content: 'hi' };

  test('defaults', () => {
    expect(decodeRoot(decodeChatRequest, { messages: [user] })).toEqual({
      messages: [user],
      stream: false,
      tool_choice: { type: 'auto' },
      stream_options: { include_usage: false },
    });
  });

  test('message shapes', () => {
    const chat = decodeRoot(decodeChatRequest, {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image_url', image_url: { url: 'u' } },
          ],
          name: 'n',
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: '0', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
      ],
    });
    expect(chat.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'image_url', image_url: { url: 'u' } },
        ],
        name: 'n',
      },
      { role: 'assistant', tool_calls: [{ id: '0', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    ]);
    expect(fails(decodeChatRequest, { messages: [{ role: 'user' }] })).toBe(
      'messages[0]: data did not match any variant of untagged enum MessageBody',
    );
    expect(fails(decodeChatRequest, { messages: [{ content: 'x' }] })).toBe('messages[0]: missing field `role`');
    expect(fails(decodeChatRequest, {})).toBe('missing field `messages`');
  });

  test('max_completion_tokens is an alias of max_tokens', () => {
    expect(decodeRoot(decodeChatRequest, { messages: [], max_completion_tokens: 5 }).max_tokens).toBe(5);
    expect(fails(decodeChatRequest, { messages: [], max_tokens: 1, max_completion_tokens: 5 })).toBe(
      'duplicate field `max_tokens`',
    );
  });

  test('stop must be an array; tool_choice forms; OpenAI response_format forms', () => {
    expect(fails(decodeChatRequest, { messages: [], stop: 'x' })).toBe(
      'stop: invalid type: string "x", expected a sequence',
    );
    const choice = (tool_choice: unknown) => decodeRoot(decodeChatRequest, { messages: [], tool_choice }).tool_choice;
    expect(choice(null)).toEqual({ type: 'auto' });
    expect(choice('none')).toEqual({ type: 'none' });
    expect(choice('required')).toEqual({ type: 'required' });
    expect(choice('get_weather')).toEqual({ type: 'function', name: 'get_weather' });
    expect(choice({ type: 'function', function: { name: 'f' } })).toEqual({ type: 'function', name: 'f' });
    const format = (response_format: unknown) =>
      decodeRoot(decodeChatRequest, { messages: [], response_format }).response_format;
    expect(format({ type: 'json_object' })).toEqual({ type: 'json_object' });
    expect(
      format({ type: 'json_schema', json_schema: { name: 'n', schema: { properties: {} }, strict: true } }),
    ).toEqual({
      type: 'json_schema',
      value: { name: 'n', schema: { properties: {} } },
    });
  });
});

describe('CompletionRequest', () => {
  test('prompt: a string or a non-empty list', () => {
    expect(decodeRoot(decodeCompletionRequest, { prompt: 'a' }).prompt).toEqual(['a']);
    expect(decodeRoot(decodeCompletionRequest, { prompt: ['a', 'b'] }).prompt).toEqual(['a', 'b']);
    expect(fails(decodeCompletionRequest, { prompt: [] })).toBe(
      'prompt: Empty array detected. Do not use an empty array for the prompt.',
    );
    expect(fails(decodeCompletionRequest, { prompt: 3 })).toBe(
      'prompt: data did not match any variant of untagged enum PromptDeserializer',
    );
  });
});

describe('/invocations picks the first shape that decodes', () => {
  test.each([
    [{ inputs: 'a' }, 'generate'],
    [{ inputs: 'a', messages: [] }, 'generate'],
    [{ inputs: 1, messages: [] }, 'chat'],
    [{ prompt: 'a' }, 'completions'],
  ])('%j → %s', (body, route) => {
    expect(decodeRoot(decodeInvocationRequest, body).route).toBe(route);
  });

  test('none matches', () => {
    expect(fails(decodeInvocationRequest, { text: 'a' })).toBe(
      'data did not match any variant of untagged enum SagemakerRequest',
    );
  });
});
