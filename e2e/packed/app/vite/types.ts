// Type-checked against the packed packages' .d.ts (through their `exports` maps), strict, by the packed-app test.
import { type Inpage, type StartInpageOptions, startInpage } from '@inpage/api-shim';
import type { Device, Engine, ModelInfo } from '@inpage/engine';
import { inpage } from '@inpage/engine/vite';

const options: StartInpageOptions = { model: '/models/inpage-tiny/', baseUrl: '/tgi', device: 'wasm', maxConcurrentRequests: 4 };
const started: Inpage = startInpage(options);
const engine: Engine = started.engine;
export const info: Promise<ModelInfo> = engine.ready();
export const device = (model: ModelInfo): Device => model.device;
export const plugin = inpage({ crossOriginIsolation: true });
// @ts-expect-error: the model is required
startInpage({ baseUrl: '/tgi' });
