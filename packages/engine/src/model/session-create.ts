import { InferenceSession } from 'onnxruntime-web/webgpu';
import { moveWeightsOutOfGraph } from './external-weights';
import { graphOperators, recordOperators } from './graph-operators';
import { addLogitsToKeep } from './logits-to-keep';
import { splitWideMatMulNBits } from './split-matmul-nbits';

/** The external-data name a model's own bytes are mounted under while its session is created. */
const OWN_BYTES = 'inpage-model-bytes';

let installed = false;

/**
 * Every onnxruntime-web session that transformers.js creates from model bytes gets a leaner graph,
 * with the same outputs:
 * - its weights are read in place (external-weights.ts): the wasm heap holds them once instead of
 *   up to three times at load, and keeps that lower high-water mark;
 * - a decoder without a `num_logits_to_keep` input gets one (logits-to-keep.ts), so a prefill makes
 *   only the logits it reads;
 * - on WASM, MatMulNBits nodes whose float32 scratch would be large are split (split-matmul-nbits.ts).
 * It also records the graph's operators for the session (graph-operators.ts). transformers.js
 * offers no hook between fetching a model and creating its session, so this wraps
 * `InferenceSession.create` of the onnxruntime-web build it imports (the same module instance in one
 * bundle; if a bundler split them, nothing changes but the memory). Idempotent.
 */
export function leanSessions(): void {
  if (installed) return;
  installed = true;
  const create = InferenceSession.create.bind(InferenceSession) as (...args: unknown[]) => Promise<InferenceSession>;
  const wrapped = (...args: unknown[]): Promise<InferenceSession> => {
    const [model, options] = args as [unknown, InferenceSession.SessionOptions | undefined];
    if (!(model instanceof Uint8Array) || args.length > 2) return create(...args);
    const operators = graphOperators(model);
    return createLean(args, model, options).then((session) => {
      recordOperators(session, operators);
      return session;
    });
  };
  const createLean = (args: unknown[], model: Uint8Array, options: InferenceSession.SessionOptions | undefined) => {
    const external = moveWeightsOutOfGraph(model, OWN_BYTES);
    // From here on the graph is small: its weights are external (the model's own bytes, or its .onnx_data).
    let graph = external ?? model;
    graph = addLogitsToKeep(graph) ?? graph;
    if (onCpu(options)) graph = splitWideMatMulNBits(graph) ?? graph;
    if (graph === model) return create(...args);
    const externalData = external
      ? [...(options?.externalData ?? []), { path: OWN_BYTES, data: model }]
      : options?.externalData;
    return create(graph, { ...options, externalData });
  };
  InferenceSession.create = wrapped as typeof InferenceSession.create;
}

/** Whether a session runs on onnxruntime-web's CPU (WASM) execution provider only (its default). */
function onCpu(options: InferenceSession.SessionOptions | undefined): boolean {
  const names = (options?.executionProviders ?? []).map((ep) => (typeof ep === 'string' ? ep : ep.name));
  return names.every((name) => name === 'wasm' || name === 'cpu');
}
