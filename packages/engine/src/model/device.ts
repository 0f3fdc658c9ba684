import { EngineError } from '../protocol/errors';
import type { Device } from '../protocol/types';

export interface DeviceChoice {
  device: Device;
  /** In words, for /info and the demo: which adapter, or why not WebGPU. */
  reason: string;
}

/**
 * WebGPU when an adapter AND a device can be had (an adapter alone is not enough: a
 * blocklisted or lost GPU gives an adapter whose requestDevice fails), else WASM.
 */
export async function chooseDevice(requested: Device | 'auto' = 'auto'): Promise<DeviceChoice> {
  if (requested === 'wasm') return { device: 'wasm', reason: 'WASM was requested' };
  const fallback = (why: string): DeviceChoice => {
    if (requested === 'webgpu')
      throw new EngineError('unsupported_device', `WebGPU was requested but is not available: ${why}`);
    return { device: 'wasm', reason: `WebGPU is not available (${why}); running on WASM` };
  };
  const gpu = (globalThis.navigator as Navigator & { gpu?: GpuLike }).gpu;
  if (!gpu) return fallback('this browser has no navigator.gpu');
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return fallback(`requestAdapter failed: ${describe(error)}`);
  }
  if (!adapter) return fallback('no WebGPU adapter was found');
  try {
    const device = await adapter.requestDevice();
    device.destroy();
  } catch (error) {
    return fallback(`the adapter refused a device: ${describe(error)}`);
  }
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || 'unknown';
  return { device: 'webgpu', reason: `WebGPU adapter: ${name}` };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// The few WebGPU shapes used here (the project does not pull in @webgpu/types for them).
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}
interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string };
  requestDevice(): Promise<{ destroy(): void }>;
}
