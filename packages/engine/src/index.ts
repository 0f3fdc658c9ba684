export type { CreateEngineOptions } from './client/engine-client';
export { createEngine, type SupervisedEngine, type SupervisorOptions } from './client/supervisor';
export type { WorkerFailure } from './client/worker-watch';
export type { Engine, EngineState } from './protocol/engine';
export { EngineError, type EngineErrorKind, isEngineError } from './protocol/errors';
export type * from './protocol/types';
