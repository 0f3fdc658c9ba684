export type { CreateEngineOptions } from './client/engine-client';
export { createEngine, EngineFailureError, type SupervisedEngine, type SupervisorOptions } from './client/supervisor';
export type { WorkerFailure } from './client/worker-watch';
export type { Engine, EngineState } from './protocol/engine';
export type * from './protocol/types';
