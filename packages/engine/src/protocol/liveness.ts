/**
 * The side channel between an engine worker and the supervisor that watches it. It does not go
 * through comlink on purpose: it must keep working when the worker's main channel is stuck or the
 * worker is gone.
 *
 * - The worker holds a Web Lock named after itself for as long as it lives; the supervisor asks for
 *   the same lock, which the browser grants the moment the worker dies, however it died (terminated,
 *   crashed, killed for memory). No event of the `Worker` object says so.
 * - Over a BroadcastChannel of the same name: heartbeats, the GPU device's loss, and the test-only
 *   hooks that make a worker fail the way a browser makes it fail.
 */

import type { LoadOptions, ModelInfo } from './types';

/** Worker names that carry a liveness channel: the prefix, then a unique id. */
export const SUPERVISED_WORKER_PREFIX = 'inpage-engine#';

export type ToWorker =
  | { type: 'ping'; seq: number }
  /** Test-only: end the worker at once, as a crash would. */
  | { type: 'kill' }
  /** Test-only: destroy the real GPUDevice the model runs on. */
  | { type: 'lose-device' }
  /** Test-only: stop answering for good (a busy loop), as a worker stuck in a runaway call. */
  | { type: 'hang' };

export type FromWorker =
  /** Sent once the worker holds its life lock: from then on, the lock's release means it died. */
  | { type: 'alive' }
  | { type: 'pong'; seq: number }
  | { type: 'device-lost'; message: string }
  /** A forward pass over this many positions starts: the worker is silent until it ends. */
  | { type: 'pass'; positions: number }
  /**
   * A model finished loading (a SharedWorker's: one tab's load changes the model for every tab,
   * whose supervisors follow it, for their state and for what they load after a restart).
   */
  | { type: 'model'; options: LoadOptions; info: ModelInfo };

/**
 * How much longer a pass may keep the worker silent, per position it computes, beyond the
 * heartbeat timeout. Generous on purpose (a 0.5B q4 model prefills ~10 positions/s on two busy
 * WASM threads): only a worker that is really stuck should be restarted.
 */
export const SILENCE_PER_PASS_POSITION_MS = 1_000;

export function lifeLockName(workerName: string): string {
  return `${workerName}:alive`;
}
