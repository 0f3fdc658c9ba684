import { describe, expect, test } from 'vitest';
import { createHandler } from '../handler';
import { FakeEngine } from '../../test/fake-engine';
import { isJsonContentType } from './body';

const handler = createHandler({ engine: new FakeEngine(), payloadLimit: 100 });

async function answer(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await handler(new Request('http://shim.test/generate', { method: 'POST', headers, body }));
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('body-parse failures are text/plain, in axum order', () => {
  test('415 without a JSON content type', async () => {
    const expected = {
      status: 415,
      type: 'text/plain; charset=utf-8',
      text: 'Expected request with `Content-Type: application/json`',
    };
    expect(await answer('{"inputs":"a"}', {})).toEqual(expected);
    expect(await answer('{"inputs":"a"}', { 'content-type': 'text/plain' })).toEqual(expected);
    // The content type is checked before the size.
    expect(await answer('x'.repeat(200), { 'content-type': 'text/plain' })).toEqual(expected);
  });

  test('413 over the payload limit', async () => {
    expect(await answer(JSON.stringify({ inputs: 'x'.repeat(200) }))).toEqual({
      status: 413,
      type: 'text/plain; charset=utf-8',
      text: 'Failed to buffer the request body: length limit exceeded',
    });
  });

  test('400 when the body is not JSON', async () => {
    expect(await answer('{"inputs": "a",}')).toEqual({
      status: 400,
      type: 'text/plain; charset=utf-8',
      text: 'Failed to parse the request body as JSON: trailing comma at line 1 column 16',
    });
  });

  test('422 when the JSON has the wrong shape', async () => {
    const prefix = 'Failed to deserialize the JSON body into the target type: ';
    expect(await answer('{}')).toEqual({
      status: 422,
      type: 'text/plain; charset=utf-8',
      text: `${prefix}missing field \`inputs\``,
    });
    expect((await answer('{"inputs": 1}')).text).toBe(
      `${prefix}inputs: invalid type: integer \`1\`, expected a string`,
    );
    expect((await answer('[]')).text).toBe(`${prefix}invalid type: sequence, expected struct GenerateRequest`);
  });
});

test('JSON content types as axum accepts them', () => {
  expect(isJsonContentType('application/json')).toBe(true);
  expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true);
  expect(isJsonContentType('application/vnd.api+json')).toBe(true);
  expect(isJsonContentType('text/json')).toBe(false);
  expect(isJsonContentType('application/jsonx')).toBe(false);
  expect(isJsonContentType(null)).toBe(false);
});
