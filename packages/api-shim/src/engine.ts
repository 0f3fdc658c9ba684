/** The engine vocabulary the shim depends on (types only: the shim never imports engine code). */
export type {
  ChatTemplateOptions,
  Device,
  Dtype,
  Engine,
  EngineState,
  FinishEvent,
  FinishReason,
  GenerateEvent,
  GenerateRequest,
  GeneratedToken,
  ModelInfo,
  PrefillToken,
  SamplingParams,
  TemplateMessage,
  TokenEvent,
  TokenSpan,
} from '@inpage/engine';
