export { createEngine, type CreateEngineOptions } from './client/engine-client';
export type { Engine, EngineState } from './protocol/engine';
export type * from './protocol/types';
