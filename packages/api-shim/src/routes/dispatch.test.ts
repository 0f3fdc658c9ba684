import { describe, expect, test } from 'vitest';
import { createHandler } from '../handler';
import { FakeEngine, get, post } from '../../test/fake-engine';
import { routePath } from '.';

async function summary(res: Response) {
  return {
    status: res.status,
    allow: res.headers.get('allow'),
    type: res.headers.get('content-type'),
    body: await res.text(),
  };
}

describe('404 and 405 with empty bodies', () => {
  const handler = createHandler({ engine: new FakeEngine() });

  test.each(['/nope', '/generate/', '/v1/chat', '/v1/models/x', '/api/generate'])(
    'unknown path %s → 404',
    async (path) => {
      expect(await summary(await handler(get(path)))).toEqual({ status: 404, allow: null, type: null, body: '' });
      expect((await handler(post(path, {}))).status).toBe(404);
    },
  );

  test.each([
    ['GET', '/generate', 'POST'],
    ['GET', '/v1/chat/completions', 'POST'],
    ['POST', '/health', 'GET,HEAD'],
    ['POST', '/info', 'GET,HEAD'],
    ['DELETE', '/', 'POST,GET,HEAD'],
    ['PUT', '/tokenize', 'POST'],
  ])('%s %s → 405 (allow: %s)', async (method, path, allow) => {
    const res = await handler(new Request(`http://shim.test${path}`, { method }));
    expect(await summary(res)).toEqual({ status: 405, allow, type: null, body: '' });
  });

  test('HEAD answers GET routes without a body', async () => {
    const res = await handler(new Request('http://shim.test/info', { method: 'HEAD' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('');
  });

  test('the query string does not matter', async () => {
    expect((await handler(get('/health?x=1'))).status).toBe(200);
  });
});

describe('API key', () => {
  const handler = createHandler({ engine: new FakeEngine(), apiKey: 'S3cret' });
  const generationRoutes = [
    '/',
    '/generate',
    '/generate_stream',
    '/v1/chat/completions',
    '/v1/completions',
    '/invocations',
    '/tokenize',
  ];

  test.each(generationRoutes)('POST %s without the key → 401, empty', async (path) => {
    expect(await summary(await handler(post(path, { inputs: 'a' })))).toEqual({
      status: 401,
      allow: null,
      type: null,
      body: '',
    });
    const wrong = await handler(post(path, { inputs: 'a' }, { headers: { authorization: 'Bearer nope' } }));
    expect(wrong.status).toBe(401);
  });

  test('the bearer token is compared case-insensitively, and checked before the body', async () => {
    const ok = await handler(post('/tokenize', { inputs: 'a' }, { headers: { authorization: 'bearer s3CRET' } }));
    expect(ok.status).toBe(200);
    const unparsable = await handler(post('/generate', '{', { headers: {} }));
    expect(unparsable.status).toBe(401);
  });

  test('info routes stay open', async () => {
    for (const path of ['/health', '/', '/ping', '/info', '/metrics', '/v1/models']) {
      expect((await handler(get(path))).status).toBe(200);
    }
    expect((await handler(post('/chat_tokenize', { messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(200);
  });
});

test('routes under a base path', () => {
  expect(routePath('', '/generate')).toBe('/generate');
  expect(routePath('/api', '/api/generate')).toBe('/generate');
  expect(routePath('/api', '/api')).toBe('/');
  expect(routePath('/api', '/api/')).toBe('/');
  expect(routePath('/api', '/apiary/generate')).toBeUndefined();
  expect(routePath('/api', '/generate')).toBeUndefined();
});
