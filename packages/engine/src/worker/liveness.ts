/// <reference lib="webworker" />
/**
 * The worker's end of the liveness channel (protocol/liveness.ts): hold the life lock, answer
 * heartbeats, report the loss of the GPU device, and obey the test-only failure hooks.
 */
import { env } from '@huggingface/transformers';
import { passes } from '../decode/forward';
import { type FromWorker, lifeLockName, SUPERVISED_WORKER_PREFIX, type ToWorker } from '../protocol/liveness';

/**
 * Passes this long or longer are announced. Shorter ones (every decode step) fit in the
 * heartbeat timeout on any device, and a message per step would cost decode speed.
 */
const ANNOUNCED_PASS_POSITIONS = 32;

let channel: BroadcastChannel | null = null;
/** Set once the worker holds its life lock. */
let holdsLifeLock = false;

/** Tell every supervisor watching this worker (the 'model' message, and the ones below). */
export function post(message: FromWorker): void {
  channel?.postMessage(message);
}

/** Start answering on the channel named after this worker (only a supervised worker has one). */
export function startLiveness(): void {
  // A dedicated worker or a SharedWorker: both are named.
  const name = (self as DedicatedWorkerGlobalScope | SharedWorkerGlobalScope).name;
  if (!name.startsWith(SUPERVISED_WORKER_PREFIX)) return;
  channel = new BroadcastChannel(name);
  channel.onmessage = ({ data }: MessageEvent<ToWorker>) => {
    switch (data.type) {
      case 'ping':
        return post({ type: 'pong', seq: data.seq });
      case 'kill':
        return self.close();
      case 'lose-device':
        destroyedByHook = true;
        return device?.destroy();
      case 'hang':
        for (;;);
    }
  };
  passes.onStart = (positions) => {
    if (positions >= ANNOUNCED_PASS_POSITIONS) post({ type: 'pass', positions });
  };
  // Never released while the worker lives: the browser releases it when the worker is gone.
  void navigator.locks.request(lifeLockName(name), () => {
    holdsLifeLock = true;
    post({ type: 'alive' });
    return new Promise<never>(() => undefined);
  });
}

/**
 * Say again that the life lock is held, for a supervisor that started watching later (a tab
 * connecting to a SharedWorker that already runs). Before the lock is held, the lock's own grant says it.
 */
export function announceAlive(): void {
  if (holdsLifeLock) post({ type: 'alive' });
}

/** onnxruntime's WebGPU device, once a model runs on it. */
let device: GpuDeviceLike | null = null;
/** The test hook destroyed it: a loss to report, unlike onnxruntime's own destroy(). */
let destroyedByHook = false;

/**
 * Once a model runs on WebGPU: report the loss of onnxruntime's device. A lost device never comes
 * back, and onnxruntime cannot change devices, so the supervisor must start a new worker.
 */
export async function watchGpuDevice(): Promise<void> {
  const used = await gpuDevice();
  if (!used || used === device) return;
  device = used;
  const lost = await used.lost;
  // onnxruntime destroys its device itself when its last session is released (a model swap): the
  // next session gets a new one, watched after that load.
  if (lost.reason === 'destroyed' && !destroyedByHook) return;
  destroyedByHook = false;
  post({
    type: 'device-lost',
    message: `${lost.reason === 'destroyed' ? 'destroyed' : 'lost'}: ${lost.message || 'no details'}`,
  });
}

interface GpuDeviceLike {
  destroy(): void;
  lost: Promise<{ reason: string; message: string }>;
}

/** onnxruntime's own device (read only once a WebGPU session exists: before, the getter makes one). */
async function gpuDevice(): Promise<GpuDeviceLike | null> {
  const webgpu = env.backends.onnx.webgpu as { device?: Promise<unknown> } | undefined;
  return ((await webgpu?.device) as GpuDeviceLike | undefined) ?? null;
}
