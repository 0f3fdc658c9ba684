/**
 * @inpage/api-shim: Hugging Face TGI's HTTP API answered in the page, over an in-browser engine.
 *
 *   const shim = installShim({ baseUrl: 'http://localhost:8080', engine });
 *   await new OpenAI({ baseURL: 'http://localhost:8080/v1', apiKey: '-', dangerouslyAllowBrowser: true })
 *     .chat.completions.create({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }] });
 */
export { createHandler, type Handler } from './handler';
export type { HandlerOptions } from './context';
export { installShim, type Shim, type ShimOptions } from './intercept/install';
export { startInpage, type Inpage, type StartInpageOptions } from './start';
export { answerServiceWorker } from './transport/host';
export {
  type EngineHostKind,
  type EnginePlacement,
  hostEngineOnce,
  type OriginHost,
  type OriginHostOptions,
} from './transport/origin-host';
export type { InfoJson } from './routes/info';
export type { GenerateResponseJson, StreamResponseJson, DetailsJson, TokenJson } from './native/responses';
export type { ChatCompletionJson, ChatCompletionChunkJson } from './chat/responses';
export type { CompletionFinalJson, CompletionChunkJson } from './completions/responses';
export type {
  ChatRequestBody,
  CompletionRequestBody,
  GenerateParameters,
  GenerateRequestBody,
} from './schema/requests';
