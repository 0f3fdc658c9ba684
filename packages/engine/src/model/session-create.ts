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
    const operators = operatorsOrNone(model);
    const lean = leanGraph(model, options);
    // The rewrites are an optimisation: a graph onnxruntime refuses after them (an operator or a
    // layout these readers did not foresee) is created as it came, and fails only if that fails too.
    const created = lean ? create(lean.graph, lean.options).catch(() => create(...args)) : create(...args);
    return created.then((session) => {
      recordOperators(session, operators);
      return session;
    });
  };
  InferenceSession.create = wrapped as typeof InferenceSession.create;
}

/** The model rewritten as described above, with the options that mount its own bytes; null when nothing changes. */
function leanGraph(
  model: Uint8Array,
  options: InferenceSession.SessionOptions | undefined,
): { graph: Uint8Array; options: InferenceSession.SessionOptions } | null {
  const external = moveWeightsOutOfGraph(model, OWN_BYTES);
  // From here on the graph is small: its weights are external (the model's own bytes, or its .onnx_data).
  let graph = external ?? model;
  graph = addLogitsToKeep(graph) ?? graph;
  if (onCpu(options)) graph = splitWideMatMulNBits(graph) ?? graph;
  if (graph === model) return null;
  const externalData = external
    ? [...(options?.externalData ?? []), { path: OWN_BYTES, data: model }]
    : options?.externalData;
  return { graph, options: { ...options, externalData } };
}

/** The graph's operators; none known when its bytes are not a model this reader understands. */
function operatorsOrNone(model: Uint8Array): Set<string> {
  try {
    return graphOperators(model);
  } catch {
    return new Set();
  }
}

/** Whether a session runs on onnxruntime-web's CPU (WASM) execution provider only (its default). */
function onCpu(options: InferenceSession.SessionOptions | undefined): boolean {
  const names = (options?.executionProviders ?? []).map((ep) => (typeof ep === 'string' ? ep : ep.name));
  return names.every((name) => name === 'wasm' || name === 'cpu');
}
