/**
 * The supervisor's end of a worker's liveness channel (protocol/liveness.ts): learns of the
 * worker's death from its life lock, of a hung worker from missed heartbeats, and of a lost GPU
 * device from the worker's report.
 */
import {
  type FromWorker,
  lifeLockName,
  SILENCE_PER_PASS_POSITION_MS,
  SUPERVISED_WORKER_PREFIX,
  type ToWorker,
} from '../protocol/liveness';
import type { LoadOptions, ModelInfo } from '../protocol/types';

export interface WatchOptions {
  /** The worker's name (a SharedWorker's, which every tab must agree on); by default a new unique one. */
  workerName?: string;
  /** How often to ping. */
  heartbeatMs: number;
  /** No answer for this long: the worker is stuck. */
  heartbeatTimeoutMs: number;
  /**
   * True while silence is expected (a model load: creating a session blocks the worker for as long
   * as the model is big): the heartbeat does not count then.
   */
  quietAllowed(): boolean;
  /** Called once, with the reason in words, the first time the worker is found dead, stuck or without its GPU. */
  onFailure(failure: WorkerFailure): void;
  /** A SharedWorker loaded a model (maybe another tab's load). */
  onModel?(options: LoadOptions, info: ModelInfo): void;
}

export interface WorkerFailure {
  kind: 'exited' | 'unresponsive' | 'device-lost';
  message: string;
}

export interface WorkerWatch {
  /** The name to give the worker. */
  readonly workerName: string;
  /** Test-only: make the worker fail as a browser would (it ends; its GPU device is destroyed). */
  send(message: Extract<ToWorker, { type: 'kill' | 'lose-device' | 'hang' }>): void;
  /** Stop watching (the worker is being retired on purpose). */
  close(): void;
  /** Ask the worker to end, even after the watch closed (a SharedWorker is no tab's to terminate). */
  end(): void;
}

export function watchWorker(options: WatchOptions): WorkerWatch {
  const workerName = options.workerName ?? `${SUPERVISED_WORKER_PREFIX}${crypto.randomUUID()}`;
  const channel = new BroadcastChannel(workerName);
  const stopLockWait = new AbortController();
  let closed = false;
  let seq = 0;
  let heard = false;
  /**
   * When the oldest ping still unanswered was sent. Counted from a ping, not from the last answer:
   * a background tab's timers may fire once a minute, and a long gap between two pings is no
   * silence of the worker's.
   */
  let unansweredSince: number | null = null;
  let watchingLife = false;
  /** Extra silence allowed while a long forward pass (announced by the worker) runs. */
  let passAllowance = 0;

  const fail = (failure: WorkerFailure) => {
    if (closed) return;
    close();
    options.onFailure(failure);
  };
  channel.onmessage = ({ data }: MessageEvent<FromWorker>) => {
    heard = true;
    unansweredSince = null;
    // Any message after a pass's announcement means the pass is over.
    passAllowance = data.type === 'pass' ? data.positions * SILENCE_PER_PASS_POSITION_MS : 0;
    switch (data.type) {
      case 'alive':
        // Said again for each tab that connects to a SharedWorker: one wait is enough.
        if (watchingLife) return;
        watchingLife = true;
        // Granted only once the worker's own hold on it ends, i.e. when the worker is gone.
        navigator.locks
          .request(lifeLockName(workerName), { signal: stopLockWait.signal }, () =>
            fail({ kind: 'exited', message: "the engine's worker stopped (it was killed or crashed)" }),
          )
          .catch(() => undefined);
        return;
      case 'device-lost':
        return fail({ kind: 'device-lost', message: `the GPU device was ${data.message}` });
      case 'model':
        return options.onModel?.(data.options, data.info);
      case 'pong':
      case 'pass':
        return;
    }
  };
  // A worker busy in one long step answers late, not never: only a long silence counts.
  // Counted from the worker's first word: before, it may still be downloading its script.
  const timer = setInterval(() => {
    if (!heard) return;
    const now = Date.now();
    if (options.quietAllowed()) unansweredSince = null;
    if (unansweredSince !== null && now - unansweredSince > options.heartbeatTimeoutMs + passAllowance) {
      const seconds = Math.round(options.heartbeatTimeoutMs / 1000);
      return fail({
        kind: 'unresponsive',
        message: `the engine's worker stopped answering (no heartbeat for ${seconds} s)`,
      });
    }
    unansweredSince ??= now;
    post({ type: 'ping', seq: ++seq });
  }, options.heartbeatMs);

  function post(message: ToWorker): void {
    if (!closed) channel.postMessage(message);
  }
  function close(): void {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    stopLockWait.abort();
    channel.close();
  }
  function end(): void {
    const once = new BroadcastChannel(workerName);
    once.postMessage({ type: 'kill' } satisfies ToWorker);
    once.close();
  }
  return { workerName, send: post, close, end };
}
