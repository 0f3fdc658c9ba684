import { describe, expect, test } from 'vitest';
import { decodeChatRequest } from '../schema/requests';
import { decodeRoot } from '../schema/serde';
import { toTemplateMessages } from './messages';
import { chatParameters, responseModel } from './parameters';

const chat = (body: Record<string, unknown>) => decodeRoot(decodeChatRequest, { messages: [], ...body });

describe('OpenAI chat → TGI parameters', () => {
  test('no parameters: sampling, details on', () => {
    expect(chatParameters(chat({}))).toEqual({
      do_sample: true,
      temperature: undefined,
      repetition_penalty: undefined,
      frequency_penalty: undefined,
      top_p: undefined,
      max_new_tokens: undefined,
      stop: [],
      seed: undefined,
      top_n_tokens: undefined,
      details: true,
      decoder_input_details: false,
      watermark: false,
    });
  });

  test('temperature 0 is greedy; any other temperature samples with it', () => {
    expect(chatParameters(chat({ temperature: 0 }))).toMatchObject({ do_sample: false, temperature: undefined });
    expect(chatParameters(chat({ temperature: 0.7 }))).toMatchObject({
      do_sample: true,
      temperature: Math.fround(0.7),
    });
  });

  test('presence_penalty p → repetition_penalty p + 2; the rest map across', () => {
    expect(
      chatParameters(
        chat({
          presence_penalty: 0.5,
          frequency_penalty: 0.25,
          top_p: 0.5,
          max_tokens: 12,
          stop: ['\n'],
          seed: 42,
          top_logprobs: 3,
          n: 2,
          logit_bias: [1],
          model: 'anything',
        }),
      ),
    ).toEqual({
      do_sample: true,
      temperature: undefined,
      repetition_penalty: 2.5,
      frequency_penalty: 0.25,
      top_p: 0.5,
      max_new_tokens: 12,
      stop: ['\n'],
      seed: 42,
      top_n_tokens: 3,
      details: true,
      decoder_input_details: false,
      watermark: false,
    });
    expect(chatParameters(chat({ max_completion_tokens: 7 })).max_new_tokens).toBe(7);
  });

  test('the response model: the request’s, unless absent or "tgi"', () => {
    expect(responseModel(undefined, 'org/m')).toBe('org/m');
    expect(responseModel('tgi', 'org/m')).toBe('org/m');
    expect(responseModel('http://localhost:8080', 'org/m')).toBe('http://localhost:8080');
  });
});

describe('messages → template messages', () => {
  test('parts are concatenated; images become markdown; only role and content remain', () => {
    const { messages } = chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          name: 'ann',
          content: [
            { type: 'text', text: 'What is ' },
            { type: 'image_url', image_url: { url: 'https://x/cat.png' } },
            { type: 'text', text: '?' },
          ],
        },
        { role: 'tool', content: 'sunny', tool_call_id: '0' },
      ],
    });
    expect(toTemplateMessages(messages)).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is ![](https://x/cat.png)?' },
      { role: 'tool', content: 'sunny' },
    ]);
  });

  test('a tool_calls message becomes the JSON of its calls, as TGI writes it', () => {
    const { messages } = chat({
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: '0', type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } },
            { id: '1', type: 'function', function: { name: 'f', description: 'd', parameters: '{"a":1}' } },
          ],
        },
      ],
    });
    expect(toTemplateMessages(messages)).toEqual([
      {
        role: 'assistant',
        content:
          '[{"id":"0","type":"function","function":{"description":null,"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},' +
          '{"id":"1","type":"function","function":{"description":"d","name":"f","arguments":"\\"{\\\\\\"a\\\\\\":1}\\""}}]',
      },
    ]);
  });
});
