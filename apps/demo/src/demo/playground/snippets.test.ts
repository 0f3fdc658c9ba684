import { describe, expect, it } from 'vitest';
import { routes } from './routes';
import { snippet } from './snippets';

const route = (id: string) => routes.find((r) => r.id === id)!;
const BASE = 'http://127.0.0.1:4173/tgi';

describe('snippets', () => {
  it('fetch posts the body as JSON to the shim', () => {
    const code = snippet('fetch', route('generate'), { inputs: 'hi' }, BASE);
    expect(code).toContain(`fetch('${BASE}/generate', {`);
    expect(code).toContain(`"inputs": "hi"`);
    expect(code).toContain('await response.json()');
  });

  it('the openai SDK is used only for OpenAI routes, streaming with for await', () => {
    expect(snippet('openai', route('chat'), { stream: true }, BASE)).toContain(`baseURL: '${BASE}/v1'`);
    expect(snippet('openai', route('chat'), { stream: true }, BASE)).toContain('for await (const chunk of stream)');
    expect(snippet('openai', route('tokenize'), {}, BASE)).toBe('// /tokenize is not an OpenAI route: use fetch.');
  });

  it('@huggingface/inference goes through endpoint() and drops the stream flag', () => {
    const code = snippet('hf', route('chat'), { model: 'tgi', stream: true }, BASE);
    expect(code).toContain(`new InferenceClient().endpoint('${BASE}')`);
    expect(code).toContain('client.chatCompletionStream({\n  "model": "tgi"\n})');
  });

  it('curl targets a real TGI and quotes single quotes for the shell', () => {
    expect(snippet('curl', route('generate-stream'), { inputs: "it's" }, BASE)).toBe(
      `curl -N http://localhost:8080/generate_stream \\\n  -X POST \\\n  -H 'Content-Type: application/json' \\\n  -d '{"inputs":"it'\\''s"}'`,
    );
    expect(snippet('curl', route('info'), null, BASE)).toBe('curl http://localhost:8080/info');
  });
});
