import { describe, expect, test } from 'vitest';
import type { Step } from '../generation/run';
import { parseToolCall } from '../structured';
import type { ChatEnvelope } from './responses';
import { ToolCallStream } from './tool-calls';

const env: ChatEnvelope = { model: 'm', systemFingerprint: 'fp', created: 1, logprobs: false };
const step = (text: string, special = false): Step => ({
  index: 1,
  token: { id: 0, text, logprob: 0, special },
  topTokens: [],
});

/** Feed the text in the given pieces (then EOS); collect each piece's deltas. */
function streamed(pieces: string[]) {
  const stream = new ToolCallStream(env);
  return [...pieces.map((p) => step(p)), step('</s>', true)].map((s) => {
    const event = stream.push(s);
    if (event.type === 'no_tool') return 'no_tool';
    return event.chunks.map((c) => {
      expect(c.choices[0].finish_reason).toBeNull();
      return (c.choices[0].delta as { tool_calls: unknown[] }).tool_calls[0];
    });
  });
}

describe('tool-call stream', () => {
  test('byte by byte: the name once complete, then the arguments without the separator and the last brace', () => {
    const text = '{"function":{"_name":"get_weather","city":"Paris"}}';
    const events = streamed([...text]).flat();
    expect(events[0]).toEqual({
      index: 0,
      id: '0',
      type: 'function',
      function: { name: 'get_weather', arguments: '{' },
    });
    const args = events.slice(1).map((e) => (e as { function: { name: null; arguments: string } }).function);
    expect(args.every((f) => f.name === null)).toBe(true);
    expect(`{${args.map((f) => f.arguments).join('')}`).toBe('{"city":"Paris"}');
  });

  test('merged tokens across the name, and a call without arguments', () => {
    const events = streamed(['{"function":{"_name":"f', '"}}']).flat();
    expect(events).toEqual([
      { index: 0, id: '0', type: 'function', function: { name: 'f', arguments: '{' } },
      { index: 0, id: '0', type: 'function', function: { name: null, arguments: '}' } },
    ]);
  });

  test('no_tool is reported, not streamed', () => {
    expect(streamed([...'{"function":{"_name":"no_tool"}}']).find((e) => e === 'no_tool')).toBe('no_tool');
  });
});

describe('parseToolCall', () => {
  test('name and arguments; unfinished output is a tool error', () => {
    expect(parseToolCall('{"function":{"_name":"f","a":1}}')).toEqual({ name: 'f', arguments: { a: 1 } });
    expect(() => parseToolCall('{"function":{"_na')).toThrow(/^Tool error: Failed to parse generated text/);
  });
});
