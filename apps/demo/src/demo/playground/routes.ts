/**
 * The routes the playground offers, each with a starting body that lists every parameter the
 * route takes (nulls are TGI's "unset"), so editing one is a matter of changing a value.
 */
export interface RouteSpec {
  id: string;
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  body: Record<string, unknown> | null;
}

const messages = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'What comes after a?' },
];

const generateParameters = {
  best_of: null,
  decoder_input_details: false,
  details: false,
  do_sample: false,
  frequency_penalty: null,
  grammar: null,
  max_new_tokens: 20,
  repetition_penalty: null,
  return_full_text: false,
  seed: null,
  stop: [],
  temperature: null,
  top_k: null,
  top_n_tokens: null,
  top_p: null,
  truncate: null,
  typical_p: null,
  watermark: false,
};

const chatParameters = {
  frequency_penalty: null,
  logprobs: false,
  max_tokens: 64,
  presence_penalty: null,
  seed: null,
  stop: null,
  temperature: 0,
  top_logprobs: null,
  top_p: null,
};

export const routes: readonly RouteSpec[] = [
  {
    id: 'chat',
    method: 'POST',
    path: '/v1/chat/completions',
    summary: 'OpenAI chat completions; set "stream": true for SSE chunks.',
    body: { model: 'tgi', messages, ...chatParameters, stream: false },
  },
  {
    id: 'chat-stream',
    method: 'POST',
    path: '/v1/chat/completions',
    summary: 'The same, streamed (with a usage chunk at the end).',
    body: { model: 'tgi', messages, ...chatParameters, stream: true, stream_options: { include_usage: true } },
  },
  {
    id: 'completions',
    method: 'POST',
    path: '/v1/completions',
    summary: 'OpenAI text completions; "prompt" may be a list of up to 4.',
    body: {
      model: 'tgi',
      prompt: 'hello',
      max_tokens: 20,
      temperature: 0,
      top_p: null,
      seed: null,
      stop: null,
      frequency_penalty: null,
      repetition_penalty: null,
      stream: false,
    },
  },
  { id: 'generate', method: 'POST', path: '/generate', summary: "TGI's native generation.", body: { inputs: 'hello', parameters: generateParameters } },
  {
    id: 'generate-stream',
    method: 'POST',
    path: '/generate_stream',
    summary: 'TGI native, one SSE event per token.',
    body: { inputs: 'hello', parameters: generateParameters },
  },
  {
    id: 'root',
    method: 'POST',
    path: '/',
    summary: 'Like /generate, answering an array (or a stream with "stream": true).',
    body: { inputs: 'hello', parameters: generateParameters, stream: false },
  },
  { id: 'tokenize', method: 'POST', path: '/tokenize', summary: 'Token ids with their byte offsets into the input.', body: { inputs: 'hello' } },
  { id: 'chat-tokenize', method: 'POST', path: '/chat_tokenize', summary: 'The chat template applied, then tokenized.', body: { model: 'tgi', messages } },
  { id: 'info', method: 'GET', path: '/info', summary: 'The served model and the server limits.', body: null },
  { id: 'health', method: 'GET', path: '/health', summary: '200 with an empty body once the model can serve, else 503.', body: null },
  { id: 'models', method: 'GET', path: '/v1/models', summary: 'OpenAI model list.', body: null },
  { id: 'metrics', method: 'GET', path: '/metrics', summary: 'Prometheus counters and histograms.', body: null },
];
