export { createEngine, type CreateEngineOptions } from './client/engine-client';
export type { Engine, EngineState } from './protocol/engine';
export { EngineError, type EngineErrorKind, isEngineError } from './protocol/errors';
export type * from './protocol/types';
