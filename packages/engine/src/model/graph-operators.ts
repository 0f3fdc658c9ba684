import { GRAPH, MODEL, parseNode } from './onnx-fields';
import { fields } from './onnx-wire';

/**
 * The operator types of an ONNX model's main graph, as `domain:opType` for operators outside the
 * default domain (`com.microsoft:GroupQueryAttention`) and as the bare type for ONNX's own
 * (`MatMul`). Only the nodes are read; initializers are skipped by their length. The engine needs
 * this because onnxruntime's session does not say which operators it runs, and some change how a
 * batch must be laid out (`kvLayoutOf` in decode/kv.ts).
 */
export function graphOperators(model: Uint8Array): Set<string> {
  const ops = new Set<string>();
  for (const graph of fields(model)) {
    if (graph.number !== MODEL.graph) continue;
    for (const field of fields(model, graph.payloadStart, graph.end)) {
      if (field.number !== GRAPH.node) continue;
      const { opType, domain } = parseNode(model, field);
      ops.add(domain && domain !== 'ai.onnx' ? `${domain}:${opType}` : opType);
    }
  }
  return ops;
}

/** The operators of each session created from model bytes (session-create.ts records them). */
const sessionOperators = new WeakMap<object, ReadonlySet<string>>();

export function recordOperators(session: object, operators: ReadonlySet<string>): void {
  sessionOperators.set(session, operators);
}

/**
 * The operators of a transformers.js model's sessions; empty when unknown (a session created
 * from a path, or by another onnxruntime build, as onnxruntime-node in Node).
 */
export function modelOperators(sessions: Record<string, object>): Set<string> {
  const ops = new Set<string>();
  for (const session of Object.values(sessions)) for (const op of sessionOperators.get(session) ?? []) ops.add(op);
  return ops;
}
