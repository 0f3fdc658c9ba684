import { InferenceSession } from 'onnxruntime-web/webgpu';
import { moveWeightsOutOfGraph } from './external-weights';

/** The external-data name a model's own bytes are mounted under while its session is created. */
const OWN_BYTES = 'inpage-model-bytes';

let installed = false;

/**
 * Make every onnxruntime-web session that transformers.js creates from model bytes read its
 * weights in place (see external-weights.ts): the wasm heap then holds the weights once instead of
 * up to three times at load, and keeps that lower high-water mark. The outputs are the same, bit
 * for bit. transformers.js offers no hook between fetching a model and creating its session, so
 * this wraps `InferenceSession.create` of the onnxruntime-web build it imports (the same module
 * instance in one bundle; if a bundler split them, nothing changes but the memory). Idempotent.
 */
export function readWeightsInPlace(): void {
  if (installed) return;
  installed = true;
  const create = InferenceSession.create.bind(InferenceSession) as (...args: unknown[]) => Promise<InferenceSession>;
  const wrapped = (...args: unknown[]): Promise<InferenceSession> => {
    const [model, options] = args as [unknown, InferenceSession.SessionOptions | undefined];
    if (!(model instanceof Uint8Array) || args.length > 2) return create(...args);
    const graph = moveWeightsOutOfGraph(model, OWN_BYTES);
    if (!graph) return create(...args);
    return create(graph, { ...options, externalData: [...(options?.externalData ?? []), { path: OWN_BYTES, data: model }] });
  };
  InferenceSession.create = wrapped as typeof InferenceSession.create;
}
