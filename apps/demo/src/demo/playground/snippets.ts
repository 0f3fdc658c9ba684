import type { RouteSpec } from './routes';

/** The same call as code a person can paste into their own app or terminal. */
export type SnippetKind = 'fetch' | 'openai' | 'hf' | 'curl';

export const snippetKinds: { kind: SnippetKind; label: string }[] = [
  { kind: 'fetch', label: 'fetch' },
  { kind: 'openai', label: 'openai SDK' },
  { kind: 'hf', label: '@huggingface/inference' },
  { kind: 'curl', label: 'curl (real TGI)' },
];

/** curl cannot reach a server that lives inside a page: its snippet targets a real TGI instead. */
export const REAL_TGI = 'http://localhost:8080';

export function snippet(kind: SnippetKind, route: RouteSpec, body: unknown, baseUrl: string): string {
  switch (kind) {
    case 'fetch':
      return fetchSnippet(route, body, baseUrl);
    case 'openai':
      return openaiSnippet(route, body, baseUrl);
    case 'hf':
      return hfSnippet(route, body, baseUrl);
    case 'curl':
      return curlSnippet(route, body);
  }
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);
const isStream = (body: unknown) => (body as { stream?: unknown } | null)?.stream === true || false;

function fetchSnippet(route: RouteSpec, body: unknown, baseUrl: string): string {
  const url = `${baseUrl}${route.path}`;
  if (route.method === 'GET') return `const response = await fetch('${url}');\nconsole.log(response.status, await response.text());`;
  const call = `const response = await fetch('${url}', {\n  method: 'POST',\n  headers: { 'Content-Type': 'application/json' },\n  body: JSON.stringify(${indent(json(body), '  ')}),\n});`;
  const streams = route.path === '/generate_stream' || isStream(body);
  return streams
    ? `${call}\nconst reader = response.body.pipeThrough(new TextDecoderStream()).getReader();\nfor (let r = await reader.read(); !r.done; r = await reader.read()) console.log(r.value); // raw SSE`
    : `${call}\nconsole.log(await response.json());`;
}

function openaiSnippet(route: RouteSpec, body: unknown, baseUrl: string): string {
  const method = route.path === '/v1/chat/completions' ? 'chat.completions' : route.path === '/v1/completions' ? 'completions' : null;
  if (!method) return `// ${route.path} is not an OpenAI route: use fetch.`;
  const head = `import OpenAI from 'openai';\n\nconst openai = new OpenAI({ baseURL: '${baseUrl}/v1', apiKey: '-', dangerouslyAllowBrowser: true });\n`;
  const call = `await openai.${method}.create(${json(body)})`;
  return isStream(body) ? `${head}const stream = ${call};\nfor await (const chunk of stream) console.log(chunk);` : `${head}console.log(${call});`;
}

function hfSnippet(route: RouteSpec, body: unknown, baseUrl: string): string {
  const head = `import { InferenceClient } from '@huggingface/inference';\n\nconst client = new InferenceClient().endpoint('${baseUrl}');\n`;
  const { stream, ...rest } = (body ?? {}) as Record<string, unknown>;
  if (route.path === '/v1/chat/completions') {
    return stream
      ? `${head}for await (const chunk of client.chatCompletionStream(${json(rest)})) console.log(chunk);`
      : `${head}console.log(await client.chatCompletion(${json(rest)}));`;
  }
  if (route.path === '/generate' || route.path === '/generate_stream' || route.path === '/') {
    const streams = route.path === '/generate_stream' || stream === true;
    return streams
      ? `${head}for await (const chunk of client.textGenerationStream(${json(rest)})) console.log(chunk);`
      : `${head}console.log(await client.textGeneration(${json(rest)}));`;
  }
  return `// @huggingface/inference has no method for ${route.method} ${route.path}: use fetch.`;
}

function curlSnippet(route: RouteSpec, body: unknown): string {
  const url = `${REAL_TGI}${route.path}`;
  if (route.method === 'GET') return `curl ${url}`;
  const quoted = JSON.stringify(body).replace(/'/g, `'\\''`);
  const streams = route.path === '/generate_stream' || isStream(body);
  return `curl ${streams ? '-N ' : ''}${url} \\\n  -X POST \\\n  -H 'Content-Type: application/json' \\\n  -d '${quoted}'`;
}
