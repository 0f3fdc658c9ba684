import { GRAPH, INT64, MODEL, NODE, OPSET, type OnnxNode, parseNode, TENSOR, VALUE_INFO } from './onnx-fields';
import { fields, text, WIRE_BYTES, Writer } from './onnx-wire';

/**
 * A decoder export without a `num_logits_to_keep` input computes the logits of every position it
 * is given: a 512-token prefill chunk of a 152k-vocabulary model makes 311 MB of logits in the
 * runtime's memory and as much again when copied out, where only the last row is read. This gives
 * such a model the input as transformers.js' newer exports have it (0: every position, k: the last
 * k), by slicing the lm_head's input along the sequence axis; transformers.js and the engine then
 * pass it (forward.ts). The other outputs (the cache) are untouched.
 *
 * Applied when `logits` comes straight from a MatMul or MatMulNBits (or a Cast of one) whose first
 * input is the hidden states [batch, sequence, hidden]; any other graph is left as it is (null).
 */

// TypeProto.tensor_type, and its elem_type and shape.
const TYPE_TENSOR = 1;
const TENSOR_TYPE_ELEM = 1;
const TENSOR_TYPE_SHAPE = 2;

const INPUT = 'num_logits_to_keep';
/** Names of what is added, unlikely to meet a model's own. */
const PREFIX = 'inpage_logits_to_keep';

/** A node of the default domain. */
function node(opType: string, inputs: string[], output: string): Writer {
  const w = new Writer();
  for (const input of inputs) w.string(NODE.input, input);
  return w.string(NODE.output, output).string(NODE.name, output).string(NODE.opType, opType);
}

/** A constant int64 tensor of shape [1]. */
function int64Constant(name: string, value: bigint): Writer {
  return new Writer()
    .varint(TENSOR.dims, 1)
    .varint(TENSOR.dataType, INT64)
    .string(TENSOR.name, name)
    .bytes(TENSOR.rawData, new Uint8Array(BigInt64Array.of(value).buffer));
}

/** The node again with its first input renamed. */
function withFirstInput(bytes: Uint8Array, node: OnnxNode, input: string): Writer {
  const w = new Writer();
  let replaced = false;
  for (const f of fields(bytes, node.field.payloadStart, node.field.end)) {
    if (f.number === NODE.input && !replaced) {
      w.string(NODE.input, input);
      replaced = true;
    } else w.raw(bytes.subarray(f.start, f.end));
  }
  return w;
}

/** The default domain's opset version (0 when the model does not import it). */
function defaultOpset(bytes: Uint8Array): number {
  for (const f of fields(bytes)) {
    if (f.number !== MODEL.opsetImport || f.wireType !== WIRE_BYTES) continue;
    let domain = '';
    let version = 0;
    for (const g of fields(bytes, f.payloadStart, f.end)) {
      if (g.number === OPSET.domain) domain = text(bytes, g);
      else if (g.number === OPSET.version) version = g.value;
    }
    if (domain === '' || domain === 'ai.onnx') return version;
  }
  return 0;
}

/** `model` with a `num_logits_to_keep` input, or null when it has one or its logits are not reached as above. */
export function addLogitsToKeep(model: Uint8Array): Uint8Array | null {
  try {
    // Slice with its bounds as inputs, and Neg on int64: opset 10.
    if (defaultOpset(model) < 10) return null;
    const graphField = [...fields(model)].find((f) => f.number === MODEL.graph && f.wireType === WIRE_BYTES);
    if (!graphField) return null;
    const graph = [...fields(model, graphField.payloadStart, graphField.end)];
    const names = (number: number) =>
      graph
        .filter((f) => f.number === number)
        .map((f) => [...fields(model, f.payloadStart, f.end)].find((g) => g.number === VALUE_INFO.name))
        .map((g) => (g ? text(model, g) : ''));
    if (names(GRAPH.input).includes(INPUT) || !names(GRAPH.output).includes('logits')) return null;
    const nodes = graph.filter((f) => f.number === GRAPH.node).map((f) => parseNode(model, f));
    const producer = (output: string) => nodes.find((n) => n.outputs.includes(output));
    let head = producer('logits');
    if (head?.opType === 'Cast' && head.domain === '') head = producer(head.inputs[0]);
    const isMatMul =
      head &&
      ((head.opType === 'MatMul' && head.domain === '') ||
        (head.opType === 'MatMulNBits' && head.domain === 'com.microsoft'));
    if (!head || !isMatMul) return null;

    const keep1d = `${PREFIX}/1d`;
    const start = `${PREFIX}/start`;
    const hidden = `${PREFIX}/hidden`;
    const out = new Writer();
    for (const f of fields(model)) {
      if (f.start !== graphField.start) {
        out.raw(model.subarray(f.start, f.end));
        continue;
      }
      const g = new Writer();
      for (const f of graph) {
        if (f.start !== head.field.start) {
          g.raw(model.subarray(f.start, f.end));
          continue;
        }
        // hidden[:, -k:] (k = 0 keeps every position: -0 is 0), then the lm_head on that.
        g.bytes(GRAPH.node, node('Reshape', [INPUT, `${PREFIX}/shape`], keep1d));
        g.bytes(GRAPH.node, node('Neg', [keep1d], start));
        g.bytes(GRAPH.node, node('Slice', [head.inputs[0], start, `${PREFIX}/end`, `${PREFIX}/axis`], hidden));
        g.bytes(GRAPH.node, withFirstInput(model, head, hidden));
      }
      g.bytes(GRAPH.initializer, int64Constant(`${PREFIX}/shape`, 1n));
      g.bytes(GRAPH.initializer, int64Constant(`${PREFIX}/end`, 2n ** 63n - 1n));
      g.bytes(GRAPH.initializer, int64Constant(`${PREFIX}/axis`, 1n));
      // A scalar int64 input (a tensor type with an empty shape).
      const scalar = new Writer().varint(TENSOR_TYPE_ELEM, INT64).bytes(TENSOR_TYPE_SHAPE, new Writer());
      g.bytes(
        GRAPH.input,
        new Writer().string(VALUE_INFO.name, INPUT).bytes(VALUE_INFO.type, new Writer().bytes(TYPE_TENSOR, scalar)),
      );
      out.bytes(MODEL.graph, g);
    }
    return out.finish();
  } catch {
    return null;
  }
}
